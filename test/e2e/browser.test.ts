// End to end: the browser example (examples/browser, `duro/browser` over IndexedDB) in a real headless Chromium
// (Debian's `chromium`, driven by playwright-core). The page is bundled with esbuild and served from a temp dir; a run
// of `uploadBatch` is reloaded once during an upload and once during a sleep, and must still complete once, with every
// file uploaded once and a history without gaps or duplicates. Screenshot: test/artifacts/browser-example.png.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = join(ROOT, 'test/artifacts');
const CHROMIUM = process.env.DURO_CHROMIUM ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** Every wait on the page is bounded by this. */
const STEP_MS = 15_000;
const FILES = 5;

if (!hasChromium) console.warn(`browser.test.ts skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set DURO_CHROMIUM)`);

interface Progress { done: number; total: number; phase: string; current?: number }
interface ExampleResult { files: number; uploaded: number; receipts: string[]; cancelled: boolean }

let work: string;
let server: Server | undefined;
let url: string;
let browser: Browser | undefined;
let page: Page;
let bundle: string;
const pageErrors: string[] = [];

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

function serve(dir: string): Promise<string> {
  server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', () => {
      const address = server!.address();
      resolve(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
    });
  });
}

/** Waits (bounded) until the page's last polled progress satisfies `test`, checked on every animation frame. */
async function progressWhere(source: string): Promise<Progress> {
  const handle = await page.waitForFunction(`(() => { const p = window.duroExample?.progress?.(); return p && (${source}) ? p : undefined; })()`, undefined, { timeout: STEP_MS, polling: 'raf' });
  return (await handle.jsonValue()) as Progress;
}

async function reload(): Promise<void> {
  await page.reload({ timeout: STEP_MS });
  await page.waitForFunction('window.duroExample?.ready === true', undefined, { timeout: STEP_MS });
}

describe.skipIf(!hasChromium)(`the browser example${hasChromium ? '' : ` (skipped: no Chromium at ${CHROMIUM})`}`, () => {
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'duro-e2e-browser-'));
    execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
      join(ROOT, 'examples/browser/app.ts'), '--bundle', '--platform=browser', '--format=esm', '--minify', '--log-level=warning',
      `--alias:duro/browser=${join(ROOT, 'src/browser/index.ts')}`, `--alias:duro/workflow=${join(ROOT, 'src/core/index.ts')}`,
      `--outfile=${join(work, 'app.js')}`,
    ], { cwd: ROOT, timeout: 30_000 });
    copyFileSync(join(ROOT, 'examples/browser/index.html'), join(work, 'index.html'));
    bundle = readFileSync(join(work, 'app.js'), 'utf8');
    url = await serve(work);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: STEP_MS });
    page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    page.setDefaultTimeout(STEP_MS);
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 45_000);

  afterAll(async () => {
    await Promise.race([browser?.close(), new Promise((resolve) => setTimeout(resolve, 10_000))]).catch(() => undefined);
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('bundles for the browser with no node: or cloudflare: import', () => {
    expect(bundle).not.toMatch(/(?:from|import)\s*\(?\s*["'](?:node|cloudflare):/);
    expect(bundle).not.toMatch(/["'](?:node|cloudflare):[a-z_/]+["']/);
    const gzipped = gzipSync(bundle).length;
    console.log(`examples/browser bundle (duro/browser + the example, minified): ${(bundle.length / 1024).toFixed(1)} kB, ${(gzipped / 1024).toFixed(1)} kB gzipped`);
    expect(gzipped).toBeGreaterThan(0);
  });

  it('completes a run once across a reload during an upload and one during a sleep', async () => {
    await page.goto(url, { timeout: STEP_MS });
    await page.waitForFunction('window.duroExample?.ready === true', undefined, { timeout: STEP_MS });
    const workflowId = (await page.evaluate(`window.duroExample.start(${FILES})`)) as string;
    expect(workflowId).toMatch(/^upload-/);

    // 1. Reload while the second file's upload (an in-page activity) is running.
    const uploading = await progressWhere(`p.phase === 'uploading' && p.current === 1`);
    expect(uploading).toMatchObject({ done: 1, total: FILES });
    await page.waitForFunction(`JSON.parse(localStorage.getItem('duro-example:attempts:${workflowId}') ?? '{}')[1] >= 1`, undefined, { timeout: STEP_MS, polling: 'raf' });
    await reload();

    // 2. Reload during the 300 ms sleep after the third file.
    await progressWhere(`p.phase === 'sleeping' && p.done === 3`);
    await reload();

    await page.waitForFunction('window.duroExample.settled() !== undefined', undefined, { timeout: STEP_MS });
    const result = (await page.evaluate('window.duroExample.result()')) as ExampleResult;
    expect(result).toEqual({
      files: FILES, uploaded: FILES, cancelled: false, receipts: Array.from({ length: FILES }, (_, i) => `file-${i}@${workflowId}`),
    });
    await expect.poll(() => page.locator('#status').textContent(), { timeout: STEP_MS }).toBe(`${FILES} / ${FILES} (finished) ✓`);
    await expect.poll(() => page.locator('#result').textContent(), { timeout: STEP_MS }).toContain(`"uploaded": ${FILES}`);
    await page.screenshot({ path: join(ARTIFACTS, 'browser-example.png'), fullPage: true, timeout: STEP_MS });

    // Where the reloads hit, as the page saw it just before unloading.
    const unloads = (await page.evaluate('window.duroExample.unloads()')) as Progress[];
    expect(unloads.slice(-2)).toMatchObject([{ phase: 'uploading', current: 1 }, { phase: 'sleeping', done: 3 }]);

    // Each file's upload took effect once; only the interrupted upload (file 1) was attempted again.
    const counts = (await page.evaluate('window.duroExample.counts()')) as { uploads: Record<string, number>; attempts: Record<string, number> };
    expect(counts.uploads).toEqual(Object.fromEntries(Array.from({ length: FILES }, (_, i) => [String(i), 1])));
    expect(counts.attempts).toEqual(Object.fromEntries(Array.from({ length: FILES }, (_, i) => [String(i), i === 1 ? 2 : 1])));

    // One run, completed once; its history numbered 1..n with no gap or duplicate.
    const runs = (await page.evaluate('window.duroExample.runs()')) as Array<{ status: string }>;
    expect(runs).toHaveLength(1);
    expect(runs[0]!.status).toBe('completed');
    const history = (await page.evaluate('window.duroExample.history()')) as Array<{ eventId: number; type: string }>;
    expect(history.map((event) => event.eventId)).toEqual(Array.from({ length: history.length }, (_, i) => i + 1));
    const count = (type: string) => history.filter((event) => event.type === type).length;
    expect(count('WorkflowExecutionStarted')).toBe(1);
    expect(count('WorkflowExecutionCompleted')).toBe(1);
    expect(count('ActivityTaskCompleted')).toBe(FILES);
    expect(count('TimerStarted')).toBe(FILES);
    expect(count('TimerFired')).toBe(FILES);
    expect(history.at(-1)!.type).toBe('WorkflowExecutionCompleted');
    expect(pageErrors).toEqual([]);
  }, 50_000);
});
