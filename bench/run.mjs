// Side-by-side benchmarks (DESIGN.md §7, issue 7): Duro vs Cloudflare Workflows vs bare Durable Object floors,
// all in one local workerd under wrangler's dev server with the inspector off (bench/serve.mjs, bench/wrangler.toml).
// Prints absolute figures and ratios with PASS/MISS per target, and writes bench/results/latest.json. Benchmarks
// are not tests: nothing here asserts.
//
//   npm run bench                    everything (a few minutes)
//   npm run bench -- --quick         a reduced set, same targets, under five minutes
//   npm run bench -- --tiny          a smoke run of every measurement (the e2e test uses it)
//   --out <file>                     where to write the JSON (default bench/results/latest.json)
//   --only seq,throughput,signal,timer,replay,fanout,payloads,cost,cold
//   --fanout-large                   adds fan-out 1 000 × 1 000 (a million tasks; long)
//   --no-visibility                  executions report nothing to Visibility (what the index costs, for profiling)
//   --codecs                         every stored row sealed with AES-GCM (docs/payloads.md): run `--only seq` with
//                                    and without it, and the difference in ms per step is what the codec costs
import { spawn } from 'node:child_process';
import { bundle, bundleBreakdown, bundleSize, scaffoldInitWorker, scriptStartup } from './cold.mjs';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { PRICES, dollarsPerMillion } from './prices.mjs';
import { freePort } from './free-port.mjs';
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const CONFIG = join(ROOT, 'bench/wrangler.toml');

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string', default: join(ROOT, 'bench/results/latest.json') },
    only: { type: 'string' },
    'fanout-large': { type: 'boolean', default: false },
    'no-visibility': { type: 'boolean', default: false },
    codecs: { type: 'boolean', default: false },
  },
});

const SIZES = {
  full: {
    local: [1, 10, 100, 1_000, 10_000], remote: [1, 10, 100, 1_000, 10_000], cf: [1, 10, 100, 1_000], floors: [1, 10, 100, 1_000, 10_000],
    throughput: { workflows: 1_000, clients: 16, rounds: 3 }, signals: 1_000, timers: { workflows: 200, ms: 1_000 }, replaySteps: 10_000,
    fanOut: [[10, 100], [100, 100]], payloadSteps: 100, cost: { workflows: 200, clients: 8, steps: [1, 10, 100] },
  },
  quick: {
    local: [1, 10, 100, 1_000, 10_000], remote: [10, 100], cf: [10, 100, 1_000], floors: [10, 100, 1_000, 10_000],
    throughput: { workflows: 300, clients: 16, rounds: 3 }, signals: 300, timers: { workflows: 100, ms: 1_000 }, replaySteps: 10_000,
    fanOut: [[10, 100], [100, 100]], payloadSteps: 50, cost: { workflows: 100, clients: 8, steps: [1, 10, 100] },
  },
  tiny: {
    local: [1, 10], remote: [1, 5], cf: [1, 5], floors: [1, 10],
    throughput: { workflows: 6, clients: 2, rounds: 1 }, signals: 5, timers: { workflows: 3, ms: 200 }, replaySteps: 100,
    fanOut: [[2, 3]], payloadSteps: 3, cost: { workflows: 3, clients: 2, steps: [1, 2] },
  },
};
const sizeName = flags.tiny ? 'tiny' : flags.quick ? 'quick' : 'full';
const size = SIZES[sizeName];
if (flags['fanout-large']) size.fanOut.push([1_000, 1_000]);
const only = flags.only ? new Set(flags.only.split(',')) : undefined;
const wanted = (name) => !only || only.has(name);

/** The CF local engine sets two timeouts per step.do and hits workerd's 10 000 active-timeout quota near step 5 000. */
const CF_MAX_LOCAL_STEPS = 4_000;

// ---- the dev server (bench/serve.mjs), as its own process group ----

let group; // {pid, exited} of bench/serve.mjs, leader of its process group
let persistDir; // the storage folder of the dev server serving now
const workDir = mkdtempSync(join(os.tmpdir(), 'duro-bench-'));
const bundleDir = join(workDir, 'bundle');
let servers = 0;

/** Kills the dev server's process group, if one serves now; returns the promise of its leader's exit. */
function killServer() {
  if (group === undefined) return undefined;
  const { pid, exited } = group;
  group = undefined;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    return undefined; // already gone
  }
  return exited;
}

/** Stops the dev server serving now, if any; resolves once its process group leader has exited. */
async function stopServer() {
  const exited = killServer();
  if (exited) await Promise.race([exited, sleep(10_000)]);
}

/** On exit, errors and signals: synchronous, as `process.on('exit')` needs. */
function stopWrangler() {
  killServer();
  rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', stopWrangler);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopWrangler();
    process.exit(130);
  });
}

/**
 * Bundles the bench Worker once and serves that bundle: `wrangler dev` would otherwise rebuild and restart the
 * Worker mid-run whenever a file under src/ changes, and the figures would mix two versions of the code.
 */
function bundleWorker() {
  bundle({ root: ROOT, wrangler: WRANGLER, config: CONFIG, outdir: bundleDir });
  return serveConfig(CONFIG, 'bundle', 'wrangler.toml');
}

/**
 * A config serving the bundle in `workDir/<folder>`, written to `workDir/<name>`. It sits beside the bundle's folder,
 * not in it: wrangler writes .wrangler/ next to its config, and a write inside the watched folder of `main` would
 * make it reload the Worker again and again.
 */
function serveConfig(source, folder, name) {
  const config = readFileSync(source, 'utf8').replace(/^main = .*$/m, `main = "${folder}/index.js"`);
  writeFileSync(join(workDir, name), config);
  return join(workDir, name);
}

/** The last chunks the dev server printed, shown when a run fails. */
const wranglerLog = [];

/**
 * Serves the bundle on a fresh local workerd with empty storage. Each measurement gets its own: one isolate holds
 * every object of the Worker locally, so a thousand workflows and Cloudflare instances left by the throughput test
 * would otherwise slow the fan-out after it — a cost of sharing one local process, not of either engine.
 */
async function startWrangler(config, { meter = false, untouched = false } = {}) {
  await stopServer();
  const port = await freePort();
  const persistTo = join(workDir, `state-${++servers}`);
  persistDir = persistTo;
  const child = spawn(process.execPath, [
    join(ROOT, 'bench/serve.mjs'), config, String(port), persistTo,
    ...(flags['no-visibility'] ? ['--var', 'BENCH_NO_VISIBILITY:1'] : []),
    // Counting rows and requests costs time of its own: only the cost measurement pays it.
    ...(meter ? ['--var', 'BENCH_METER:1'] : []),
    // A fixed key: what is measured is the cipher's cost, not the key's secrecy.
    ...(flags.codecs ? ['--var', `BENCH_CODEC_KEY:${btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))}`] : []),
  ], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' } });
  group = { pid: child.pid, exited: new Promise((resolve) => child.once('exit', resolve)) };
  const log = wranglerLog;
  const keep = (chunk) => {
    log.push(chunk.toString());
    if (log.length > 200) log.shift();
  };
  let announced = false;
  child.stdout.on('data', (chunk) => {
    // bench/serve.mjs prints it once the runtime has loaded the Worker and listens.
    if (/^ready http/m.test(chunk.toString())) announced = true;
  });
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited;
  child.once('exit', (code, signal) => (exited = signal ?? code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`the dev server exited (${exited}) before it was ready:\n${log.join('')}`);
    if (untouched) {
      // The cold-start measurement: ready without a request, so its first request is the Worker's first.
      if (announced) return url;
      await sleep(2);
      if (Date.now() > deadline) throw new Error(`the dev server was not ready within 90 s:\n${log.join('')}`);
      continue;
    }
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return url;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the dev server was not ready within 90 s:\n${log.join('')}`);
    await sleep(200);
  }
}

// ---- HTTP helpers ----

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
let BASE;
let benchConfig; // the bundled Worker's config, for measurements that start servers of their own

/** The longest the bench waits for any one answer: the server bounds its own waits (a long-poll at 60 s). */
const CALL_TIMEOUT_MS = 900_000;

/** One request; a long-poll for a result goes through {@link callPatiently}. */
async function call(method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${text.slice(0, 600)}`);
  return text ? JSON.parse(text) : null;
}

/**
 * A GET through node:http, on a connection of its own: Node's fetch gives up on any answer whose headers take 300 s
 * (undici's headersTimeout, which no AbortSignal lengthens), and a loaded workerd can hold a 60 s long-poll that long
 * (every request queues behind the tasks in flight: 10 000 of them in fan-out 1 000 × 1 000). Only for long-polls:
 * with every request of the bench on node:http's pooled connections, the dev server answered "Your worker restarted
 * mid-request" to Cloudflare Workflows requests in five runs of five.
 */
function callPatiently(path) {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${BASE}${path}`, { method: 'GET', agent: false, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode < 200 || response.statusCode > 299) reject(new Error(`GET ${path} answered ${response.statusCode}: ${text.slice(0, 600)}`));
        else resolve(text ? JSON.parse(text) : null);
      });
    });
    request.on('error', reject);
    request.end();
  });
}
const bench = (path, body) => call('POST', `/bench/${path}`, body);

async function startDuro(workflowType, workflowId, input) {
  return call('POST', '/v1/workflows', { workflowType, workflowId, input });
}

/** Starts and waits in one request (`POST /v1/workflows?wait=`); long-polls only what outlasts the wait. */
async function executeDuro(workflowType, workflowId, input) {
  const reply = await call('POST', '/v1/workflows?wait=60s', { workflowType, workflowId, input });
  if (reply.outcome?.status === 'completed') return reply.outcome.result;
  if (reply.outcome && reply.outcome.status !== 'running') throw new Error(`${workflowId} ended ${JSON.stringify(reply.outcome).slice(0, 600)}`);
  return resultOf(workflowId);
}

async function resultOf(workflowId) {
  for (;;) {
    const reply = await callPatiently(`/v1/workflows/${encodeURIComponent(workflowId)}/result?wait=60s`);
    if (reply.status === 'running') continue;
    if (reply.status !== 'completed') throw new Error(`${workflowId} ended ${JSON.stringify(reply).slice(0, 600)}`);
    return reply.result;
  }
}

/** Runs `task(i)` for i < count with `clients` concurrent loops. */
async function pool(count, clients, task) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(clients, count) }, async () => {
    while (next < count) await task(next++);
  }));
}

const median = (xs) => percentile(xs, 50);
function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const round = (x, digits = 3) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x);
const uid = () => Math.random().toString(36).slice(2, 10);

// ---- measurements ----

const runs = [];
const record = (run) => {
  runs.push(run);
  return run;
};
/** Repetitions per size: small runs are noisy, large ones long. */
const repeatsFor = (n) => (sizeName === 'tiny' ? 1 : n <= 100 ? 5 : n <= 1_000 ? 3 : 1);

async function sequential() {
  const variants = [
    { variant: 'duro-local', sizes: size.local, once: (n) => bench('duro/sequential', { workflowType: 'benchLocalSteps', n }) },
    { variant: 'duro-remote', sizes: size.remote, once: (n) => bench('duro/sequential', { workflowType: 'benchRemoteSteps', n }) },
    // The same steps with the activity run in the object's isolate (no invocation of its own), and sent as fetches
    // through DURO_SELF instead of RPC calls to the entrypoint (decision 027).
    { variant: 'duro-remote-in-process', sizes: size.remote, once: (n) => bench('duro/sequential', { workflowType: 'benchRemoteSteps', n, activities: 'in-process' }) },
    { variant: 'duro-remote-fetch', sizes: size.remote, once: (n) => bench('duro/sequential', { workflowType: 'benchRemoteSteps', n, activities: 'fetch' }) },
    { variant: 'cf-step.do', sizes: size.cf.filter((n) => n <= CF_MAX_LOCAL_STEPS), once: (n) => bench('cf/sequential', { n }) },
    { variant: 'floor-macrotask', sizes: size.floors, once: (n) => bench('floor', { mode: 'macrotask', n }) },
    { variant: 'floor-coalesced', sizes: size.floors, once: (n) => bench('floor', { mode: 'microtask', n }) },
    { variant: 'floor-fetch', sizes: size.remote, once: (n) => bench('floor', { mode: 'fetch', n }) },
    { variant: 'floor-fetch-durable', sizes: size.remote, once: (n) => bench('floor', { mode: 'fetch-durable', n }) },
    { variant: 'floor-rpc-durable', sizes: size.remote, once: (n) => bench('floor', { mode: 'rpc-durable', n }) },
  ];
  for (const [index, { variant, sizes, once }] of variants.entries()) {
    // Each variant on a fresh dev server, as each measurement is: with the three fetch-heavy variants (some 30 000
    // service-binding fetches) in one process, the runtime restarted mid-request at the fourth ("Your worker restarted").
    // A tiny run (the e2e test's) sends a few dozen: one server serves every variant.
    if (index > 0 && sizeName !== 'tiny') BASE = await startWrangler(benchConfig);
    await once(1); // warm-up: the first object, the first workflow, the first fetch of each kind
    for (const n of sizes) {
      const samples = [];
      for (let r = 0; r < repeatsFor(n); r++) samples.push((await once(n)).ms);
      const ms = median(samples);
      record({ bench: 'sequential', variant, n, ms, msPerStep: round(ms / n, 4), samples });
      log(`  sequential ${variant.padEnd(22)} n=${String(n).padStart(6)}  ${fmt(ms)} ms  ${fmt(ms / n, 4)} ms/step`);
    }
  }
}

/** The dev server's workerd processes, from /proc (Linux; undefined elsewhere): CPU ms used and peak resident KiB. */
function workerdProcesses() {
  if (!group) return undefined;
  const found = [];
  try {
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat;
      let status;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        status = readFileSync(`/proc/${pid}/status`, 'utf8');
      } catch {
        continue; // gone meanwhile
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields[2] is the process group; [11] and [12] are utime and stime, in clock ticks (100 a second).
      if (comm !== 'workerd' || Number(fields[2]) !== group.pid) continue;
      const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      found.push({ cpuMs: (Number(fields[11]) + Number(fields[12])) * 10, peakKiB: kib('VmHWM') });
    }
  } catch {
    return undefined;
  }
  return found;
}

/** CPU time (ms) workerd processes of the dev server have used. */
function workerdCpuMs() {
  return workerdProcesses()?.reduce((sum, process) => sum + process.cpuMs, 0);
}

/**
 * The peak resident memory (MiB) of the dev server's largest workerd process since it started (VmHWM): the one that
 * runs the Worker and its objects (the other is wrangler's small proxy in front of it).
 */
function workerdPeakMiB() {
  const processes = workerdProcesses();
  if (!processes || processes.length === 0) return undefined;
  return round(Math.max(...processes.map((process) => process.peakKiB)) / 1_024, 0);
}

/** Bytes under a folder (the dev server's storage: SQLite files of every object, Workflows' engine included). */
function folderBytes(folder) {
  let bytes = 0;
  let entries;
  try {
    entries = readdirSync(folder, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(folder, entry.name);
    bytes += entry.isDirectory() ? folderBytes(path) : statSync(path).size;
  }
  return bytes;
}

/**
 * What one workflow costs (docs/cost.md): K workflows of n local or remote steps for Duro (each client starting and
 * waiting in one request) and of n `step.do` for Cloudflare Workflows, each variant on a fresh dev server. Counted per
 * workflow: Worker invocations, Durable Object requests and busy time, SQLite rows read and written (Duro's, through
 * bench/worker/meter.ts), workerd's CPU time and the bytes its storage folder grew by (both engines alike), then
 * priced with Cloudflare's published prices beside Temporal Cloud's price per Action (bench/prices.mjs).
 */
async function costPerWorkflow() {
  const { workflows, clients, steps } = size.cost;
  const variants = [
    { variant: 'duro-local', run: (id, n) => executeDuro('benchLocalSteps', id, { n }), temporalActions: () => 2 },
    { variant: 'duro-remote', run: (id, n) => executeDuro('benchRemoteSteps', id, { n }), temporalActions: (n) => 1 + n },
    {
      variant: 'cf-step.do',
      run: async (id, n) => {
        await bench('cf/create', { id, n });
        const status = await bench('cf/wait', { id, intervalMs: 50 });
        if (status.status !== 'complete') throw new Error(`${id} ended ${status.status}`);
      },
    },
  ];
  for (const { variant, run, temporalActions } of variants) {
    for (const n of steps) {
      BASE = await startWrangler(benchConfig, { meter: true });
      await run(`cost-warm-${uid()}`, 1); // the first workflow pays for loading the code
      await sleep(500);
      await bench('meter/reset', {});
      const databaseBytesBefore = (await bench('meter/read', {})).storedBytes;
      const cpuBefore = workerdCpuMs();
      const bytesBefore = folderBytes(persistDir);
      const prefix = `cost-${variant.replace(/\W/g, '-')}-${n}-${uid()}`; // Workflows instance ids take no dots
      await pool(workflows, clients, (i) => run(`${prefix}-${i}`, n));
      await sleep(1_000); // Visibility deliveries and alarms that follow the last completions
      const cpuAfter = workerdCpuMs();
      const cpuMs = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
      const meterReading = await bench('meter/read', {});
      const storedBytes = folderBytes(persistDir) - bytesBefore;
      const engine = variant.startsWith('duro') ? 'duro' : 'cf';
      const statements = engine === 'duro' ? await bench('meter/statements', { top: 12 }) : [];
      const per = (x) => round(x / workflows, 2);
      const counts = {
        // The harness's own requests (cf/create, cf/wait) are not counted: a Worker calling create() is one request.
        workerInvocations: engine === 'duro' ? per(meterReading.workerInvocations) : per(workflows + meterReading.workflowInvocations),
        objectRequests: engine === 'duro' ? per(meterReading.objectRequests) : undefined,
        objectActiveMs: engine === 'duro' ? per(meterReading.objectActiveMs) : undefined,
        rowsRead: engine === 'duro' ? per(meterReading.rowsRead) : undefined,
        rowsWritten: engine === 'duro' ? per(meterReading.rowsWritten + meterReading.alarmsSet) : undefined,
        cpuMs: cpuMs === undefined ? undefined : per(cpuMs),
        // The storage folder's growth, SQLite files and their write-ahead logs: the same measure for both engines.
        storedBytes: per(storedBytes),
        // What Cloudflare bills of Duro's objects: their databases' size (`sql.databaseSize`).
        databaseBytes: engine === 'duro' ? per(meterReading.storedBytes - databaseBytesBefore) : undefined,
      };
      const dollars = dollarsPerMillion(engine, counts);
      const temporal = temporalActions && round(temporalActions(n) * PRICES.temporalCloud.actionPerMillion, 2);
      record({ bench: 'cost', variant, n, workflows, ...counts, dollarsPerMillion: dollars, ...(temporal !== undefined && { temporalCloudDollarsPerMillion: temporal }), ...(statements.length > 0 && { statements: statements.map((s) => ({ ...s, rowsWrittenPerWorkflow: round(s.rowsWritten / workflows, 2) })) }) });
      log(`  cost ${variant.padEnd(12)} n=${String(n).padStart(4)}  per workflow: ${Object.entries(counts).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ')}  → $${dollars.total} per million${temporal === undefined ? '' : ` (Temporal Cloud: $${temporal})`}`);
    }
  }
}

/**
 * What payloads cost per step (docs/payloads.md): n local steps each handing an order of 1 KiB or 100 KiB in and out,
 * through executions writing with the json converter and with the rich one (plain values, then values with a Date,
 * a Set and a bigint in every item), and with the rich one and every row sealed with AES-GCM ('sealed').
 */
async function payloadCosts() {
  const n = size.payloadSteps;
  for (const bytes of [1_024, 102_400]) {
    for (const [payloads, rich] of [['json', false], ['rich', false], ['rich', true], ['sealed', true]]) {
      const variant = `${payloads} ${bytes >= 102_400 ? '100KiB' : '1KiB'} ${rich ? 'rich' : 'plain'}`;
      const once = (steps) => bench('duro/run', { workflowType: 'benchPayloadSteps', input: { n: steps, bytes, rich }, payloads });
      await once(1);
      const samples = [];
      for (let r = 0; r < repeatsFor(n); r++) samples.push((await once(n)).ms);
      const ms = median(samples);
      record({ bench: 'payloads', variant, n, bytes, ms, msPerStep: round(ms / n, 4), samples });
      log(`  payloads ${variant.padEnd(20)} n=${n}  ${fmt(ms)} ms  ${fmt(ms / n, 4)} ms/step`);
    }
  }
}

/** The start-throughput variants, in the order of a round (each round starts one further along). */
const THROUGHPUT_VARIANTS = ['duro', 'duro-execute', 'cf', 'floor', 'duro-rpc', 'duro-rpc-quiet'];

/**
 * Start throughput, in rounds of every variant: this machine's speed drifts by more than the differences measured,
 * so each ratio is taken within a round and the median of the rounds is reported (and each variant's median rate).
 * floor: a bare SQLite-backed object created per start (a table, a row, durable), with nothing to complete.
 * duro-execute: each client starts and waits in one request, so a start is counted once it has completed.
 * duro-rpc, duro-rpc-quiet: the same through the execution object's RPC method, without the REST API; and with no
 * Visibility binding too. Side by side they price each phase of a start (startPhases).
 */
async function throughput() {
  const { rounds } = size.throughput;
  const byRound = [];
  for (let r = 0; r < rounds; r++) {
    const rates = {};
    for (let i = 0; i < THROUGHPUT_VARIANTS.length; i++) {
      const variant = THROUGHPUT_VARIANTS[(r + i) % THROUGHPUT_VARIANTS.length];
      // Each variant on a fresh dev server: the start phases are differences between variants, and objects an
      // earlier variant left in the one isolate would slow the later ones.
      if (r > 0 || i > 0) BASE = await startWrangler(benchConfig);
      rates[variant] = await throughputOf(variant, r + 1);
    }
    byRound.push(rates);
  }
  const { workflows, clients } = size.throughput;
  for (const variant of THROUGHPUT_VARIANTS) {
    record({
      bench: 'throughput', variant, workflows, clients, rounds,
      startsPerSec: round(median(byRound.map((rates) => rates[variant].startsPerSec)), 1),
      completionsPerSec: round(median(byRound.map((rates) => rates[variant].completionsPerSec)), 1),
    });
  }
  const ratio = (a, b) => round(median(byRound.map((rates) => rates[a].startsPerSec / rates[b].startsPerSec)), 3);
  const ratios = record({
    bench: 'throughput-ratios', rounds,
    duroPerCf: ratio('duro', 'cf'), executePerCf: ratio('duro-execute', 'cf'), executePerFloor: ratio('duro-execute', 'floor'), floorPerCf: ratio('floor', 'cf'),
  });
  log(`  throughput, medians of ${rounds} rounds: start-and-wait / floor ${ratios.executePerFloor}, start-and-wait / CF ${ratios.executePerCf}, floor / CF ${ratios.floorPerCf}`);
  startPhases();
}

/** One variant's starts and completions per second, on the dev server serving now. */
async function throughputOf(variant, roundNumber) {
  const { workflows, clients } = size.throughput;
  {
    const prefix = `tp-${variant}-${uid()}`;
    const startedAt = performance.now();
    let startsDoneAt = 0;
    const started = [];
    const sleepers = [];
    const notify = () => {
      for (const wake of sleepers.splice(0)) wake();
    };
    const waiters = [];
    const starting = pool(workflows, clients, async (i) => {
      const id = `${prefix}-${i}`;
      if (variant === 'duro') await startDuro('benchLocalSteps', id, { n: 1 });
      else if (variant === 'duro-execute') await executeDuro('benchLocalSteps', id, { n: 1 });
      else if (variant === 'cf') await bench('cf/create', { id, n: 1 });
      else if (variant === 'duro-rpc') await bench('duro/rpc-execute', { id });
      else if (variant === 'duro-rpc-quiet') await bench('duro/rpc-execute', { id, visibility: false });
      else await bench('floor/start', { id });
      started.push(id);
      notify();
    }).then(() => {
      startsDoneAt = performance.now();
      notify();
    });
    // Completions are awaited by as many clients again, as the ids come in.
    let taken = 0;
    let lastCompletionAt = 0;
    for (let c = 0; c < clients; c++) {
      waiters.push((async () => {
        for (;;) {
          if (taken < started.length) {
            const id = started[taken++];
            if (variant === 'duro') await resultOf(id);
            else if (variant === 'cf') {
              // 50 ms between polls: 16 waiters polling every 10 ms would slow the creates they are measuring.
              const status = await bench('cf/wait', { id, intervalMs: 50 });
              if (status.status !== 'complete') throw new Error(`${id} ended ${status.status}`);
            }
            lastCompletionAt = Math.max(lastCompletionAt, performance.now());
          } else if (startsDoneAt && taken >= started.length) return;
          else await new Promise((resolve) => sleepers.push(resolve));
        }
      })());
    }
    await starting;
    await Promise.all(waiters);
    const startSeconds = (startsDoneAt - startedAt) / 1_000;
    const completeSeconds = (lastCompletionAt - startedAt) / 1_000;
    const run = record({
      bench: 'throughput-round', round: roundNumber, variant, workflows, clients,
      startsPerSec: round(workflows / startSeconds, 1), completionsPerSec: round(workflows / completeSeconds, 1),
    });
    log(`  throughput ${variant.padEnd(14)} round ${roundNumber}: ${workflows} workflows, ${clients} clients: ${run.startsPerSec} starts/s, ${run.completionsPerSec} completions/s`);
    return run;
  }
}

/**
 * What each phase of a one-step start-and-wait costs, from the variants of one run: locally every object and the
 * Worker share one thread, so 1 / throughput is the thread's time per workflow, and the differences between variants
 * that add one phase each are that phase's time.
 */
function startPhases() {
  const msPer = (variant) => {
    const run = runs.find((r) => r.bench === 'throughput' && r.variant === variant);
    return run && 1_000 / run.startsPerSec;
  };
  const [floor, quiet, rpc, rest] = ['floor', 'duro-rpc-quiet', 'duro-rpc', 'duro-execute'].map(msPer);
  if ([floor, quiet, rpc, rest].some((ms) => ms === undefined)) return;
  const phases = {
    objectAndWrite: floor, // a new object, a table, a row made durable: what any start pays
    engine: quiet - floor, // schema, the start and close commits, the activation, the alarm, the reply
    visibility: rpc - quiet, // the outbox row and its delivery to the shard
    restApi: rest - rpc, // routing, validation, JSON in and out
  };
  const rounded = Object.fromEntries(Object.entries(phases).map(([name, ms]) => [name, round(ms, 2)]));
  record({ bench: 'start-phases', totalMs: round(rest, 2), ...rounded });
  log(`  start phases (ms of the one thread per workflow, from the variants above): ${Object.entries(rounded).map(([name, ms]) => `${name} ${ms}`).join(', ')}; total ${round(rest, 2)}`);
}

async function signalRoundTrip() {
  const workflowId = `sig-${uid()}`;
  await startDuro('benchSignals', workflowId, {});
  const samples = [];
  for (let i = 1; i <= size.signals + 5; i++) {
    const startedAt = performance.now();
    await call('POST', `/v1/workflows/${workflowId}/signals/add`, { args: [1] });
    for (;;) {
      const { result } = await call('POST', `/v1/workflows/${workflowId}/queries/total`, { args: [] });
      if (result >= i) break;
    }
    if (i > 5) samples.push(performance.now() - startedAt); // the first five warm up
  }
  await call('POST', `/v1/workflows/${workflowId}/signals/finish`, { args: [] });
  await resultOf(workflowId);
  const run = record({ bench: 'signal', samples: samples.length, p50Ms: round(percentile(samples, 50)), p99Ms: round(percentile(samples, 99)), maxMs: round(Math.max(...samples)) });
  log(`  signal round trip: ${run.samples} samples, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms`);
}

async function timerAccuracy() {
  const { workflows, ms } = size.timers;
  const prefix = `timer-${uid()}`;
  await pool(workflows, 16, (i) => startDuro('benchTimer', `${prefix}-${i}`, { ms }));
  const lateness = [];
  await pool(workflows, 16, async (i) => {
    const result = await resultOf(`${prefix}-${i}`);
    lateness.push(result.wokeAt - (result.startedAt + result.ms));
  });
  const run = record({ bench: 'timer', workflows, sleepMs: ms, p50LateMs: percentile(lateness, 50), p99LateMs: percentile(lateness, 99), maxLateMs: Math.max(...lateness) });
  log(`  timers: ${workflows} × ${ms} ms sleep, lateness p50 ${run.p50LateMs} ms, p99 ${run.p99LateMs} ms`);
}

async function replay() {
  const n = size.replaySteps;
  const workflowId = `replay-${uid()}`;
  const liveStartedAt = performance.now();
  await startDuro('benchReplay', workflowId, { n });
  for (;;) {
    const { result } = await call('POST', `/v1/workflows/${workflowId}/queries/total`, { args: [] });
    if (result === n) break;
    await sleep(5);
  }
  const liveMs = performance.now() - liveStartedAt;
  const measured = await bench('replay', { workflowId });
  await call('POST', `/v1/workflows/${workflowId}/signals/finish`, { args: [] });
  await resultOf(workflowId);
  const run = record({ bench: 'replay', steps: n, events: measured.rows, bytes: measured.bytes, liveMs: round(liveMs, 1), rawReadMs: measured.rawReadMs, replayMs: measured.replayMs, liveQueryMs: measured.liveQueryMs, queryAfterReplayMs: measured.queryAfterReplayMs });
  log(`  replay: ${run.events} events (${run.bytes} bytes), raw read ${run.rawReadMs} ms, replay ${run.replayMs} ms, live run ${run.liveMs} ms`);
}

/**
 * Fan-out/fan-in (examples/fan-out.ts): a parent starts `children` children of `tasksPerChild` activities each. Each
 * size gets a fresh dev server, so workerd's peak memory (VmHWM) is that run's alone, objects of a smaller run left
 * in memory included in none.
 */
async function fanOut() {
  for (const [index, [children, tasksPerChild]] of size.fanOut.entries()) {
    if (index > 0) BASE = await startWrangler(benchConfig);
    const workflowId = `fan-${children}x${tasksPerChild}-${uid()}`;
    const load = os.loadavg()[0];
    const startedAt = performance.now();
    await startDuro('fanOut', workflowId, { children, tasksPerChild });
    // A long-poll through wrangler's dev-server proxy can stay unanswered after the run closed, past its own 60 s,
    // until another request comes through the proxy (docs/performance.md, a million tasks); during a fan-out none
    // does (activities go through the service binding), so one comes every 10 s.
    const nudge = setInterval(() => void call('GET', '/healthz').catch(() => undefined), 10_000);
    const result = await resultOf(workflowId).finally(() => clearInterval(nudge));
    const ms = performance.now() - startedAt;
    // The run's own time, from its start and close events (the engine's clock), beside the time to the answer.
    const { startTime, closeTime } = await call('GET', `/v1/workflows/${encodeURIComponent(workflowId)}`);
    const tasks = children * tasksPerChild;
    if (result.succeeded !== tasks) throw new Error(`fan-out ${children}×${tasksPerChild} reported ${JSON.stringify(result)}`);
    const peakMiB = workerdPeakMiB();
    const runMs = closeTime - startTime;
    const run = record({ bench: 'fanout', children, tasksPerChild, tasks, ms: round(ms, 1), tasksPerSec: round(tasks / (ms / 1_000), 1), runMs, peakMiB, loadAverage: [round(load, 2), round(os.loadavg()[0], 2)] });
    log(`  fan-out ${children}×${tasksPerChild}: ${tasks} tasks in ${fmt(ms)} ms (${fmt(runMs, 0)} ms from the run's start to its close), ${run.tasksPerSec} tasks/s, workerd peak ${peakMiB ?? '-'} MiB (load average ${run.loadAverage.join(' → ')})`);
  }
}

/**
 * Cold start and bundle size (docs/performance.md): what a Worker uploads and what it is made of, for the bench
 * Worker and for one like `duro init` scaffolds; how long a fresh isolate takes to load each bundle's main module;
 * and, on fresh dev servers, the time to ready, the first request (GET /healthz), the first workflow's result and a
 * second, warm one, with a Worker that only says "ok" as the floor of what the dev server itself takes.
 */
async function coldStart() {
  const repeats = sizeName === 'tiny' ? 1 : sizeName === 'quick' ? 3 : 5;
  const initFolder = join(workDir, 'init');
  mkdirSync(initFolder, { recursive: true });
  const init = scaffoldInitWorker({ root: ROOT, folder: initFolder });
  const initBundle = join(workDir, 'init-bundle');
  const workers = [
    { worker: 'bench', outdir: bundleDir, metafile: `${bundleDir}.meta.json`, source: CONFIG, config: benchConfig },
    { worker: 'init', outdir: initBundle, metafile: bundle({ root: ROOT, wrangler: WRANGLER, config: init.config, outdir: initBundle, cwd: initFolder }), source: init.config, config: serveConfig(init.config, 'init-bundle', 'init-wrangler.toml') },
  ];
  for (const { worker, outdir, metafile, source } of workers) {
    const size = bundleSize(outdir);
    const largest = bundleBreakdown(metafile, { root: ROOT, base: dirname(source), top: 8 });
    record({ bench: 'cold', kind: 'bundle', worker, ...size, largest });
    log(`  bundle ${worker.padEnd(5)} ${kib(size.bytes)} KiB, gzip ${kib(size.gzipBytes)} KiB; largest: ${largest.map((part) => `${part.name} ${kib(part.bytes)}`).join(', ')}`);
  }
  for (const { worker, outdir, source } of workers) {
    const text = readFileSync(source, 'utf8');
    const compatibilityDate = /^compatibility_date = "([^"]+)"/m.exec(text)[1];
    const compatibilityFlags = JSON.parse(/^compatibility_flags = (\[.*\])/m.exec(text)?.[1] ?? '[]');
    const samples = await scriptStartup({ outdir, compatibilityDate, compatibilityFlags, repeats });
    const run = record({ bench: 'cold', kind: 'script', worker, repeats, loadMs: round(median(samples.loadMs), 1), runtimeReadyMs: round(median(samples.readyMs), 1), samples: { loadMs: samples.loadMs.map((ms) => round(ms, 1)) } });
    log(`  script ${worker.padEnd(5)} a fresh isolate loads the main module in ${run.loadMs} ms (median of ${repeats}; a fresh workerd is ready in ${run.runtimeReadyMs} ms)`);
  }
  const floorFolder = join(workDir, 'floor-bundle');
  mkdirSync(floorFolder, { recursive: true });
  writeFileSync(join(floorFolder, 'index.js'), "export default { fetch: () => new Response('ok') };\n");
  writeFileSync(join(workDir, 'floor-wrangler.toml'), `name = "duro-cold-floor"\nmain = "floor-bundle/index.js"\ncompatibility_date = "2026-04-20"\ncompatibility_flags = ["nodejs_compat", "enable_request_signal"]\n`);
  const servers = [
    ...workers.map(({ worker, config }) => ({ worker, config })),
    { worker: 'floor', config: join(workDir, 'floor-wrangler.toml') },
  ];
  const firstWorkflow = {
    bench: () => executeDuro('benchLocalSteps', `cold-${uid()}`, { n: 1 }),
    // The scaffold's own workflow: approved at once, it reserves and charges through two activities.
    init: async () => {
      const workflowId = `cold-${uid()}`;
      await startDuro('order', workflowId, { orderId: workflowId, amount: 10 });
      await call('POST', `/v1/workflows/${workflowId}/signals/approve`, { args: ['bench'] });
      const result = await resultOf(workflowId);
      if (result.status !== 'completed') throw new Error(`the scaffold's order ended ${JSON.stringify(result)}`);
    },
  };
  for (const { worker, config } of servers) {
    const samples = { readyMs: [], firstRequestMs: [], firstWorkflowMs: [], warmWorkflowMs: [], toFirstResultMs: [] };
    for (let r = 0; r < repeats; r++) {
      await stopServer(); // the last repeat's: its shutdown is not this one's start
      const spawnedAt = performance.now();
      BASE = await startWrangler(config, { untouched: true });
      const readyAt = performance.now();
      samples.readyMs.push(readyAt - spawnedAt);
      const response = await fetch(`${BASE}/healthz`);
      await response.text();
      const firstAnswerAt = performance.now();
      samples.firstRequestMs.push(firstAnswerAt - readyAt);
      if (!response.ok) throw new Error(`GET /healthz of the ${worker} Worker answered ${response.status}`);
      if (firstWorkflow[worker]) {
        await firstWorkflow[worker]();
        const firstResultAt = performance.now();
        samples.firstWorkflowMs.push(firstResultAt - firstAnswerAt);
        samples.toFirstResultMs.push(firstResultAt - readyAt);
        await firstWorkflow[worker]();
        samples.warmWorkflowMs.push(performance.now() - firstResultAt);
      }
    }
    await stopServer();
    const medians = Object.fromEntries(Object.entries(samples).filter(([, xs]) => xs.length > 0).map(([name, xs]) => [name, round(median(xs), 1)]));
    record({ bench: 'cold', kind: 'dev-server', worker, repeats, ...medians, samples: Object.fromEntries(Object.entries(samples).filter(([, xs]) => xs.length > 0).map(([name, xs]) => [name, xs.map((ms) => round(ms, 1))])) });
    log(`  dev server ${worker.padEnd(5)} ready ${medians.readyMs} ms, first request ${medians.firstRequestMs} ms${medians.firstWorkflowMs === undefined ? '' : `, then the first workflow ${medians.firstWorkflowMs} ms (a warm one ${medians.warmWorkflowMs} ms); ready to first result ${medians.toFirstResultMs} ms`} (medians of ${repeats})`);
  }
}

const kib = (bytes) => (bytes / 1024).toFixed(1);

// ---- targets (issue 7) ----

function seq(variant, n) {
  return runs.find((run) => run.bench === 'sequential' && run.variant === variant && run.n === n);
}

function targets() {
  const list = [];
  /** `value` is a ratio or a rate; `atLeast` says which way the target points. */
  const add = (name, value, target, atLeast) => {
    if (value === undefined || !Number.isFinite(value)) return;
    list.push({ name, value: round(value, 3), target: `${atLeast ? '>=' : '<='} ${target}`, pass: atLeast ? value >= target : value <= target });
  };
  const speedup = (n) => seq('cf-step.do', n) && seq('duro-local', n) && seq('cf-step.do', n).msPerStep / seq('duro-local', n).msPerStep;
  add('local steps: CF step.do / Duro per step at n=100', speedup(100), 10, true);
  add('local steps: CF step.do / Duro per step at n=1000', speedup(1_000), 20, true);
  for (const n of [1_000, 10_000]) {
    const duro = seq('duro-local', n);
    const floor = seq('floor-coalesced', n);
    if (duro && floor) add(`local steps: Duro / coalesced floor at n=${n}`, duro.ms / Math.max(floor.ms, 1), 3, false);
  }
  for (const n of [100, 1_000, 10_000]) {
    const duro = seq('duro-remote', n);
    const floor = seq('floor-fetch', n);
    if (duro && floor) add(`fetch steps: Duro / fetch floor at n=${n}`, duro.ms / floor.ms, 1.25, false);
    const durable = seq('floor-fetch-durable', n);
    if (duro && durable) add(`fetch steps: Duro / durable fetch floor at n=${n}`, duro.ms / durable.ms, 1.3, false);
    // The same floor over the transport 'self' attempts use when the entrypoint is exported (decision 027).
    const rpcDurable = seq('floor-rpc-durable', n);
    if (duro && rpcDurable) add(`remote steps: Duro / durable RPC floor at n=${n}`, duro.ms / rpcDurable.ms, 1.3, false);
    const cf = seq('cf-step.do', n);
    if (duro && cf) add(`fetch steps: Duro / CF step.do per step at n=${n}`, duro.msPerStep / cf.msPerStep, 1, false);
  }
  for (const variant of ['duro-local', 'duro-remote']) {
    const small = seq(variant, 100);
    const large = seq(variant, 10_000);
    if (small && large) add(`flat cost (${variant}): ms/step n=10000 / n=100`, large.msPerStep / small.msPerStep, 1.5, false);
  }
  const replayRun = runs.find((run) => run.bench === 'replay');
  if (replayRun) add(`replay of ${replayRun.events} events / raw read of the rows`, replayRun.replayMs / Math.max(replayRun.rawReadMs, 1), 10, false);
  // Ratios within a round, the median of the rounds (throughput()).
  const tpRatios = runs.find((run) => run.bench === 'throughput-ratios');
  if (tpRatios) {
    add('start throughput: Duro / CF create', tpRatios.duroPerCf, 2, true);
    add('start throughput: Duro start-and-wait / CF create', tpRatios.executePerCf, 2, true);
    add('start throughput: Duro start-and-wait / bare-object floor', tpRatios.executePerFloor, 0.6, true);
  }
  const fan = runs.find((run) => run.bench === 'fanout' && run.children === 100 && run.tasksPerChild === 100);
  if (fan) add('fan-out 100×100 tasks/s', fan.tasksPerSec, 2_500, true);
  return list;
}

// ---- output ----

function log(line) {
  process.stdout.write(`${line}\n`);
}
function fmt(x, digits = 1) {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function printTables(targetList) {
  const ns = [...new Set(runs.filter((run) => run.bench === 'sequential').map((run) => run.n))].sort((a, b) => a - b);
  if (ns.length > 0) {
    log('\nSequential steps: ms total (ms/step); ratios per step');
    const columns = ['duro-local', 'duro-remote', 'duro-remote-in-process', 'duro-remote-fetch', 'cf-step.do', 'floor-macrotask', 'floor-coalesced', 'floor-fetch', 'floor-fetch-durable', 'floor-rpc-durable'];
    const rows = [['n', ...columns, 'CF/local', 'local/coal.', 'local/macro', 'remote/fetch', 'remote/durable', 'remote/rpc-durable', 'in-process/durable', 'fetch/durable', 'remote/CF']];
    for (const n of ns) {
      const cell = (variant) => {
        const run = seq(variant, n);
        return run ? `${fmt(run.ms, 0)} (${fmt(run.msPerStep, 4)})` : '-';
      };
      const ratio = (a, b, perStep = true) => {
        const x = seq(a, n);
        const y = seq(b, n);
        if (!x || !y) return '-';
        return `${fmt(perStep ? x.msPerStep / y.msPerStep : x.ms / Math.max(y.ms, 1), 2)}×`;
      };
      rows.push([String(n), ...columns.map(cell), ratio('cf-step.do', 'duro-local'), ratio('duro-local', 'floor-coalesced', false), ratio('duro-local', 'floor-macrotask'), ratio('duro-remote', 'floor-fetch'), ratio('duro-remote', 'floor-fetch-durable'), ratio('duro-remote', 'floor-rpc-durable'), ratio('duro-remote-in-process', 'floor-fetch-durable'), ratio('duro-remote-fetch', 'floor-fetch-durable'), ratio('duro-remote', 'cf-step.do')]);
    }
    printGrid(rows);
  }
  const payloadRuns = runs.filter((run) => run.bench === 'payloads');
  if (payloadRuns.length > 0) {
    log('\nPayloads: ms/step of local steps handing an order in and out; ratio to the json converter with plain values');
    const rows = [['payload', 'json plain', 'rich plain', 'rich rich', 'rich rich sealed', 'rich plain / json', 'rich rich / json', 'sealed / rich rich']];
    for (const label of ['1KiB', '100KiB']) {
      const at = (variant) => payloadRuns.find((run) => run.variant === variant);
      const base = at(`json ${label} plain`);
      if (!base) continue;
      const cell = (variant) => (at(variant) ? fmt(at(variant).msPerStep, 4) : '-');
      const ratio = (variant) => (at(variant) ? `${fmt(at(variant).msPerStep / base.msPerStep, 2)}×` : '-');
      const sealedRatio = at(`sealed ${label} rich`) && at(`rich ${label} rich`) ? `${fmt(at(`sealed ${label} rich`).msPerStep / at(`rich ${label} rich`).msPerStep, 2)}×` : '-';
      rows.push([label, cell(`json ${label} plain`), cell(`rich ${label} plain`), cell(`rich ${label} rich`), cell(`sealed ${label} rich`), ratio(`rich ${label} plain`), ratio(`rich ${label} rich`), sealedRatio]);
    }
    printGrid(rows);
  }
  const costRuns = runs.filter((run) => run.bench === 'cost');
  if (costRuns.length > 0) {
    log('\nCost per workflow, counted here and priced with the published prices (bench/prices.mjs, docs/cost.md)');
    const show = (x) => (x === undefined ? '-' : String(x));
    const rows = [['variant', 'n', 'Worker inv.', 'DO requests', 'DO busy ms', 'rows read', 'rows written', 'CPU ms', 'stored B', 'DB B', '$ / million', 'Temporal Cloud $ / million']];
    for (const run of costRuns) {
      rows.push([run.variant, String(run.n), show(run.workerInvocations), show(run.objectRequests), show(run.objectActiveMs), show(run.rowsRead), show(run.rowsWritten), show(run.cpuMs), show(run.storedBytes), show(run.databaseBytes), show(run.dollarsPerMillion.total), show(run.temporalCloudDollarsPerMillion)]);
    }
    printGrid(rows);
  }
  const coldRuns = runs.filter((run) => run.bench === 'cold');
  if (coldRuns.length > 0) printCold(coldRuns);
  const others = runs.filter((run) => !['sequential', 'payloads', 'cost', 'cold', 'throughput-round'].includes(run.bench));
  if (others.length > 0) {
    log('\nOther measurements');
    for (const run of others) {
      const { bench: name, ...rest } = run;
      log(`  ${name.padEnd(10)} ${Object.entries(rest).map(([k, v]) => `${k}=${v}`).join('  ')}`);
    }
  }
  const tpRatios = runs.find((run) => run.bench === 'throughput-ratios');
  if (tpRatios) {
    // The floor bounds what any start can reach here: 2× CF is only possible if the floor itself is above it.
    log(`  starts/s as ratios (medians of ${tpRatios.rounds} rounds): Duro / CF ${tpRatios.duroPerCf}, bare-object floor / CF ${tpRatios.floorPerCf}`);
    log(`  start-and-wait (one request per workflow): Duro / CF ${tpRatios.executePerCf}, Duro / floor ${tpRatios.executePerFloor}`);
  }
  log('\nTargets');
  printGrid([['target', 'value', 'wanted', ''], ...targetList.map((t) => [t.name, String(t.value), t.target, t.pass ? 'PASS' : 'MISS'])]);
}

function printCold(coldRuns) {
  log('\nCold start and bundle size (docs/performance.md): KiB uploaded, ms as medians');
  const at = (kind, worker) => coldRuns.find((run) => run.kind === kind && run.worker === worker);
  const show = (x) => (x === undefined ? '-' : String(x));
  const rows = [['Worker', 'KiB', 'gzip KiB', 'module load', 'dev ready', 'first request', 'first workflow', 'warm workflow', 'ready to result']];
  for (const worker of ['bench', 'init', 'floor']) {
    const size = at('bundle', worker);
    const script = at('script', worker);
    const server = at('dev-server', worker);
    if (!size && !script && !server) continue;
    rows.push([worker, size ? kib(size.bytes) : '-', size ? kib(size.gzipBytes) : '-', show(script?.loadMs), show(server?.readyMs), show(server?.firstRequestMs), show(server?.firstWorkflowMs), show(server?.warmWorkflowMs), show(server?.toFirstResultMs)]);
  }
  printGrid(rows);
  const floor = at('dev-server', 'floor');
  for (const worker of ['bench', 'init']) {
    const server = at('dev-server', worker);
    if (floor && server) log(`  ${worker}: dev server ready / the "ok" Worker's ${fmt(server.readyMs / floor.readyMs, 2)}×, first request ${fmt(server.firstRequestMs / Math.max(floor.firstRequestMs, 0.1), 1)}×`);
  }
}

function printGrid(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const row of rows) log(`  ${row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ')}`);
}

// ---- main ----

async function main() {
  const wranglerVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/wrangler/package.json'), 'utf8')).version;
  log(`Duro benchmarks (${sizeName}${flags['no-visibility'] ? ', no Visibility' : ''}${flags.codecs ? ', rows sealed with AES-GCM' : ''}): local workerd under wrangler ${wranglerVersion}, ${os.cpus()[0]?.model ?? 'unknown cpu'} × ${os.cpus().length}`);
  const loadBefore = os.loadavg().map((x) => round(x, 2));
  const config = bundleWorker();
  benchConfig = config;
  const began = performance.now();
  const measurements = [['seq', sequential], ['throughput', throughput], ['signal', signalRoundTrip], ['timer', timerAccuracy], ['replay', replay], ['fanout', fanOut], ['payloads', payloadCosts], ['cost', costPerWorkflow], ['cold', coldStart]];
  for (const [name, measure] of measurements) {
    if (!wanted(name)) continue;
    if (name === 'cold') {
      log('cold: fresh dev servers and isolates of its own');
      await stopServer();
      await measure();
      continue;
    }
    BASE = await startWrangler(config, { meter: name === 'cost' });
    log(`${name}: a fresh dev server at ${BASE} (wrangler's unstable_startWorker, inspector off, empty storage)`);
    await measure();
  }
  await stopServer();
  const targetList = targets();
  printTables(targetList);
  const result = {
    date: new Date().toISOString(),
    size: sizeName,
    visibility: !flags['no-visibility'],
    codecs: flags.codecs,
    durationSeconds: round((performance.now() - began) / 1_000, 1),
    machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, os: `${os.type()} ${os.release()}`, node: process.version, wrangler: wranglerVersion, runtime: 'local workerd (wrangler unstable_startWorker, inspector off)', loadAverage: { before: loadBefore, after: os.loadavg().map((x) => round(x, 2)) } },
    runs,
    targets: targetList,
  };
  mkdirSync(dirname(flags.out), { recursive: true });
  writeFileSync(flags.out, `${JSON.stringify(result, null, 2)}\n`);
  log(`\nwrote ${flags.out} (${result.durationSeconds} s of measurements; load average ${loadBefore[0]} before, ${result.machine.loadAverage.after[0]} after: other work on this machine skews the figures)`);
}

main()
  .then(() => {
    stopWrangler();
    process.exit(0);
  })
  .catch((error) => {
    console.error(error instanceof Error ? error.stack : error);
    if (wranglerLog.length > 0) console.error(`\nthe dev server printed last:\n${wranglerLog.join('').slice(-4_000)}`);
    stopWrangler();
    process.exit(1);
  });
