// End to end: the browser example (examples/browser, `duro/browser` over IndexedDB) in a real headless Chromium
// (Debian's `chromium`, driven by playwright-core), served at /examples/browser/ by this repo's Worker under a real
// `wrangler dev` (what `npm run dev` serves: its custom build bundles the page into the Worker's static assets).
// A run of `uploadBatch` is reloaded once during an upload and once during a sleep; in two tabs of one origin, the
// tab that started a run drives it alone until it closes, and the other takes it over. Either way the run completes
// once, with every file uploaded once and a history without gaps or duplicates.
// Screenshots: test/artifacts/browser-example.png (after the reloads), browser-example-second-tab.png (the tab that follows).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test/artifacts');
const CHROMIUM = process.env.DURO_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Every wait on a page is bounded by this. */
const STEP_MS = 15_000;
const FILES = 5;
/**
 * Files of the two-tab run: about a second each, so the run is still uploading after the second tab is set up, however
 * slow the machine (with 5 it sometimes finished first).
 */
const TAB_FILES = 15;

if (!hasChromium) console.warn(`browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DURO_CHROMIUM)`);

interface Progress { done: number; total: number; phase: string; current?: number }
interface ExampleResult { files: number; uploaded: number; receipts: string[]; cancelled: boolean }
interface Counts { uploads: Record<string, number>; attempts: Record<string, number> }

let work: string;
let dev: WranglerDev | undefined;
let url: string;
let browser: Browser | undefined;
const pageErrors: string[] = [];

/** A new tab in `context`, its errors collected into `pageErrors`. */
async function newTab(context: BrowserContext, name: string): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
  return page;
}

/** A browser context with storage of its own: its tabs share IndexedDB, localStorage and Web Locks, as a profile's tabs do. */
async function newContext(): Promise<BrowserContext> {
  return browser!.newContext({ viewport: { width: 900, height: 800 } });
}

async function open(page: Page): Promise<void> {
  await page.goto(url, { timeout: STEP_MS });
  await page.waitForFunction('window.duroExample?.ready === true', undefined, { timeout: STEP_MS });
}

/** Waits (bounded) until the page's last polled progress satisfies `test`, checked on every animation frame. */
async function progressWhere(page: Page, source: string): Promise<Progress> {
  const handle = await page.waitForFunction(`(() => { const p = window.duroExample?.progress?.(); return p && (${source}) ? p : undefined; })()`, undefined, { timeout: STEP_MS, polling: 'raf' });
  return (await handle.jsonValue()) as Progress;
}

/** Waits (bounded) until the page's simulated server counted an attempt at uploading file `index`; returns the attempts per file. */
async function attempted(page: Page, workflowId: string, index: number): Promise<Record<string, number>> {
  const handle = await page.waitForFunction(`(() => { const a = JSON.parse(localStorage.getItem('duro-example:attempts:${workflowId}') ?? '{}'); return a[${index}] >= 1 ? a : undefined; })()`, undefined, { timeout: STEP_MS, polling: 'raf' });
  return (await handle.jsonValue()) as Record<string, number>;
}

async function reload(page: Page): Promise<void> {
  await page.reload({ timeout: STEP_MS });
  await page.waitForFunction('window.duroExample?.ready === true', undefined, { timeout: STEP_MS });
}

/** `{ '0': 1, '1': 1, … }` for the files of the batch, with `except` overriding some. */
function perFile(count: number, except: Record<number, number> = {}, files = FILES): Record<string, number> {
  return Object.fromEntries(Array.from({ length: files }, (_, i) => [String(i), except[i] ?? count]));
}

/** The run completed once with every receipt, each file took effect once, and its history is 1..n with nothing repeated. */
async function expectCompletedOnce(page: Page, workflowId: string, files = FILES): Promise<void> {
  await page.waitForFunction('window.duroExample.settled() !== undefined', undefined, { timeout: 2 * STEP_MS });
  const result = (await page.evaluate('window.duroExample.result()')) as ExampleResult;
  expect(result).toEqual({
    files, uploaded: files, cancelled: false, receipts: Array.from({ length: files }, (_, i) => `file-${i}@${workflowId}`),
  });
  const counts = (await page.evaluate('window.duroExample.counts()')) as Counts;
  expect(counts.uploads).toEqual(perFile(1, {}, files));

  const runs = (await page.evaluate('window.duroExample.runs()')) as Array<{ status: string }>;
  expect(runs).toHaveLength(1);
  expect(runs[0]!.status).toBe('completed');
  const history = (await page.evaluate('window.duroExample.history()')) as Array<{ eventId: number; type: string }>;
  expect(history.map((event) => event.eventId)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
  const count = (type: string) => history.filter((event) => event.type === type).length;
  expect(count('WorkflowExecutionStarted')).toBe(1);
  expect(count('WorkflowExecutionCompleted')).toBe(1);
  expect(count('ActivityTaskCompleted')).toBe(files);
  expect(count('TimerStarted')).toBe(files);
  expect(count('TimerFired')).toBe(files);
  expect(history.at(-1)!.type).toBe('WorkflowExecutionCompleted');
}

describe.skipIf(!hasChromium)(`the browser example${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'duro-e2e-browser-'));
    // As `npm run dev` runs it: no token, so the Worker's API is open on localhost.
    dev = await WranglerDev.start({ config: join(ROOT, 'wrangler.toml'), port: await freePort(), inspectorPort: await freePort(), persistTo: join(work, 'state'), vars: {} });
    url = `${dev.url}/examples/browser/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: STEP_MS });
  }, 90_000);

  beforeEach(({ onTestFailed }) => onTestFailed(() => {
    console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}\npage errors: ${JSON.stringify(pageErrors)}`);
  }));

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]).catch(() => undefined);
    await dev?.kill().catch(() => undefined);
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('serves the page and its bundle, with no node: or cloudflare: import, beside the API', async () => {
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<script type="module" src="./app.js"></script>');
    const script = await fetch(`${url}app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bundle = await script.text();
    expect(bundle).not.toMatch(/(?:from|import)\s*\(?\s*["'](?:node|cloudflare):/);
    expect(bundle).not.toMatch(/["'](?:node|cloudflare):[a-z_/]+["']/);
    const gzipped = gzipSync(bundle).length;
    console.log(`examples/browser bundle (duro/browser + the example, minified): ${(bundle.length / 1024).toFixed(1)} kB, ${(gzipped / 1024).toFixed(1)} kB gzipped`);
    expect(gzipped).toBeGreaterThan(0);
    expect((await fetch(`${dev!.url}/healthz`)).status).toBe(200); // everything that is not a file still reaches the Worker
  });

  it('completes a run once across a reload during an upload and one during a sleep', async () => {
    const page = await newTab(await newContext(), 'tab');
    await open(page);
    const workflowId = (await page.evaluate(`window.duroExample.start(${FILES})`)) as string;
    expect(workflowId).toMatch(/^upload-/);

    // 1. Reload while the second file's upload (an in-page activity) is running.
    const uploading = await progressWhere(page, `p.phase === 'uploading' && p.current === 1`);
    expect(uploading).toMatchObject({ done: 1, total: FILES });
    await attempted(page, workflowId, 1);
    await reload(page);

    // 2. Reload during the 300 ms sleep after the third file.
    await progressWhere(page, `p.phase === 'sleeping' && p.done === 3`);
    await reload(page);

    await expectCompletedOnce(page, workflowId);
    await expect.poll(() => page.locator('#status').textContent(), { timeout: STEP_MS }).toBe(`${FILES} / ${FILES} (finished) ✓`);
    await expect.poll(() => page.locator('#result').textContent(), { timeout: STEP_MS }).toContain(`"uploaded": ${FILES}`);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-example.png'), fullPage: true, timeout: STEP_MS });

    // Where the reloads hit, as the page saw it just before unloading.
    const unloads = (await page.evaluate('window.duroExample.unloads()')) as Progress[];
    expect(unloads.slice(-2)).toMatchObject([{ phase: 'uploading', current: 1 }, { phase: 'sleeping', done: 3 }]);
    // Only the interrupted upload (file 1) was attempted again.
    expect(((await page.evaluate('window.duroExample.counts()')) as Counts).attempts).toEqual(perFile(1, { 1: 2 }));
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('drives a run from one tab while another follows it, and the other takes it over when the first closes', async () => {
    const context = await newContext();
    const first = await newTab(context, 'first tab');
    await open(first);
    const workflowId = (await first.evaluate(`window.duroExample.start(${TAB_FILES})`)) as string;
    await progressWhere(first, 'p.done >= 1');

    // The second tab's resumeAll() finds the run open but locked: it follows it (queries replay the stored history) and drives nothing.
    const second = await newTab(context, 'second tab');
    await open(second);
    expect(await second.evaluate('window.duroExample.workflowId()')).toBe(workflowId);
    await second.waitForFunction(`window.duroExample.driver() === 'another tab'`, undefined, { timeout: STEP_MS });
    expect(await first.evaluate('window.duroExample.driver()')).toBe('this tab');
    await progressWhere(second, 'p.done >= 1');
    expect(await second.evaluate('window.duroExample.describe()')).toMatchObject({ workflowId, status: 'running' });
    expect(await second.evaluate('window.duroExample.cancel()')).toMatchObject({ sent: false, type: 'WorkflowDrivenElsewhere' });
    await expect.poll(() => second.locator('#notice').textContent(), { timeout: STEP_MS }).toContain('Cancel refused (WorkflowDrivenElsewhere)');
    await second.screenshot({ path: join(ARTIFACTS, 'browser-example-second-tab.png'), fullPage: true, timeout: STEP_MS });

    // Close the first tab while it uploads a file (whichever it is on by now, before the last): its Web Lock goes with it.
    const uploading = await progressWhere(first, `p.phase === 'uploading' && p.current >= 1 && p.current < ${TAB_FILES - 1}`);
    const closedAt = uploading.current!;
    const attemptsBeforeClose = await attempted(first, workflowId, closedAt);
    await first.close(); // at once: an upload takes 700 ms
    // The second tab ran no upload of its own: the first tab made one attempt of each file up to the one it was on.
    expect(attemptsBeforeClose).toEqual(Object.fromEntries(Array.from({ length: closedAt + 1 }, (_, i) => [String(i), 1])));

    await expectCompletedOnce(second, workflowId, TAB_FILES);
    // The second tab drove the rest: it ran the files after the one the first tab was on, and that one again if the
    // close cut its upload short (it usually does; if the upload just finished, once is enough).
    const { attempts } = (await second.evaluate('window.duroExample.counts()')) as Counts;
    expect([1, 2]).toContain(attempts[closedAt]);
    expect({ ...attempts, [closedAt]: 1 }).toEqual(perFile(1, {}, TAB_FILES));
    await expect.poll(() => second.locator('#status').textContent(), { timeout: STEP_MS }).toBe(`${TAB_FILES} / ${TAB_FILES} (finished) ✓`);
    // Who held the run's lock while it was open, as the second tab saw it (between the close and its takeover, maybe no one).
    const drivers = (await second.evaluate('window.duroExample.drivers()')) as string[];
    expect(drivers[0]).toBe('another tab');
    expect(drivers).toContain('this tab');
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
