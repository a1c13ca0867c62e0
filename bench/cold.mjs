// The cold-start helpers of the bench (bench/run.mjs `--only cold`, docs/performance.md "Cold start and bundle
// size"): a Worker like the one `duro init` scaffolds, bundled as `wrangler deploy` would; the size of a bundle and
// what it is made of (esbuild's metafile); and the time a fresh isolate takes to load a bundle's main module.
import { execFileSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' });

/**
 * `wrangler deploy --dry-run` of `config` into `outdir`, with esbuild's metafile beside the bundle (not in it).
 * Returns the metafile's path.
 */
export function bundle({ root, wrangler, config, outdir, cwd = root }) {
  const metafile = `${outdir}.meta.json`;
  execFileSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir, '--metafile', metafile, '--config', config], { cwd, env: wranglerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  return metafile;
}

/**
 * The project `duro init` writes (templates/init), in `folder`, its `duro/*` imports resolved to this repo's sources
 * as the bench Worker's are: a user's project gets the built package instead, the same code.
 */
export function scaffoldInitWorker({ root, folder }) {
  cpSync(join(root, 'templates/init/src'), join(folder, 'src'), { recursive: true });
  const source = (path) => JSON.stringify(join(root, path));
  const config = readFileSync(join(root, 'templates/init/wrangler.toml'), 'utf8').replaceAll('{{name}}', 'duro-cold-init');
  writeFileSync(join(folder, 'wrangler.toml'), `${config}
[alias]
"duro/workflow" = ${source('src/core/index.ts')}
"duro/worker" = ${source('src/worker.ts')}
`);
  return { config: join(folder, 'wrangler.toml') };
}

/** What wrangler uploads of a bundle folder (every module, source maps aside): bytes, and gzipped as wrangler counts. */
export function bundleSize(outdir) {
  const files = readdirSync(outdir).filter((file) => !file.endsWith('.map') && /\.(m?js|wasm)$/.test(file));
  const contents = Buffer.concat(files.map((file) => readFileSync(join(outdir, file))));
  return { files: files.length, bytes: contents.length, gzipBytes: gzipSync(contents).length };
}

/**
 * What the bundle is made of, from esbuild's metafile: bytes in the output by package (node_modules/<name>) or by
 * this repo's top folder (src/api, src/core, durable-objects, …), largest first. The metafile's paths are relative
 * to `base`, the folder of the config it was bundled with.
 */
export function bundleBreakdown(metafile, { root, base, top = 10 }) {
  const meta = JSON.parse(readFileSync(metafile, 'utf8'));
  const groups = new Map();
  for (const output of Object.values(meta.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs ?? {})) {
      const group = groupOf(resolve(base, input.replace(/^[a-z-]+:/, '')), root);
      groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    }
  }
  return [...groups].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes).slice(0, top);
}

function groupOf(path, root) {
  const packaged = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (packaged) return packaged[1];
  const inRepo = relative(root, path);
  if (inRepo.startsWith('..')) return `the Worker's own ${path.split('/').slice(-2).join('/')}`;
  const parts = inRepo.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * The time a fresh isolate takes to load a bundle's main module (compile and evaluate it), on a fresh local workerd
 * each time (Miniflare, as `wrangler check startup` runs it): a probe Worker answers a first request without the
 * bundle, imports it on the second and answers a third without work; the second's wall time, taken from outside,
 * less the third's is the load. Medians are the caller's; `repeats` fresh runtimes.
 */
export async function scriptStartup({ outdir, compatibilityDate, compatibilityFlags, repeats }) {
  // Miniflare is wrangler's own; resolved through wrangler, so the pinned pair is used.
  const { Miniflare } = await import(createRequire(createRequire(import.meta.url).resolve('wrangler')).resolve('miniflare'));
  const modules = readdirSync(outdir).filter((file) => /\.m?js$/.test(file)).map((file) => ({ type: 'ESModule', path: join(outdir, file), contents: readFileSync(join(outdir, file)) }));
  const probe = `let loaded = false;
export default {
  async fetch(request) {
    if (new URL(request.url).pathname !== '/import') return new Response('warm');
    if (loaded) throw new Error('imported twice');
    loaded = true;
    await import('./index.js');
    return new Response('imported');
  },
};`;
  const samples = { readyMs: [], loadMs: [] };
  const request = async (mf, path) => {
    const began = performance.now();
    const text = await (await mf.dispatchFetch(`http://probe.local${path}`)).text();
    return { ms: performance.now() - began, text };
  };
  for (let r = 0; r < repeats; r++) {
    const began = performance.now();
    const mf = new Miniflare({
      name: 'startup-probe',
      compatibilityDate,
      compatibilityFlags,
      modulesRoot: outdir,
      modules: [{ type: 'ESModule', path: join(outdir, 'startup-probe.mjs'), contents: probe }, ...modules],
    });
    try {
      await mf.ready;
      samples.readyMs.push(performance.now() - began);
      // The first request warms the path a request takes (Miniflare's entry Worker, the probe itself); the import
      // is the second, and a third that imports nothing is what a request costs without it.
      await request(mf, '/');
      const imported = await request(mf, '/import');
      if (imported.text !== 'imported') throw new Error(`the startup probe answered ${imported.text.slice(0, 200)}`);
      const bare = await request(mf, '/');
      samples.loadMs.push(imported.ms - bare.ms);
    } finally {
      await mf.dispose();
    }
  }
  return samples;
}
