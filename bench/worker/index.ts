// The benchmark Worker (bench/wrangler.toml): Duro embedded as a user would embed it, the Cloudflare Workflows
// baseline and the bare Durable Object floors, side by side in one workerd. Routes under /bench/* run one
// measurement each and answer JSON timings taken next to the work; everything else is Duro's REST API.
import { aesGcmCodec, createDuro } from 'duro/worker';
import { fanOut, fanOutActivities, fanOutChild } from '../../examples/fan-out';
import { CfStepsWorkflow } from './cf-steps';
import { withBenchMethods } from './execution';
import { BenchEcho, BenchFloor, type FloorMode } from './floor';
import { meter, metered } from './meter';
import { benchActivities, benchLocalSteps, benchPayloadSteps, benchRemoteSteps, benchReplay, benchSignals, benchTimer } from './workflows';

interface BenchEnv {
  WORKFLOW_EXECUTION: DurableObjectNamespace;
  WORKFLOW_EXECUTION_RICH: DurableObjectNamespace;
  WORKFLOW_EXECUTION_SEALED: DurableObjectNamespace;
  WORKFLOW_EXECUTION_QUIET: DurableObjectNamespace;
  WORKFLOW_EXECUTION_IN_PROCESS: DurableObjectNamespace;
  WORKFLOW_EXECUTION_FETCH: DurableObjectNamespace;
  BENCH_FLOOR: DurableObjectNamespace<BenchFloor>;
  CF_STEPS: Workflow<{ n: number }>;
  DURO_SELF: Fetcher;
}

const workflows = { benchLocalSteps, benchRemoteSteps, benchSignals, benchTimer, benchReplay, benchPayloadSteps, fanOut, fanOutChild };
const activities = { ...benchActivities, ...fanOutActivities };
const duro = createDuro({
  workflows,
  activities,
  taskQueues: { default: 'self' },
  // `npm run bench -- --codecs`: every stored row sealed, to measure what encryption at rest costs per step.
  payloads: { codecs: (env) => (typeof env.BENCH_CODEC_KEY === 'string' ? [aesGcmCodec({ current: 'bench', keys: { bench: env.BENCH_CODEC_KEY } })] : []) },
});
/** The same, writing payloads with the rich converter; and with its rows sealed too (the payloads measurement). */
const duroRich = createDuro({ workflows, activities, taskQueues: { default: 'self' }, payloads: { converter: 'rich' }, bindings: { execution: 'WORKFLOW_EXECUTION_RICH' } });
const duroSealed = createDuro({
  workflows,
  activities,
  taskQueues: { default: 'self' },
  payloads: { converter: 'rich', codecs: (env) => [aesGcmCodec({ current: 'bench', keys: { bench: String(env.BENCH_SEALED_KEY) } })] },
  bindings: { execution: 'WORKFLOW_EXECUTION_SEALED' },
});
/** The same engine reporting nothing to Visibility (its binding names none): the start phases measurement. */
const duroQuiet = createDuro({ workflows, activities, taskQueues: { default: 'self' }, bindings: { execution: 'WORKFLOW_EXECUTION_QUIET', visibility: 'BENCH_NO_VISIBILITY_BINDING' } });
/**
 * The same engine running 'self' activities in its own isolate, without the DURO_SELF binding (what a Worker without
 * that binding does): beside `duro`, what a service-binding invocation per attempt costs a remote step.
 */
const duroInProcess = createDuro({
  workflows,
  activities,
  taskQueues: { default: 'self' },
  bindings: { execution: 'WORKFLOW_EXECUTION_IN_PROCESS', self: 'BENCH_NO_SELF_BINDING', activities: 'BENCH_NO_ENTRYPOINT' },
});
/** The same engine sending 'self' attempts as fetches through DURO_SELF (a Worker that does not export the entrypoint). */
const duroFetch = createDuro({ workflows, activities, taskQueues: { default: 'self' }, bindings: { execution: 'WORKFLOW_EXECUTION_FETCH', activities: 'BENCH_NO_ENTRYPOINT' } });
const duros = { json: duro, rich: duroRich, sealed: duroSealed };

// Metered (bench/worker/meter.ts): requests, busy time, SQLite rows and size, for the cost measurement.
export const WorkflowExecution = metered(withBenchMethods(duro.durableObjects.WorkflowExecution));
export const WorkflowExecutionRich = duroRich.durableObjects.WorkflowExecution;
export const WorkflowExecutionSealed = duroSealed.durableObjects.WorkflowExecution;
export const WorkflowExecutionQuiet = duroQuiet.durableObjects.WorkflowExecution;
export const WorkflowExecutionInProcess = duroInProcess.durableObjects.WorkflowExecution;
export const WorkflowExecutionFetch = duroFetch.durableObjects.WorkflowExecution;
export const Visibility = metered(duro.durableObjects.Visibility);
/**
 * 'self' activities as RPC calls to it (decision 027): every Duro here but the in-process and fetch ones reach it. Each
 * call is a Worker invocation, counted as one sent through DURO_SELF is.
 */
export class DuroActivities extends duro.entrypoints.DuroActivities {
  override attempt(...args: Parameters<InstanceType<typeof duro.entrypoints.DuroActivities>['attempt']>) {
    meter.workerInvocation();
    return super.attempt(...args);
  }
}
export { BenchEcho, BenchFloor, CfStepsWorkflow };

/** The bench methods of the execution object, as its RPC stub exposes them (bench/worker/execution.ts). */
interface BenchExecutionRpc {
  benchEvict(): Promise<void>;
  benchPing(): Promise<boolean>;
  benchRawRead(): Promise<{ ms: number; rows: number; bytes: number }>;
  benchTimedQuery(name: string): Promise<{ ms: number; result: unknown }>;
}

const json = (value: unknown, status = 200) => Response.json(value, { status });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export default {
  async fetch(request: Request, env: BenchEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/bench/')) {
      meter.workerInvocation(); // an API request, or a 'self' activity's invocation through DURO_SELF
      return duro.fetch(request, env as unknown as Record<string, unknown>, ctx);
    }
    try {
      const body = request.method === 'POST' ? ((await request.json()) as Record<string, unknown>) : {};
      switch (url.pathname) {
        case '/bench/echo':
          return json({ ok: true, body });
        case '/bench/meter/reset':
          meter.reset();
          return json({ ok: true });
        case '/bench/meter/read':
          return json(meter.read());
        case '/bench/meter/statements':
          return json(meter.statements(Number(body.top ?? 15)));
        case '/bench/clock':
          return json(await floorStub(env).clock());
        case '/bench/floor': {
          // Timed as Duro is: from this Worker, around a new object's first call (creating it included).
          const startedAt = Date.now();
          const inner = await floorStub(env).steps(body.mode as FloorMode, Number(body.n));
          return json({ ms: Date.now() - startedAt, innerMs: inner.ms, steps: inner.steps });
        }
        case '/bench/floor/start':
          return json({ ok: await env.BENCH_FLOOR.get(env.BENCH_FLOOR.idFromName(String(body.id))).start(String(body.id)) });
        case '/bench/duro/sequential':
          return json(await duroSequential(env, ctx, String(body.workflowType), Number(body.n), body.activities === 'in-process' ? duroInProcess : body.activities === 'fetch' ? duroFetch : duro));
        case '/bench/duro/rpc-execute':
          return json(await rpcExecute(body.visibility === false ? env.WORKFLOW_EXECUTION_QUIET : env.WORKFLOW_EXECUTION, String(body.id)));
        case '/bench/duro/run':
          return json(await duroRun(env, ctx, String(body.workflowType), body.input, duros[(body.payloads as keyof typeof duros | undefined) ?? 'json']));
        case '/bench/cf/sequential':
          return json(await cfSequential(env, Number(body.n)));
        case '/bench/cf/create':
          await env.CF_STEPS.create({ id: String(body.id), params: { n: Number(body.n ?? 1) } });
          return json({ ok: true });
        case '/bench/cf/wait':
          return json(await cfWait(env, String(body.id), Number(body.timeoutMs ?? 120_000), Number(body.intervalMs ?? 10)));
        case '/bench/replay':
          return json(await replayAfterEviction(env, String(body.workflowId)));
        default:
          return json({ error: `no route ${url.pathname}` }, 404);
      }
    } catch (error) {
      return json({ error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }, 500);
    }
  },
};

function floorStub(env: BenchEnv) {
  return env.BENCH_FLOOR.get(env.BENCH_FLOOR.idFromName(crypto.randomUUID()));
}

/** Runs a workflow through Duro's REST API (in this isolate, no network hop): started and awaited in one request. */
async function duroRun(env: BenchEnv, ctx: ExecutionContext, workflowType: string, input: unknown, host = duro) {
  const api = (path: string, init?: RequestInit) => host.fetch(new Request(`http://localhost${path}`, init), env as unknown as Record<string, unknown>, ctx);
  const workflowId = `${workflowType}-${crypto.randomUUID()}`;
  const startedAt = Date.now();
  // Start and wait in one request, as the client's execute() does; a run that outlasts the wait is long-polled.
  const started = await api('/v1/workflows?wait=60s', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ workflowType, workflowId, input }) });
  if (started.status !== 201) throw new Error(`start answered ${started.status}: ${await started.text()}`);
  const { outcome: first } = (await started.json()) as { outcome?: { status: string; result?: unknown } };
  if (first?.status === 'completed') return { ms: Date.now() - startedAt, result: first.result, workflowId };
  if (first !== undefined && first.status !== 'running') throw new Error(`${workflowId} ended ${JSON.stringify(first).slice(0, 500)}`);
  for (;;) {
    const reply = await api(`/v1/workflows/${encodeURIComponent(workflowId)}/result?wait=60s`);
    const outcome = (await reply.json()) as { status: string; result?: unknown };
    if (outcome.status === 'running') continue;
    const ms = Date.now() - startedAt;
    if (outcome.status !== 'completed') throw new Error(`${workflowId} ended ${JSON.stringify(outcome).slice(0, 500)}`);
    return { ms, result: outcome.result, workflowId };
  }
}

/**
 * A one-step workflow started and awaited through the execution object's RPC method itself, as the REST route calls it
 * (internal: a user goes through the API, the client or a Workflow binding): what a start costs without the API.
 */
async function rpcExecute(namespace: DurableObjectNamespace, workflowId: string) {
  const stub = namespace.get(namespace.idFromName(workflowId)) as unknown as { start(request: unknown): Promise<{ ok: boolean; value?: { outcome?: { status: string } } }> };
  const reply = await stub.start({ workflowType: 'benchLocalSteps', workflowId, input: { n: 1 }, waitMs: 60_000 });
  if (!reply.ok || reply.value?.outcome?.status !== 'completed') throw new Error(`${workflowId} answered ${JSON.stringify(reply).slice(0, 500)}`);
  return { ok: true };
}

async function duroSequential(env: BenchEnv, ctx: ExecutionContext, workflowType: string, n: number, host = duro) {
  const { ms, result, workflowId } = await duroRun(env, ctx, workflowType, { n }, host);
  if ((result as { steps?: number } | undefined)?.steps !== n) throw new Error(`${workflowId} returned ${JSON.stringify(result)}`);
  return { ms, steps: n, workflowId };
}

/** Creates an instance and polls its status; `ms` runs to the moment its last step ran (a lower bound for CF). */
async function cfSequential(env: BenchEnv, n: number) {
  const id = `cf-${n}-${crypto.randomUUID()}`;
  const startedAt = Date.now();
  await env.CF_STEPS.create({ id, params: { n } });
  const done = await cfWait(env, id, 600_000);
  const output = done.output as { steps: number; lastStepAt: number } | undefined;
  if (done.status !== 'complete' || output?.steps !== n) throw new Error(`${id} ended ${done.status}: ${JSON.stringify(done.error ?? output)}`);
  return { ms: output.lastStepAt - startedAt, observedMs: done.at - startedAt, steps: n };
}

/** Polls `status()`: every call is a request to the instance's engine object, so pollers compete with the work. */
async function cfWait(env: BenchEnv, id: string, timeoutMs: number, intervalMs = 10) {
  const instance = await env.CF_STEPS.get(id);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await instance.status();
    if (status.status === 'complete' || status.status === 'errored' || status.status === 'terminated') return { ...status, at: Date.now() };
    if (Date.now() > deadline) throw new Error(`CF instance ${id} still ${status.status} after ${timeoutMs} ms`);
    await sleep(intervalMs);
  }
}

/**
 * Replay after eviction: the live query, the raw read of the history rows on a fresh object, then the first query on
 * another fresh object (which reads and replays the history). Each eviction is a `ctx.abort()` of the object.
 */
async function replayAfterEviction(env: BenchEnv, workflowId: string) {
  const stubOf = () => env.WORKFLOW_EXECUTION.get(env.WORKFLOW_EXECUTION.idFromName(workflowId)) as unknown as BenchExecutionRpc;
  const evict = async () => {
    await stubOf().benchEvict().catch(() => undefined); // the abort rejects this very call
    await stubOf().benchPing(); // a fresh instance, constructed and loaded, nothing replayed yet
  };
  const live = await stubOf().benchTimedQuery('total');
  await evict();
  const raw = await stubOf().benchRawRead();
  await evict();
  const replayed = await stubOf().benchTimedQuery('total');
  const again = await stubOf().benchTimedQuery('total');
  if (replayed.result !== live.result) throw new Error(`replayed state ${String(replayed.result)} differs from live ${String(live.result)}`);
  return { liveQueryMs: live.ms, rawReadMs: raw.ms, rows: raw.rows, bytes: raw.bytes, replayMs: replayed.ms, queryAfterReplayMs: again.ms, steps: live.result };
}
