// End to end: `duro/browser` inside a dedicated module Web Worker in a real headless Chromium (Debian's `chromium`,
// driven by playwright-core). test/fixtures/browser-worker/worker.ts is bundled with esbuild and served with its page
// from a temp dir; the page talks to the Worker by postMessage. A run retries its in-worker activity, sleeps, answers
// a query and takes a signal; another run's Worker is terminated mid-sleep and a new Worker's resumeAll() finishes it
// from IndexedDB, once.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inPage, openBrowserFixture, type BrowserFixture } from './browser-fixture';
import type { HistoryEvent } from 'duro/workflow';
import type { GreetInput, GreetResult, GreetStatus } from '../fixtures/browser-worker/worker';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/browser-worker');
const CHROMIUM = process.env.DURO_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Every wait on the page is bounded by this. */
const STEP_MS = 15_000;

if (!hasChromium) console.warn(`browser-worker.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DURO_CHROMIUM)`);

interface Ready { kind: 'ready'; scope: string; hasDocument: boolean; hasWebLocks: boolean; worker: number }
interface Attempt { workflowId: string; attempt: number; worker: number }

let fixture: BrowserFixture | undefined;
let url: string;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];


/** The fixture page in a context of its own (fresh IndexedDB), its page errors and console errors (page and Workers) collected. */
async function openPage(): Promise<{ page: Page; ready: Ready; errors: string[]; workers: { started: number; closed: number } }> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors: string[] = [];
  const workers = { started: 0, closed: 0 };
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(`page console: ${message.text()}`)));
  page.on('worker', (worker) => {
    workers.started += 1;
    worker.on('console', (message) => void (message.type() === 'error' && errors.push(`worker console: ${message.text()}`)));
    worker.on('close', () => void (workers.closed += 1));
  });
  await page.goto(url, { timeout: STEP_MS });
  const ready = await inPageWithin<Ready>(page, 'window.duroWorker.ready()');
  return { page, ready, errors, workers };
}

/** Evaluates `expression` in the page, bounded by STEP_MS. */
function inPageWithin<T>(page: Page, expression: string): Promise<T> {
  return inPage<T>(page, expression, STEP_MS);
}

/** One request to the Worker, answered by postMessage. */
function call<T>(page: Page, op: string, args: Record<string, unknown>): Promise<T> {
  return inPageWithin<T>(page, `window.duroWorker.call(${JSON.stringify(op)}, ${JSON.stringify(args)})`);
}

/** Polls the run's `status` query (bounded) until its phase is `phase`. */
async function phaseReached(page: Page, workflowId: string, phase: GreetStatus['phase']): Promise<GreetStatus> {
  let last: GreetStatus | undefined;
  await expect.poll(async () => (last = await call<GreetStatus>(page, 'query', { workflowId })).phase, { timeout: STEP_MS, interval: 20 }).toBe(phase);
  return last!;
}

/** Errors the Worker posted to the page (uncaught errors, unhandled rejections, duro's onError, load failures). */
function workerErrors(page: Page): Promise<string[]> {
  return inPageWithin<string[]>(page, 'window.duroWorker.errors()');
}

/** History numbered 1..n with nothing repeated; one start, one activity (completed at attempt 2), one timer, one signal, one close. */
function expectCompletedOnce(history: HistoryEvent[], approvedBy: string): void {
  expect(history.map((event) => event.eventId)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
  const types = history.map((event) => event.type);
  const count = (type: HistoryEvent['type']) => types.filter((t) => t === type).length;
  expect(count('WorkflowExecutionStarted')).toBe(1);
  expect(count('ActivityTaskScheduled')).toBe(1);
  // Retries are not history: the attempt that completed is the one recorded as started.
  expect(history.filter((event) => event.type === 'ActivityTaskStarted')).toMatchObject([{ attempt: 2 }]);
  expect(history.filter((event) => event.type === 'ActivityTaskCompleted')).toMatchObject([{ attempt: 2 }]);
  expect(count('ActivityTaskFailed')).toBe(0);
  expect(count('TimerStarted')).toBe(1);
  expect(count('TimerFired')).toBe(1);
  expect(history.filter((event) => event.type === 'SignalReceived')).toMatchObject([{ signalName: 'approve', args: [approvedBy] }]);
  expect(count('WorkflowExecutionCompleted')).toBe(1);
  expect(types.at(-1)).toBe('WorkflowExecutionCompleted');
  // In the workflow's order: the activity's result, then the sleep, then the signal it waited for.
  const positions = (['ActivityTaskCompleted', 'TimerStarted', 'TimerFired', 'SignalReceived'] as const).map((type) => types.indexOf(type));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
}

describe.skipIf(!hasChromium)(`duro/browser in a dedicated Web Worker${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  beforeAll(async () => {
    fixture = await openBrowserFixture({ fixture: FIXTURE, entry: join(FIXTURE, 'worker.ts'), outfile: 'worker.js', chromium: CHROMIUM, timeoutMs: STEP_MS });
    url = fixture.url;
    browser = fixture.browser;
  }, 45_000);

  afterAll(async () => {
    await fixture?.close(contexts);
  });

  it('runs a workflow in the Worker: the activity is retried, the query answers during the sleep, the signal is delivered', async () => {
    const { page, ready, errors } = await openPage();
    expect(ready).toMatchObject({ scope: 'DedicatedWorkerGlobalScope', hasDocument: false, hasWebLocks: true, worker: 1 });

    const workflowId = 'in-worker';
    await call<string>(page, 'start', { workflowId, input: { name: 'worker', sleepMs: 600 } satisfies GreetInput });
    // The query is answered by the Worker while the run sleeps, after the activity's second attempt succeeded.
    expect(await phaseReached(page, workflowId, 'sleeping')).toEqual({ phase: 'sleeping', greeting: 'hello worker (attempt 2)' });
    await phaseReached(page, workflowId, 'awaiting approval');
    await call(page, 'signal', { workflowId, approvedBy: 'page' });

    expect(await call<GreetResult>(page, 'result', { workflowId })).toEqual({ greeting: 'hello worker (attempt 2)', approvedBy: 'page' });
    expect(await call<GreetStatus>(page, 'query', { workflowId })).toEqual({ phase: 'done', greeting: 'hello worker (attempt 2)', approvedBy: 'page' });
    expect(await call(page, 'describe', { workflowId })).toMatchObject({ workflowId, status: 'completed' });
    expect(await inPageWithin<Attempt[]>(page, 'window.duroWorker.attempts()')).toEqual([
      { workflowId, attempt: 1, worker: 1 },
      { workflowId, attempt: 2, worker: 1 },
    ]);
    expectCompletedOnce(await call<HistoryEvent[]>(page, 'history', { workflowId }), 'page');
    expect(await workerErrors(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  it('finishes a run from IndexedDB in a new Worker after the first was terminated mid-sleep, once', async () => {
    const { page, errors, workers } = await openPage();
    const workflowId = 'terminated-mid-sleep';
    await call<string>(page, 'start', { workflowId, input: { name: 'again', sleepMs: 1_500 } satisfies GreetInput });
    await phaseReached(page, workflowId, 'sleeping');
    // The timer is stored and has not fired: the Worker dies in the middle of the sleep.
    const before = await call<HistoryEvent[]>(page, 'history', { workflowId });
    expect(before.filter((event) => event.type === 'TimerStarted')).toHaveLength(1);
    expect(before.filter((event) => event.type === 'TimerFired')).toHaveLength(0);

    const ready = await inPageWithin<Ready>(page, 'window.duroWorker.restart()');
    expect(ready).toMatchObject({ scope: 'DedicatedWorkerGlobalScope', worker: 2 });
    await expect.poll(() => workers, { timeout: STEP_MS }).toEqual({ started: 2, closed: 1 });

    // A query does not adopt a run (it replays the stored history read-only), so the run passing its sleep before any
    // signal or result call means the new Worker's resumeAll() took it over and re-armed its stored deadline.
    await phaseReached(page, workflowId, 'awaiting approval');
    await call(page, 'signal', { workflowId, approvedBy: 'second worker' });
    expect(await call<GreetResult>(page, 'result', { workflowId })).toEqual({ greeting: 'hello again (attempt 2)', approvedBy: 'second worker' });

    // The activity ran only in the first Worker: the new one replayed its result from IndexedDB.
    expect(await inPageWithin<Attempt[]>(page, 'window.duroWorker.attempts()')).toEqual([
      { workflowId, attempt: 1, worker: 1 },
      { workflowId, attempt: 2, worker: 1 },
    ]);
    const history = await call<HistoryEvent[]>(page, 'history', { workflowId });
    expectCompletedOnce(history, 'second worker');
    expect(history.slice(0, before.length)).toEqual(before);
    expect(await workerErrors(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);
});
