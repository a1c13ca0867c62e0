// What the browser tests of a fixture page share: bundle the fixture's entry with esbuild (duro/* pointed at this
// repo's sources), serve it with its index.html from a temp folder, and launch Debian's Chromium; then close all again.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { serveStatic, type StaticServer } from './static-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCES: Record<string, string> = {
  'duro/browser': 'src/browser/index.ts',
  'duro/workflow': 'src/core/index.ts',
  'duro/temporal/workflow': 'src/temporal/workflow/index.ts',
};

export interface BrowserFixture {
  url: string;
  browser: Browser;
  /** Closes the contexts given (bounded), the browser, the server, and removes the folder. */
  close(contexts: BrowserContext[]): Promise<void>;
}

/** `entry` (absolute) is bundled as `outfile` beside `fixture`'s index.html; `chromium` is the browser's path. */
export async function openBrowserFixture(options: { fixture: string; entry: string; outfile: string; chromium: string; timeoutMs: number; esbuildArgs?: string[] }): Promise<BrowserFixture> {
  const work = mkdtempSync(join(tmpdir(), 'duro-e2e-browser-'));
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    options.entry, '--bundle', '--platform=browser', '--format=esm', '--log-level=warning', ...(options.esbuildArgs ?? []),
    ...Object.entries(SOURCES).map(([name, path]) => `--alias:${name}=${join(ROOT, path)}`),
    `--outfile=${join(work, options.outfile)}`,
  ], { cwd: ROOT, timeout: 30_000 });
  copyFileSync(join(options.fixture, 'index.html'), join(work, 'index.html'));
  let server: StaticServer | undefined;
  try {
    server = await serveStatic(work);
    const browser = await chromium.launch({ executablePath: options.chromium, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: options.timeoutMs });
    const served = server;
    return {
      url: served.url,
      browser,
      async close(contexts) {
        await Promise.race([
          Promise.all(contexts.map((context) => context.close())).then(() => browser.close()),
          new Promise((resolve) => setTimeout(resolve, 10_000)),
        ]).catch(() => undefined);
        await served.close();
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Evaluates `expression` in the page, bounded by `timeoutMs` (page.evaluate has no timeout of its own). A rejection is
 * rethrown with the first line of its message only: playwright appends the page's stack, whose http://127.0.0.1:…/
 * frames vitest's reporter tries to read as files (EISDIR) instead of showing the message.
 */
export async function inPage<T>(page: Page, expression: string, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([page.evaluate(expression) as Promise<T>, deadline]);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${expression.slice(0, 120)} failed in the page: ${message.split('\n')[0]}`);
  } finally {
    clearTimeout(timer);
  }
}
