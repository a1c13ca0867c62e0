// Builds the browser example (examples/browser: its page and app.ts bundled with `duro/browser`) into
// dist/public/examples/browser/, the Worker's static assets, which `npm run dev` serves at /examples/browser/.
// Run by wrangler as the custom build of wrangler.toml (`wrangler dev`, `wrangler deploy`), and as a vitest global setup
// (vitest.config.ts), since the integration project reads the same wrangler.toml without running its build.
import { mkdirSync, readFileSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Under the `[assets] directory` of wrangler.toml (dist/public). */
const EXAMPLE_DIR = join(ROOT, 'dist/public/examples/browser');

/**
 * Writes index.html and app.js (minified ESM for browsers) when they changed. Each is written to a temporary file
 * beside dist/public and renamed over the old one, so a `wrangler dev` or test reading the folder meanwhile never sees
 * half a file; an unchanged file is left alone, so a running `wrangler dev` does not reload its assets for nothing.
 */
export async function buildBrowserExample() {
  const bundled = await build({
    entryPoints: [join(ROOT, 'examples/browser/app.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    outfile: join(EXAMPLE_DIR, 'app.js'),
    alias: { 'duro/browser': join(ROOT, 'src/browser/index.ts'), 'duro/workflow': join(ROOT, 'src/core/index.ts') },
    logLevel: 'warning',
  });
  mkdirSync(EXAMPLE_DIR, { recursive: true });
  const files = { 'index.html': readFileSync(join(ROOT, 'examples/browser/index.html')), 'app.js': bundled.outputFiles[0].contents };
  for (const [name, contents] of Object.entries(files)) writeIfChanged(join(EXAMPLE_DIR, name), contents);
}

function writeIfChanged(path, contents) {
  let current;
  try {
    current = readFileSync(path);
  } catch {
    current = undefined;
  }
  if (current?.equals(contents)) return;
  const temporary = join(ROOT, 'dist', `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, contents);
  renameSync(temporary, path);
}

/** vitest's global setup hook. */
export const setup = buildBrowserExample;

// Run as a script (wrangler's build), not imported (vitest); realpath, as a symlinked checkout gives argv[1] unresolved.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await buildBrowserExample();
