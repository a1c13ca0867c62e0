// End to end: Temporal-style workflows (test/fixtures/browser-temporal/workflows.ts: plain exported async functions
// with module-level `proxyActivities`/`proxyLocalActivities`, `sleep`, `condition`, `setHandler`, `workflowInfo()`,
// `uuid4()`, `CancellationScope.nonCancellable`) run by `duro/browser` on the main thread of a page in a real headless
// Chromium (Debian's `chromium`, driven by playwright-core). A browser has no async context, so the free functions
// find their run from the engine's hand-off alone (src/core/ambient.ts); here many runs interleave, with page code of
// its own beside them, and every run reports the identity it saw after each await. The page is the tab's main thread,
// as in the browser example (examples/browser) and most apps, so a reload is how a run is interrupted and resumed.
// test/fixtures/browser-temporal/page.ts is bundled with esbuild and served with index.html from a temp dir.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inPage, openBrowserFixture, type BrowserFixture } from './browser-fixture';
import type { HistoryEvent } from 'duro/workflow';
import type { Executed, Step } from '../fixtures/browser-temporal/activities';
import type { Ready, Settled } from '../fixtures/browser-temporal/page';
import type { InterleaveResult, Look, Status } from '../fixtures/browser-temporal/workflows';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = join(ROOT, 'test/fixtures/browser-temporal');
const CHROMIUM = process.env.DURO_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Every wait on the page is bounded by this. */
const STEP_MS = 15_000;
/** Runs started at once in each test. */
const RUNS = 20;

if (!hasChromium) console.warn(`browser-temporal.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DURO_CHROMIUM)`);

let fixture: BrowserFixture | undefined;
let url: string;
let browser: Browser | undefined;
const contexts: BrowserContext[] = [];


/** Evaluates `expression` in the page, bounded by STEP_MS. */
function inPageWithin<T>(page: Page, expression: string): Promise<T> {
  return inPage<T>(page, expression, STEP_MS);
}

/** `window.duroTemporal[op](...args)` in the page. */
function call<T>(page: Page, op: string, ...args: unknown[]): Promise<T> {
  return inPageWithin<T>(page, `window.duroTemporal.${op}(${args.map((arg) => JSON.stringify(arg)).join(', ')})`);
}

/** Waits (bounded) for the page's engine to be open and to have resumed what IndexedDB holds. */
async function ready(page: Page): Promise<Ready> {
  await page.waitForFunction('window.duroTemporal !== undefined', undefined, { timeout: STEP_MS });
  return call<Ready>(page, 'ready');
}

/** The fixture page in a browser context of its own (fresh IndexedDB and localStorage), its errors collected. */
async function openPage(): Promise<{ page: Page; ready: Ready; errors: string[] }> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => void (message.type() === 'error' && errors.push(`console: ${message.text()}`)));
  await page.goto(url, { timeout: STEP_MS });
  return { page, ready: await ready(page), errors };
}

/** Polls the runs' `status` query (bounded) until every one is in `phase`; returns the last answers. */
async function allIn(page: Page, ids: string[], phase: Status['phase']): Promise<Status[]> {
  let last: Status[] = [];
  await expect
    .poll(async () => (last = await call<Status[]>(page, 'statusAll', ids)).filter((status) => status.phase !== phase).map((status) => status.workflowId), { timeout: STEP_MS, interval: 50 })
    .toEqual([]);
  return last;
}

const idsOf = (prefix: string) => Array.from({ length: RUNS }, (_, i) => `${prefix}-${i}`);

/** Where `interleave` looks up its identity, in order. */
function interleaveLooks(rounds: number): string[] {
  return ['start', ...Array.from({ length: rounds }, (_, i) => [`sleep ${i}`, `remote ${i}`, `local ${i}`, `microtask ${i}`]).flat(), 'nap', 'signal handler', 'approved'];
}

/** The steps of `interleave`'s activities that record themselves (the echoes), once each. */
function interleaveSteps(rounds: number): string[] {
  return Array.from({ length: rounds }, (_, i) => [`remote ${i}`, `local ${i}`]).flat();
}

/** Every look saw the run's own id. */
function expectOwnLooks(looks: Look[], workflowId: string, wheres: string[]): void {
  expect(looks.map(([where]) => where)).toEqual(wheres);
  expect(looks.filter(([, seen]) => seen !== workflowId)).toEqual([]);
}

/** The result of one `interleave` run, checked whole. */
function expectInterleaved(settled: Settled, workflowId: string, rounds: number): InterleaveResult {
  expect(settled, workflowId).toMatchObject({ ok: true });
  const result = (settled as { value: InterleaveResult }).value;
  expect(result.workflowId).toBe(workflowId);
  expectOwnLooks(result.looks, workflowId, interleaveLooks(rounds));
  expect(result.answers).toEqual(Array.from({ length: rounds }, (_, i) => [`${workflowId}/remote ${i}`, `${workflowId}/local ${i}`]).flat());
  expect(result.sums).toEqual(Array.from({ length: rounds }, (_, i) => i + 1));
  expect(result.uuids).toHaveLength(rounds);
  for (const uuid of result.uuids) expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(result.approvedBy).toBe(`test for ${workflowId}`);
  expect(result.random).toBeGreaterThanOrEqual(0);
  expect(result.random).toBeLessThan(1);
  return result;
}

/** History numbered 1..n, started and completed once, with each activity, local activity and timer once. */
function expectInterleaveHistory(history: HistoryEvent[], workflowId: string, rounds: number): void {
  expect(history.map((event) => event.eventId)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
  const count = (type: HistoryEvent['type']) => history.filter((event) => event.type === type).length;
  expect(count('WorkflowExecutionStarted')).toBe(1);
  expect(history.at(-1)?.type).toBe('WorkflowExecutionCompleted');
  expect(count('WorkflowExecutionCompleted')).toBe(1);
  expect(count('WorkflowTaskFailed')).toBe(0);
  // Scheduled in this run's history, and asked for by code that believed it was this run.
  const scheduled = history.flatMap((event) => (event.type === 'ActivityTaskScheduled' ? [event] : []));
  expect(scheduled.map((event) => event.activityType).sort()).toEqual([...Array(rounds).fill('add'), ...Array(rounds).fill('echo')]);
  for (const event of scheduled.filter((e) => e.activityType === 'echo')) expect((event.input as Step).from).toBe(workflowId);
  expect(count('ActivityTaskCompleted')).toBe(2 * rounds);
  expect(count('ActivityTaskFailed')).toBe(0);
  expect(history.filter((event) => event.type === 'MarkerRecorded' && event.markerName === 'LocalActivity')).toHaveLength(rounds);
  expect(count('TimerStarted')).toBe(rounds + 1);
  expect(count('TimerFired')).toBe(rounds + 1);
  expect(history.filter((event) => event.type === 'SignalReceived')).toMatchObject([{ signalName: 'approve', args: [`test for ${workflowId}`] }]);
}

/** Each activity execution ran for the run whose code asked for it, and each step ran once. */
function expectExecutedOnce(executed: Executed[], ids: string[], steps: (workflowId: string) => string[]): void {
  expect(executed.filter((entry) => entry.from !== entry.workflowId)).toEqual([]);
  for (const workflowId of ids) {
    expect(executed.filter((entry) => entry.workflowId === workflowId).map((entry) => entry.step).sort()).toEqual(steps(workflowId).sort());
  }
}

/** How often consecutive activity executions belong to different runs: RUNS - 1 if the runs had gone one after another. */
function switches(executed: Executed[]): number {
  return executed.filter((entry, i) => i > 0 && entry.workflowId !== executed[i - 1]!.workflowId).length;
}

describe.skipIf(!hasChromium)(`Temporal-style workflows on duro/browser in Chromium${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  beforeAll(async () => {
    fixture = await openBrowserFixture({ fixture: FIXTURE, entry: join(FIXTURE, 'page.ts'), outfile: 'page.js', chromium: CHROMIUM, timeoutMs: STEP_MS, esbuildArgs: ['--target=es2022'] });
    url = fixture.url;
    browser = fixture.browser;
  }, 45_000);

  afterAll(async () => {
    await fixture?.close(contexts);
  });

  it(`runs ${RUNS} interleaving runs at once, each seeing only its own identity after every await, in its handlers and its activities`, async () => {
    const { page, ready: loaded, errors } = await openPage();
    // No async context in a browser: Duro leaves the globals alone (docs/programming-model.md), and nothing here expects
    // Math.random or Date to be deterministic in workflow code.
    expect(loaded).toEqual({ randomIsNative: true, dateNowIsNative: true, loads: 1 });

    const rounds = 4;
    const ids = idsOf('live');
    const runIds = await call<string[]>(page, 'startAll', 'interleave', ids, [rounds, 50]);
    expect(new Set(runIds.filter((runId) => runId !== '')).size).toBe(RUNS);
    // Queries while the runs wait: each handler sees its own run.
    const waiting = await allIn(page, ids, 'waiting');
    waiting.forEach((status, i) => {
      expect(status.workflowId).toBe(ids[i]);
      expectOwnLooks(status.looks, ids[i]!, interleaveLooks(rounds).slice(0, -2));
    });
    await call(page, 'signalAll', ids, 'test');

    const results = await call<Settled[]>(page, 'resultAll', ids);
    const uuids = results.flatMap((settled, i) => expectInterleaved(settled, ids[i]!, rounds).uuids);
    expect(new Set(uuids).size).toBe(uuids.length);
    // A closed run answers its query from its history, replayed: the handler sees its own identity there too.
    for (const [i, status] of (await call<Status[]>(page, 'statusAll', ids)).entries()) {
      expect(status).toMatchObject({ workflowId: ids[i], phase: 'done' });
      expectOwnLooks(status.looks, ids[i]!, interleaveLooks(rounds));
    }
    expect((await call<Array<{ status: string }>>(page, 'describeAll', ids)).map((d) => d.status)).toEqual(Array(RUNS).fill('completed'));
    (await call<HistoryEvent[][]>(page, 'historyAll', ids)).forEach((history, i) => expectInterleaveHistory(history, ids[i]!, rounds));

    const executed = await call<Executed[]>(page, 'executed');
    expectExecutedOnce(executed, ids, () => interleaveSteps(rounds));
    // The runs really interleaved: their activities ran mixed, not one run's after another's.
    expect(switches(executed)).toBeGreaterThan(RUNS - 1);
    const noise = await call<{ ticks: number; inWorkflowContext: number }>(page, 'noise');
    expect(noise.ticks).toBeGreaterThan(0);
    // The engine lets go of the run it entered at each macrotask of its own: page code is taken for workflow code
    // only when it runs inside an activation's macrotasks (about a tenth of the ticks here, 9 in 10 before).
    expect(noise.inWorkflowContext).toBeLessThan(noise.ticks / 2);
    console.info(`browser-temporal: page code ran ${noise.ticks} ticks beside the runs; inWorkflowContext() was true in ${noise.inWorkflowContext} of them; ${switches(executed)} switches between runs in ${executed.length} activity executions`);
    expect(await call<string[]>(page, 'errors')).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it(`resumes ${RUNS} runs from IndexedDB after a reload in their durable sleep: they replay their own identities and complete once`, async () => {
    const { page, errors } = await openPage();
    const rounds = 2;
    const napMs = 6_000;
    const ids = idsOf('reloaded');
    await call(page, 'startAll', 'interleave', ids, [rounds, napMs]);
    const napping = await allIn(page, ids, 'napping');
    napping.forEach((status, i) => expectOwnLooks(status.looks, ids[i]!, interleaveLooks(rounds).slice(0, -3)));
    const before = await call<HistoryEvent[][]>(page, 'historyAll', ids);
    // The nap's timer is stored and (on any machine that reached this point within its 6 s) has not fired.
    const midSleep = before.filter((history) => history.filter((e) => e.type === 'TimerStarted').length > history.filter((e) => e.type === 'TimerFired').length).length;
    expect(midSleep).toBeGreaterThan(0);

    await page.reload({ timeout: STEP_MS });
    expect((await ready(page)).loads).toBe(2);
    // The new page's resumeAll() replayed each run (its looks again, from history) and re-armed its stored deadline.
    await allIn(page, ids, 'waiting');
    await call(page, 'signalAll', ids, 'test');
    const results = await call<Settled[]>(page, 'resultAll', ids);
    results.forEach((settled, i) => {
      const result = expectInterleaved(settled, ids[i]!, rounds);
      // What the run saw live before the reload, it saw again replaying.
      expect(result.looks.slice(0, napping[i]!.looks.length)).toEqual(napping[i]!.looks);
    });
    const after = await call<HistoryEvent[][]>(page, 'historyAll', ids);
    after.forEach((history, i) => {
      expectInterleaveHistory(history, ids[i]!, rounds);
      expect(history.slice(0, before[i]!.length)).toEqual(before[i]);
    });
    // No activity ran again after the reload: their results came from IndexedDB.
    expectExecutedOnce(await call<Executed[]>(page, 'executed'), ids, () => interleaveSteps(rounds));
    console.info(`browser-temporal: ${midSleep} of ${RUNS} runs were mid-sleep at the reload`);
    expect(await call<string[]>(page, 'errors')).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);

  it(`cancels ${RUNS} sleeping runs at once: each cleans up in CancellationScope.nonCancellable with the module-level proxies, as itself`, async () => {
    const { page, errors } = await openPage();
    const ids = idsOf('cancelled');
    await call(page, 'startAll', 'reserveThenRelease', ids, ['seat']);
    await allIn(page, ids, 'napping');
    await call(page, 'cancelAll', ids);

    const results = await call<Settled[]>(page, 'resultAll', ids);
    results.forEach((settled, i) => expect(settled, ids[i]).toMatchObject({ ok: false, status: 'canceled' }));
    expect((await call<Array<{ status: string }>>(page, 'describeAll', ids)).map((d) => d.status)).toEqual(Array(RUNS).fill('canceled'));
    // Answered from each closed run's history, replayed: its cleanup ran as itself, in the shielded scope throughout.
    for (const [i, status] of (await call<Status[]>(page, 'statusAll', ids)).entries()) {
      expect(status).toMatchObject({ workflowId: ids[i], phase: 'done' });
      expectOwnLooks(status.looks, ids[i]!, [
        'reserved', 'cancelled', 'cleanup in a non-cancellable scope', 'released, in a non-cancellable scope', 'slept, in a non-cancellable scope', 'cleaned up',
      ]);
    }
    for (const [i, history] of (await call<HistoryEvent[][]>(page, 'historyAll', ids)).entries()) {
      const workflowId = ids[i]!;
      expect(history.map((event) => event.eventId)).toEqual(Array.from({ length: history.length }, (_, n) => n + 1));
      const types = history.map((event) => event.type);
      const count = (type: HistoryEvent['type']) => types.filter((t) => t === type).length;
      expect(count('WorkflowExecutionCancelRequested')).toBe(1);
      expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
      expect(count('WorkflowTaskFailed')).toBe(0);
      // The release was scheduled after the cancel and completed: the shielded scope's, not the cancelled root's.
      const scheduled = history.flatMap((event) => (event.type === 'ActivityTaskScheduled' ? [event] : []));
      expect(scheduled.map((event) => [event.activityType, (event.input as Step).from])).toEqual([['reserve', workflowId], ['release', workflowId]]);
      expect(types.indexOf('ActivityTaskScheduled', types.indexOf('WorkflowExecutionCancelRequested'))).toBeGreaterThan(0);
      expect(count('ActivityTaskCompleted')).toBe(2);
      expect(count('ActivityTaskCancelRequested')).toBe(0);
      // The hour's timer was cancelled; the cleanup's own sleep fired.
      expect(count('TimerStarted')).toBe(2);
      expect(count('TimerCanceled')).toBe(1);
      expect(count('TimerFired')).toBe(1);
      expect(history.filter((event) => event.type === 'MarkerRecorded' && event.markerName === 'LocalActivity')).toHaveLength(1);
    }
    expectExecutedOnce(await call<Executed[]>(page, 'executed'), ids, (workflowId) => ['reserve seat', `release reservation of ${workflowId}`, 'cleaned up']);
    expect(await call<string[]>(page, 'errors')).toEqual([]);
    expect(errors).toEqual([]);
  }, 90_000);
});
