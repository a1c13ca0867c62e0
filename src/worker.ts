// createDuro: Duro inside a user's own Worker. Returns the fetch handler (the REST API and the endpoint
// that runs this Worker's activities) and the Durable Object classes built for the user's registry.
import { activityServer, taskRunner, type ServeActivitiesOptions } from '../client/serve-activities';
import { activityEntrypointOf, createActivityEntrypointClass, DEFAULT_ACTIVITY_ENTRYPOINT, type ActivityEntrypointClass } from './activity-entrypoint';
import { createSchedulerClass } from '../durable-objects/scheduler';
import { executionStub, schedulerStub, visibilityStub } from '../durable-objects/stubs';
import { createVisibilityClass } from '../durable-objects/visibility';
import { createWorkflowExecutionClass } from '../durable-objects/workflow-execution';
import type { TaskQueueEndpoint } from '../durable-objects/activity-dispatcher';
import { isDuroPath } from './api/duro-paths';
import { isLocalHost } from './api/auth';
import { problem, problemResponse, ProblemType } from './api/problems';
import type { ApiBackend } from './api/backend';
import { isDebugEnabled } from './api/stack-traces';
import type { DurableObject } from 'cloudflare:workers';
import { withWorkflowBindings } from './cloudflare/binding';
import { workflowRegistryOf } from './cloudflare/workers-entrypoint';
import { collectActivities } from './core/activity';
import type { WorkflowDefinition, WorkflowRegistry } from './core/definitions';
import { toMs, type Duration } from './core/duration';
import { DEFAULT_VISIBILITY_SHARDS } from './visibility/shard';
import type { PayloadCodec, PayloadOptions } from './core/payloads/options';
import { checkConverter } from './core/payloads/envelope';
import { checkBlobThreshold } from './core/payloads/blob-reference';
import { RowBlobs } from './core/payloads/row-blobs';
import { R2BlobStore } from '../durable-objects/r2-blob-store';
import { RunPayloads } from './core/payloads/run-payloads';

export { aesGcmCodec, type AesGcmKeys } from './protocol/aes-gcm-codec';
export type { PayloadCodec, PayloadOptions } from './core/payloads/options';
export type { PayloadConverter } from './core/payloads/envelope';

/**
 * Where a task queue's activities run: this Worker itself, or any server speaking the activity protocol
 * (`url` may be read from the Worker's environment, e.g. `(env) => env.PAYMENTS_URL`).
 */
export type TaskQueueTarget = 'self' | { url: string | ((env: Record<string, unknown>) => string); concurrency?: number };

export interface DuroOptions {
  /** Workflow definitions: a module object (`import * as workflows`) or an array. */
  workflows: Record<string, unknown> | WorkflowDefinition[];
  /** Activities this Worker runs (the 'self' task queues) and local activities. */
  activities?: Record<string, unknown>;
  /** Task queue name → target. Default: `{ default: 'self' }`. */
  taskQueues?: Record<string, TaskQueueTarget>;
  /**
   * Cloudflare Workflow bindings to add to the env of the app (`duro.handler(app)`, `duro.env(env)`) and of workflows
   * (`this.env`): binding name → the workflow it starts, as wrangler.toml's `[[workflows]] binding` and `class_name`.
   * @example createDuro({ workflows: { OrderWorkflow }, workflowBindings: { ORDER_WORKFLOW: 'OrderWorkflow' } })
   */
  workflowBindings?: Record<string, string>;
  /** Binding names in wrangler.toml. */
  bindings?: {
    execution?: string;
    visibility?: string;
    scheduler?: string;
    /** The service binding to this Worker itself, used for 'self' activities when the entrypoint below is not exported. */
    self?: string;
    /** The name `duro.entrypoints.DuroActivities` is exported under. Default `DuroActivities`. */
    activities?: string;
  };
  /**
   * Shards of the Visibility index (list, count, batch operations, /metrics). Default 8. A workflow id keeps the
   * shard it was first given, so the count may grow later; it must never shrink.
   */
  visibility?: { shards?: number };
  /** How long a closed run stays readable (history, result) before it is deleted. Default 30 days. */
  retention?: Duration;
  /**
   * The version of the deployed code, recorded with runs blocked by non-determinism: such a run is retried
   * when the version changes. Default: the Worker's version id (`[version_metadata]` binding
   * `CF_VERSION_METADATA`) together with a hash of the registered workflow functions' source.
   */
  codeVersion?: (env: Record<string, unknown>) => string;
  /**
   * How payloads are written and kept (docs/payloads.md): the converter of new values, and the codecs applied to
   * every stored row, made from the env so keys come from secrets.
   * @example payloads: { converter: 'rich', codecs: (env) => [aesGcmCodec({ current: 'k1', keys: { k1: env.DURO_KEY_1 as string | undefined } })] }
   */
  payloads?: Omit<PayloadOptions, 'codecs' | 'blobs'> & {
    /**
     * A method taking `any` values, so a function typed with the Worker's own `Env` interface is taken as it is (an
     * interface has no index signature: `Record<string, unknown>` would refuse it).
     */
    codecs?(env: Record<string, any>): readonly PayloadCodec[];
    /**
     * The R2 bucket that keeps history rows over `blobThresholdBytes` (the claim check, docs/payloads.md "Large
     * payloads"); payloads may then be up to 100 MiB. Default: the env's `DURO_BLOBS` binding when there is one.
     * Return undefined to keep every row inline.
     */
    blobs?(env: Record<string, any>): R2Bucket | undefined;
    /** Rows larger than this many bytes go to the bucket. Default 128 KiB; 1 KiB to 2 MiB. */
    blobThresholdBytes?: number;
  };
}

type Env = Record<string, unknown>;

/** A Durable Object class to export from the Worker's main module, under the `class_name` wrangler.toml gives it. */
export type DuroDurableObjectClass = new (ctx: DurableObjectState, env: object) => DurableObject;

/** What `createDuro` returns: the Worker's default export (its `fetch`) and the classes to export beside it. */
export interface Duro {
  /** The registered workflows, by name. */
  readonly registry: WorkflowRegistry;
  /** Export each under its `class_name`: `export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects`. */
  readonly durableObjects: {
    readonly WorkflowExecution: DuroDurableObjectClass;
    readonly Visibility: DuroDurableObjectClass;
    readonly Scheduler: DuroDurableObjectClass;
  };
  /**
   * Export it from the main module: `export const { DuroActivities } = duro.entrypoints`. 'self' activities then run
   * as Workers RPC calls to it, each an invocation of its own, with no binding to configure (decision 027).
   */
  readonly entrypoints: { readonly DuroActivities: ActivityEntrypointClass };
  /** The REST API, the web UI and the endpoint of this Worker's activities. */
  fetch(request: Request, env: object, ctx: ExecutionContext): Promise<Response>;
  /** `env` with the `workflowBindings` added (`env.MY_WORKFLOW`), for code that is handed the Worker's env. */
  env<E extends object>(env: E): E;
  /**
   * The Worker's default export when it has handlers of its own: Duro's routes (the API, `/ui`, `/_duro/`) answered
   * by Duro, every other request by `app.fetch`; each of `app`'s handlers gets the env with the workflow bindings.
   * @example export default duro.handler({ async fetch(request, env) { return Response.json(await (await env.MY_WORKFLOW.create()).status()); } });
   */
  handler<E, H extends object>(app: H & ExportedHandler<E>): H & ExportedHandler<E>;
}

/** Where 'self' activity requests are posted; the host part is never resolved (service binding or in-process). */
const SELF_HOST = 'duro.internal';
const SELF_ORIGIN = `https://${SELF_HOST}/`;
const SELF_ACTIVITY_URL = `${SELF_ORIGIN}_duro/activities`;
const DEV_SECRET = 'duro-insecure-development-secret';
const DEFAULT_SELF_CONCURRENCY = 64;

/**
 * The REST API (its routes, zod schemas, OpenAPI document and the web UI), loaded by the first request that needs
 * it: an isolate that only runs Durable Objects never evaluates it, and a fresh one starts without that work
 * (docs/performance.md, "Cold start and bundle size"). A bundler keeps it in the same bundle, evaluated on demand.
 */
const loadApi = () => import('./api/app');

/**
 * @example
 * import { createDuro } from 'duro/worker';
 * import * as workflows from './workflows';
 * import * as activities from './activities';
 * const duro = createDuro({ workflows, activities });
 * export const { WorkflowExecution, Visibility, Scheduler } = duro.durableObjects;
 * export default duro;
 */
export function createDuro(options: DuroOptions): Duro {
  const registry = workflowRegistryOf(options.workflows);
  const workflowBindings = options.workflowBindings ?? {};
  for (const [binding, workflowType] of Object.entries(workflowBindings)) {
    if (!registry.has(workflowType)) throw new Error(`workflowBindings.${binding} names '${workflowType}', which is not a registered workflow (${registry.names().join(', ')})`);
  }
  const activities = collectActivities(options.activities);
  const taskQueues: Record<string, TaskQueueTarget> = options.taskQueues ?? { default: 'self' };
  const executionBinding = options.bindings?.execution ?? 'WORKFLOW_EXECUTION';
  const selfBinding = options.bindings?.self ?? 'DURO_SELF';
  const visibilityBinding = options.bindings?.visibility ?? 'VISIBILITY';
  const schedulerBinding = options.bindings?.scheduler ?? 'SCHEDULER';
  const visibilityShards = options.visibility?.shards ?? DEFAULT_VISIBILITY_SHARDS;
  if (!Number.isInteger(visibilityShards) || visibilityShards < 1) throw new Error(`visibility.shards must be a positive integer, not ${visibilityShards}`);
  const retentionMs = toMs(options.retention ?? '30 days');
  checkConverter(options.payloads?.converter);
  checkBlobThreshold(options.payloads?.blobThresholdBytes);
  // Changes whenever a workflow function's code does, even where no version id is bound (wrangler dev).
  const sourceHash = fnv1a(registry.names().sort().map((name) => `${name}:${registry.get(name)!.fn.toString()}`).join('\n'));

  const namespace = (env: Env) => {
    const binding = env[executionBinding] as DurableObjectNamespace | undefined;
    if (!binding) throw new Error(`The Durable Object binding '${executionBinding}' is missing from wrangler.toml`);
    return binding;
  };
  /** Without the binding there is no index: executions report nothing and list/count answer 501. */
  const visibilityNamespace = (env: Env) => env[visibilityBinding] as DurableObjectNamespace | undefined;
  const activitySecret = (env: Env) => (env.DURO_ACTIVITY_SECRET as string | undefined) || DEV_SECRET;

  /** The API app of an env, made on its first request. */
  const apiFor = perEnv(async (env) => {
    const backend: ApiBackend = {
      execution: (workflowId) => executionStub(namespace(env), workflowId),
      hasWorkflowType: (name) => registry.has(name),
      activitySecret: activitySecret(env),
    };
    const visibility = visibilityNamespace(env);
    if (visibility) backend.visibilityShards = () => Array.from({ length: visibilityShards }, (_, shard) => visibilityStub(visibility, shard));
    const schedules = env[schedulerBinding] as DurableObjectNamespace | undefined;
    if (schedules) backend.scheduler = () => schedulerStub(schedules);
    const apiToken = env.DURO_API_TOKEN as string | undefined;
    if (apiToken) backend.apiToken = apiToken;
    if (isDebugEnabled(env.DURO_DEBUG)) backend.debug = true;
    const { createApiApp } = await loadApi();
    return createApiApp(backend);
  });

  /**
   * How this Worker serves its 'self' task queues, one per env (the API app is too): asked for on every attempt. Its
   * callbacks reach this Worker's API without leaving the isolate.
   */
  const selfServing = perEnv((env): ServeActivitiesOptions => ({
    activities,
    secret: activitySecret(env),
    duroUrl: 'https://duro.internal',
    // Hold the connection instead of answering 202: a Worker's waitUntil would not outlive a long activity.
    asyncAfterMs: Number.POSITIVE_INFINITY,
    // Requests to the internal host come through DURO_SELF (or in-process) from this Worker's own objects: no
    // outside request can carry it (routing is by hostname), so they need no signature.
    trustRequest: (request) => request.url.startsWith(SELF_ORIGIN),
    fetch: async (url, init) => (await apiFor(env)).fetch(new Request(url, init), env),
  }));
  /** Its attempts, run for the entrypoint's RPC calls and, through its HTTP face, for DURO_SELF or in process. */
  const activityRunnerFor = perEnv((env) => taskRunner(selfServing(env)));
  const activityServerFor = perEnv((env) => activityServer(selfServing(env), activityRunnerFor(env)));
  const DuroActivities = createActivityEntrypointClass(activityRunnerFor);
  const activityEntrypoint = options.bindings?.activities ?? DEFAULT_ACTIVITY_ENTRYPOINT;

  const endpointOf = (env: Env, taskQueue: string, exports: unknown): TaskQueueEndpoint | undefined => {
    const target = taskQueues[taskQueue];
    if (target === undefined) return undefined;
    if (target !== 'self') {
      const url = typeof target.url === 'function' ? target.url(env) : target.url;
      const label = { name: urlEndpointName(url), remedy: `Check taskQueues.${taskQueue}.url in createDuro (and the variable it reads), and that a server speaking the activity protocol answers there.` };
      return { url, concurrency: target.concurrency ?? DEFAULT_SELF_CONCURRENCY, label };
    }
    // Each activity in an invocation of its own: an RPC call to the exported entrypoint, else a fetch through the
    // service binding; with neither, in this isolate.
    // The fetch stays beside the entrypoint for payloads larger than an RPC carries (a blob store's).
    const entrypoint = activityEntrypointOf(exports, activityEntrypoint);
    const self = env[selfBinding] as Fetcher | undefined;
    let endpoint: TaskQueueEndpoint;
    if (self) {
      const label = { name: `service binding ${selfBinding}`, remedy: `Check the [[services]] binding ${selfBinding} in wrangler.toml: its service must be this Worker's own name (its \`name\` there).` };
      endpoint = { url: SELF_ACTIVITY_URL, fetcher: self, concurrency: DEFAULT_SELF_CONCURRENCY, trusted: true, label };
    } else {
      const fetcher = { fetch: (input: string, init?: RequestInit) => activityServerFor(env).fetch(new Request(input, init), env) };
      endpoint = { url: SELF_ACTIVITY_URL, fetcher, concurrency: DEFAULT_SELF_CONCURRENCY, trusted: true };
    }
    return entrypoint ? { ...endpoint, entrypoint } : endpoint;
  };

  /** The env with the Workflow bindings, one per env (the runtime hands every request of an isolate the same one). */
  const callerPayloads = RunPayloads.forCaller(options.payloads?.converter);
  const boundEnv = perEnv((env) => withWorkflowBindings(env, workflowBindings, { execution: (workflowId) => executionStub(namespace(env), workflowId), payloads: () => callerPayloads }));
  const bound = <E>(env: E): E => (Object.keys(workflowBindings).length === 0 ? env : (boundEnv(env as Env) as E));

  /** The at-rest codecs, made from each object's env (keys are secrets); none unless configured. */
  const codecs = (env: unknown): PayloadCodec[] => [...(options.payloads?.codecs?.(env as Env) ?? [])];
  /** The claim check's store, one per env (its queue of puts and deletes is the object's). */
  const blobs = (env: unknown): RowBlobs | undefined => {
    const bucket = options.payloads?.blobs ? options.payloads.blobs(env as Env) : ((env as Env).DURO_BLOBS as R2Bucket | undefined);
    return bucket && new RowBlobs(new R2BlobStore(bucket), { ...(options.payloads?.blobThresholdBytes !== undefined && { thresholdBytes: options.payloads.blobThresholdBytes }) });
  };

  const WorkflowExecution = createWorkflowExecutionClass({
    workflowEnv: bound,
    ...(options.payloads?.converter && { payloadConverter: options.payloads.converter }),
    codecs,
    blobs,
    registry,
    activities,
    namespace: (env) => namespace(env as Env),
    endpointOf: (env, taskQueue, exports) => endpointOf(env as Env, taskQueue, exports),
    activitySecret: (env) => activitySecret(env as Env),
    callbackUrl: (env) => (env as Env).DURO_PUBLIC_URL as string | undefined,
    codeVersion: (env) => options.codeVersion?.(env as Env) ?? `${((env as Env).CF_VERSION_METADATA as { id?: string } | undefined)?.id ?? 'local'}:${sourceHash}`,
    retentionMs: () => retentionMs,
    visibility: (env) => {
      const namespace = visibilityNamespace(env as Env);
      return namespace && { namespace, shards: visibilityShards };
    },
  });
  const Visibility = createVisibilityClass({ executions: (env) => namespace(env as Env), codecs });
  const Scheduler = createSchedulerClass({ executions: (env) => namespace(env as Env), codecs });

  const duro: Duro = {
    registry,
    durableObjects: { WorkflowExecution, Visibility, Scheduler },
    entrypoints: { DuroActivities },
    env: bound,
    handler: (app) => appHandler(app, duro, bound),
    async fetch(request: Request, userEnv: object, ctx: ExecutionContext): Promise<Response> {
      const env = userEnv as Env;
      const url = new URL(request.url);
      const callsActivities = url.pathname === '/_duro/activities' || url.pathname.startsWith('/v1/activities/');
      // The development secret is public: a deployed Worker must not accept activity requests or task tokens signed with it.
      if (callsActivities && !env.DURO_ACTIVITY_SECRET && !isLocalHost(url.hostname)) {
        return problemResponse(problem(ProblemType.authNotConfigured, 'This Duro deployment has no activity secret. Set one with `wrangler secret put DURO_ACTIVITY_SECRET`.'));
      }
      if (url.pathname === '/_duro/activities') return activityServerFor(env).fetch(request, env, ctx);
      return (await apiFor(env)).fetch(request, env, ctx);
    },
  };
  return duro;
}

/** A Worker's handlers other than fetch that take `(event, env, ctx)`: each gets the env with the bindings. */
const ENV_HANDLERS = ['scheduled', 'queue', 'email', 'tail', 'trace', 'tailStream', 'test'] as const;

function appHandler<E, H extends object>(app: H & ExportedHandler<E>, duro: Duro, bound: <T>(env: T) => T): H & ExportedHandler<E> {
  const wrapped: Record<string, unknown> = { ...(app as object) };
  for (const name of ENV_HANDLERS) {
    const handler = (app as Record<string, unknown>)[name];
    if (typeof handler === 'function') wrapped[name] = (first: unknown, env: E, ...rest: unknown[]) => handler.call(app, first, bound(env), ...rest);
  }
  wrapped.fetch = (request: Request, env: E, ctx: ExecutionContext) => {
    if (!app.fetch || isDuroPath(new URL(request.url).pathname)) return duro.fetch(request, env as object, ctx);
    return app.fetch.call(app, request as never, bound(env), ctx);
  };
  return wrapped as H & ExportedHandler<E>;
}

/** How logs and failures name a URL endpoint: without credentials or a query string, which may hold secrets. */
function urlEndpointName(url: unknown): string {
  if (typeof url !== 'string' || url === '') return `no URL (its url gave ${url === '' ? 'an empty string' : String(url)})`;
  try {
    const parsed = new URL(url);
    return `URL ${parsed.origin}${parsed.pathname}`;
  } catch {
    return 'a URL that does not parse';
  }
}

/** FNV-1a, 32 bits, as hex: a cheap, stable fingerprint (not a security hash). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** `make(env)`, made once per env object (the runtime hands every request of an isolate the same one). */
function perEnv<T>(make: (env: Env) => T): (env: Env) => T {
  const made = new WeakMap<Env, T>();
  return (env) => {
    let value = made.get(env);
    if (value === undefined) {
      value = make(env);
      made.set(env, value);
    }
    return value;
  };
}
