// Where the one thread's time goes: a V8 CPU profile of the bench Worker (every object and the Worker share one
// isolate locally) while it runs one kind of work, summed by source module and by function (docs/performance.md,
// Profiling). The inspector slows every fetch, so absolute times here are inflated; compare shares, not milliseconds.
//
//   node bench/profile.mjs --what remote --n 2000     sequential remote steps (one workflow)
//   node bench/profile.mjs --what local --n 2000      sequential local steps
//   node bench/profile.mjs --what starts --n 300      one-step workflows started and awaited, 16 at a time
//   node bench/profile.mjs --what fanout --n 2000     a fan-out of n tasks, 100 per child (more children run out of
//                                                     file descriptors under the inspector)
//
// Writes the profile to bench/results/<what>.cpuprofile (Chrome DevTools opens it).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { bundle } from './cold.mjs';
import { freePort } from './free-port.mjs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { unstable_startWorker } from 'wrangler';
import WebSocket from 'ws';

const { values: flags } = parseArgs({
  options: { what: { type: 'string', default: 'remote' }, n: { type: 'string' }, top: { type: 'string', default: '25' } },
});
const WORK = {
  remote: { n: 2_000, run: (base, n) => post(base, '/bench/duro/sequential', { workflowType: 'benchRemoteSteps', n }) },
  local: { n: 2_000, run: (base, n) => post(base, '/bench/duro/sequential', { workflowType: 'benchLocalSteps', n }) },
  starts: { n: 300, run: (base, n) => startsAndWaits(base, n, 16) },
  fanout: { n: 2_000, run: (base, n) => fanOutTasks(base, n) },
};
const work = WORK[flags.what];
if (!work) throw new Error(`--what is one of ${Object.keys(WORK).join(', ')}`);
const n = Number(flags.n ?? work.n);

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(os.tmpdir(), 'duro-profile-'));
process.env.WRANGLER_SEND_METRICS = 'false';

async function post(base, path, body) {
  const response = await fetch(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(240_000) });
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${(await response.text()).slice(0, 500)}`);
  return response.json();
}

async function startsAndWaits(base, count, clients) {
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < count) {
      const workflowId = `profile-${next++}-${Math.random().toString(36).slice(2)}`;
      const reply = await post(base, '/v1/workflows?wait=60s', { workflowType: 'benchLocalSteps', workflowId, input: { n: 1 } });
      if (reply.outcome?.status !== 'completed') throw new Error(`${workflowId}: ${JSON.stringify(reply).slice(0, 300)}`);
    }
  }));
}

/** The example fan-out (examples/fan-out.ts) of about `tasks` tasks: children of 100 tasks each, awaited to its close. */
async function fanOutTasks(base, tasks) {
  const workflowId = `profile-fanout-${Math.random().toString(36).slice(2)}`;
  const children = Math.max(1, Math.round(tasks / 100));
  let reply = await post(base, '/v1/workflows?wait=60s', { workflowType: 'fanOut', workflowId, input: { children, tasksPerChild: 100 } });
  for (let outcome = reply.outcome; outcome?.status !== 'completed'; outcome = reply) {
    if (outcome && outcome.status !== 'running') throw new Error(`${workflowId}: ${JSON.stringify(outcome).slice(0, 300)}`);
    const response = await fetch(new URL(`/v1/workflows/${workflowId}/result?wait=60s`, base), { signal: AbortSignal.timeout(240_000) });
    reply = await response.json();
  }
}

/** The bench Worker bundled once, as bench/run.mjs serves it; its config beside the bundle's folder. */
function bundleBench() {
  const outdir = join(workDir, 'bundle');
  bundle({ root: ROOT, wrangler: join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), config: join(ROOT, 'bench/wrangler.toml'), outdir });
  const config = readFileSync(join(ROOT, 'bench/wrangler.toml'), 'utf8').replace(/^main = .*$/m, 'main = "bundle/index.js"');
  writeFileSync(join(workDir, 'wrangler.toml'), config);
  return { config: join(workDir, 'wrangler.toml'), source: readFileSync(join(outdir, 'index.js'), 'utf8') };
}

/** A DevTools protocol session on the runtime's inspector (it wants an Origin header). */
async function inspect(port) {
  const [target] = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const socket = new WebSocket(target.webSocketDebuggerUrl, { headers: { Origin: `http://127.0.0.1:${port}` } });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let lastId = 0;
  const waiting = new Map();
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  const send = (method, params = {}) => new Promise((resolve) => {
    const id = ++lastId;
    waiting.set(id, resolve);
    socket.send(JSON.stringify({ id, method, params }));
  });
  return { send, close: () => socket.close() };
}

/** Self time summed by what is charged for it: the bundle's module (esbuild's `// path` comments) or the function. */
function summarize(profile, source, units) {
  const modules = [];
  source.split('\n').forEach((line, index) => {
    const match = /^\/\/ (\S+\.(?:ts|js|mjs))$/.exec(line);
    if (match) modules.push([index, match[1].replace(/^(\.\.\/)+/, '')]);
  });
  const moduleAt = (line) => {
    let found = '(bundle prelude)';
    for (const [start, name] of modules) if (start <= line) found = name; else break;
    return found;
  };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byModule = new Map();
  const byFunction = new Map();
  let busy = 0;
  profile.samples.forEach((sample, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    let node = nodes.get(sample);
    if (['(idle)', '(program)', '(garbage collector)'].includes(node.callFrame.functionName)) return;
    busy += dt;
    // The runtime's own work (SQLite, an RPC, a fetch) is charged to the bundle's frame that called it.
    let native = false;
    while (node && !node.callFrame.url.endsWith('index.js')) {
      native = true;
      node = nodes.get(parent.get(node.id));
    }
    const module = node ? moduleAt(node.callFrame.lineNumber) + (native ? ' (runtime work it called)' : '') : '(runtime, no script frame)';
    byModule.set(module, (byModule.get(module) ?? 0) + dt);
    if (node) {
      const name = `${node.callFrame.functionName || '(anonymous)'} ${moduleAt(node.callFrame.lineNumber)}`;
      byFunction.set(name, (byFunction.get(name) ?? 0) + dt);
    }
  });
  const top = Number(flags.top);
  const table = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => `  ${(100 * us / busy).toFixed(1).padStart(5)} %  ${(us / units).toFixed(0).padStart(7)} µs/unit  ${name}`).join('\n');
  return `busy: ${(busy / units).toFixed(0)} µs of profiled thread time per unit (inflated by the profiler)\n\nby module\n${table(byModule)}\n\nby function\n${table(byFunction)}`;
}

let worker;
try {
  const { config, source } = bundleBench();
  const inspectorPort = await freePort();
  worker = await unstable_startWorker({
    config,
    build: { bundle: false },
    dev: { server: { hostname: '127.0.0.1', port: await freePort() }, inspector: { port: inspectorPort }, persist: join(workDir, 'state'), logLevel: 'warn', watch: false },
  });
  await worker.ready;
  const base = String(await worker.url);
  await work.run(base, Math.max(1, Math.round(n / 10))); // warm: the code loaded and optimized before it is measured
  const session = await inspect(inspectorPort);
  await session.send('Profiler.enable');
  await session.send('Profiler.setSamplingInterval', { interval: 100 });
  await session.send('Profiler.start');
  const startedAt = performance.now();
  await work.run(base, n);
  const ms = performance.now() - startedAt;
  const { result } = await session.send('Profiler.stop');
  session.close();
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  const file = join(ROOT, `bench/results/${flags.what}.cpuprofile`);
  writeFileSync(file, JSON.stringify(result.profile));
  const unit = flags.what === 'starts' ? 'workflow' : flags.what === 'fanout' ? 'task' : 'step';
  console.log(`${flags.what}: ${n} ${unit}s in ${ms.toFixed(0)} ms under the profiler; profile in ${file}; a unit is one ${unit}\n`);
  console.log(summarize(result.profile, source, n));
} finally {
  await worker?.dispose();
  rmSync(workDir, { recursive: true, force: true });
}
