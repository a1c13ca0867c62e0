// The Workflow binding (`env.MY_WORKFLOW`) over Duro's execution API: an instance is a workflow id, `create` a start,
// `sendEvent` a signal named for the event's type, `restart` a new run of the id with the first run's params.
// Every host hands it the same ExecutionApi (a Durable Object stub, the test environment's in-process execution).
import type { RunPayloads } from '../core/payloads/run-payloads';
import { lookupProblem, nameProblem, NameKind } from '../core/names';
import type { ExecutionApi } from '../protocol/execution-rpc';
import type { Reply } from '../protocol/reply';
import { closedStatus, openStatus, type InstanceStatus } from './instance-status';
import { stepsQuery, type InstanceProgress } from './progress';
import { restartPoint } from './restart-from';
import { bindingError, bindingErrorParts } from './binding-errors';
import { TERMINATE_REASON, TERMINATE_WITH_ROLLBACK_REASON } from './terminate';

/** `create`'s options (workers-types' `WorkflowInstanceCreateOptions`); `retention` is accepted and ignored (Duro's is per deployment). */
export interface WorkflowInstanceCreateOptions<Params = unknown> {
  id?: string;
  params?: Params;
  retention?: { successRetention?: string | number; errorRetention?: string | number };
}

/** `restart`'s options: the step to restart from, by name, occurrence (`count`, default 1) and kind (default `'do'`). */
export interface WorkflowRestartOptions {
  from?: { name: string; count?: number; type?: 'do' | 'sleep' | 'waitForEvent' };
}

/** A handle on one instance (workers-types' `WorkflowInstance`). */
export interface WorkflowInstance {
  readonly id: string;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** With `rollback: true`, the rollbacks of the steps that started run first (terminate.ts). */
  terminate(options?: { rollback?: boolean }): Promise<void>;
  /** From the start, or with `from` from a step: the steps before it keep their recorded results. */
  restart(options?: WorkflowRestartOptions): Promise<void>;
  status(): Promise<InstanceStatus>;
  sendEvent(event: { type: string; payload: unknown }): Promise<void>;
}

/** `createBatch`'s object form: `count` instances sharing `params` (ids generated), or `instances`, each its own. */
export type WorkflowBatchOptions<Params = unknown> =
  | { count: number; params?: Params; retention?: WorkflowInstanceCreateOptions['retention']; instances?: undefined }
  | { instances: WorkflowInstanceCreateOptions<Params>[]; count?: undefined };

/** What `createBatch`'s object form answers: the instances created, and why each other entry (by position) was not. */
export interface WorkflowBatchResult {
  created: WorkflowInstance[];
  errors: Array<{ index: number; id: string | undefined; code: string; message: string }>;
}

/**
 * `env.MY_WORKFLOW` (workers-types' `Workflow`): made by `createDuro({ workflowBindings })` and the test environment.
 * @example
 * const instance = await env.MY_WORKFLOW.create({ params: { orderId: 'o-1' } });
 * await instance.sendEvent({ type: 'approval', payload: { approved: true } });
 * const { status, output } = await instance.status();
 */
export interface Workflow<Params = unknown> {
  create(options?: WorkflowInstanceCreateOptions<Params>): Promise<WorkflowInstance>;
  /** An array: every entry checked first, and the first refusal rejects the call. */
  createBatch(batch: WorkflowInstanceCreateOptions<Params>[]): Promise<WorkflowInstance[]>;
  /** The object form: each entry created or refused on its own; only a malformed batch rejects the call. */
  createBatch(batch: WorkflowBatchOptions<Params>): Promise<WorkflowBatchResult>;
  get(id: string): Promise<WorkflowInstance>;
}

/** What a binding asks of its host. */
export interface BindingHost {
  /** The execution of one workflow id: a Durable Object's RPC stub, or an in-process execution answering alike. */
  execution(workflowId: string): Pick<ExecutionApi, 'start' | 'describe' | 'result' | 'history' | 'signal' | 'query' | 'terminate' | 'cancel' | 'pause' | 'unpause' | 'reset'>;
  /** How params and events are written and output read: the deployment's converter (docs/payloads.md). */
  payloads(): RunPayloads;
}

/** Cloudflare's rule for instance ids (workers-sdk workflows-shared `lib/validators.ts`). */
const INSTANCE_ID = /^[a-zA-Z0-9_][a-zA-Z0-9-_]*$/;
const MAX_INSTANCE_ID_LENGTH = 100;
/** Cloudflare's most instances a batch. */
const MAX_BATCH = 100;
/** Cloudflare's words for a terminate of an instance that already ended. */
const TERMINATED_ALREADY = 'Cannot terminate instance since its on a finite state';

/** The binding of `workflowType`: what `env.MY_WORKFLOW` is when wrangler.toml's `class_name` is that workflow. */
export function createWorkflowBinding<Params = unknown>(workflowType: string, host: BindingHost): Workflow<Params> {
  const handle = (id: string) => new DuroWorkflowInstance(id, host);
  const checkedCreate = (options: WorkflowInstanceCreateOptions<Params> | undefined) => {
    if (options !== undefined && (typeof options !== 'object' || options === null)) throw bindingError('body', 'Provided argument is invalid');
    const id = options?.id ?? crypto.randomUUID();
    if (typeof id !== 'string' || id.length > MAX_INSTANCE_ID_LENGTH || !INSTANCE_ID.test(id) || nameProblem(id, NameKind.workflowId) !== undefined) {
      throw bindingError('instance.invalid_id', 'Workflow instance has invalid id');
    }
    return { id, params: options?.params ?? {} };
  };
  const start = async ({ id, params }: { id: string; params: unknown }) => {
    // Cloudflare refuses an id used before, open or closed.
    const input = host.payloads().write(params, 'Params of the instance');
    await answerOf(host.execution(id).start({ workflowType, workflowId: id, input, idReusePolicy: 'rejectDuplicate' }));
    return handle(id);
  };
  const createEach = async (entries: WorkflowInstanceCreateOptions<Params>[]): Promise<WorkflowBatchResult> => {
    const result: WorkflowBatchResult = { created: [], errors: [] };
    const settled = await Promise.allSettled(entries.map(async (entry) => start(checkedCreate(entry))));
    settled.forEach((outcome, index) => {
      if (outcome.status === 'fulfilled') return void result.created.push(outcome.value);
      const { code, message } = bindingErrorParts(outcome.reason);
      const id = entries[index]?.id;
      result.errors.push({ index, id: typeof id === 'string' ? id : undefined, code, message });
    });
    return result;
  };
  const binding: Workflow<Params> = {
    create: async (options) => start(checkedCreate(options)),
    createBatch: (async (batch: WorkflowInstanceCreateOptions<Params>[] | WorkflowBatchOptions<Params>) => {
      if (!Array.isArray(batch)) return createEach(batchEntries(batch));
      if (batch.length === 0) throw bindingError('body', 'createBatch should have at least 1 instance');
      if (batch.length > MAX_BATCH) throw bindingError('body', `createBatch supports at most ${MAX_BATCH} instances at a time`);
      const checked = batch.map(checkedCreate); // every entry's options before any start
      return Promise.all(checked.map(start));
    }) as Workflow<Params>['createBatch'],
    async get(id) {
      if (typeof id !== 'string' || lookupProblem(id, NameKind.workflowId) !== undefined) throw bindingError('instance.invalid_id', 'Instance ID is invalid');
      // At once, as status() is: a step's callback may hold the run's activation for minutes.
      await answerOf(host.execution(id).describe({ atOnce: true }));
      return handle(id);
    },
  };
  return binding;
}

/** The entries of `createBatch`'s object form; a batch that is neither form, or of no or over 100 entries, is refused. */
function batchEntries<Params>(batch: WorkflowBatchOptions<Params>): WorkflowInstanceCreateOptions<Params>[] {
  if (typeof batch !== 'object' || batch === null) throw bindingError('body', 'Provided argument is invalid');
  const { count, instances } = batch;
  if ((count === undefined) === (instances === undefined)) throw bindingError('body', 'createBatch takes either count or instances');
  const size = count ?? (Array.isArray(instances) ? instances.length : NaN);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BATCH) throw bindingError('body', `createBatch creates 1 to ${MAX_BATCH} instances at a time`);
  if (instances) return instances;
  const { params, retention } = batch as { params?: Params; retention?: WorkflowInstanceCreateOptions['retention'] };
  return Array.from({ length: size }, () => ({ ...(params !== undefined && { params }), ...(retention !== undefined && { retention }) }));
}

class DuroWorkflowInstance implements WorkflowInstance {
  readonly #host: BindingHost;

  constructor(
    readonly id: string,
    host: BindingHost,
  ) {
    this.#host = host;
  }

  /** Answered at once, also while a step's callback runs (it holds the run's activation: the status is then running). */
  async status(): Promise<InstanceStatus> {
    const execution = this.#host.execution(this.id);
    // One request while the instance runs (what callers poll); a closed one's outcome also follows continue-as-new.
    const description = await answerOf(execution.describe({ atOnce: true }));
    if (description.status === 'running') return openStatus(description);
    const outcome = await answerOf(execution.result({ waitMs: 0, followRuns: true }));
    if (outcome.status === 'running') return openStatus(await answerOf(execution.describe({ atOnce: true })));
    return closedStatus(outcome.status === 'completed' ? { ...outcome, result: this.#host.payloads().read(outcome.result) } : outcome);
  }

  async pause(): Promise<void> {
    await answerOf(this.#host.execution(this.id).pause({ reason: 'paused through the Workflow binding' }), 'Cannot pause instance since it is on a finite state');
  }

  /** An instance that is not paused, running or finished, is left as it is (as by Cloudflare's local engine). */
  async resume(): Promise<void> {
    const reply = await this.#host.execution(this.id).unpause({});
    if (!reply.ok && reply.problem.type !== 'duro:workflow-closed') answered(reply);
  }

  /** With `rollback: true`, Duro's cancel, so the run's rollbacks run first (terminate.ts); else Duro's terminate. */
  async terminate(options?: { rollback?: boolean }): Promise<void> {
    const execution = this.#host.execution(this.id);
    const stopping = options?.rollback === true ? execution.cancel({ reason: TERMINATE_WITH_ROLLBACK_REASON }) : execution.terminate({ reason: TERMINATE_REASON });
    await answerOf(stopping, TERMINATED_ALREADY, 'instance.cannot_terminate');
  }

  /**
   * From the start, with the params of the instance's latest run (those it was created with, unless it continued as
   * new): one start that terminates the run still open, as Duro's `terminateExisting` conflict policy does. With
   * `from`, a reset of the latest run to the last activation that ended before that step started (restart-from.ts).
   */
  async restart(options?: WorkflowRestartOptions): Promise<void> {
    const execution = this.#host.execution(this.id);
    if (options?.from !== undefined) {
      const point = await restartPoint(options.from, {
        steps: async () => (await answerOf(execution.query({ name: stepsQuery.name, args: [] }))).result as InstanceProgress,
        events: async (afterEventId, limit) => (await answerOf(execution.history({ afterEventId, limit }))).events,
      });
      if (point !== undefined) {
        await answerOf(execution.reset({ eventId: point, reason: `restarted from step '${options.from.name}'` }));
        return;
      }
    }
    const { events } = await answerOf(execution.history({ limit: 1 }));
    const started = events[0];
    if (started?.type !== 'WorkflowExecutionStarted') throw bindingError('instance.not_found', 'Instance not found');
    await answerOf(execution.start({ workflowType: started.workflowType, workflowId: this.id, input: started.input, idReusePolicy: 'allowDuplicate', idConflictPolicy: 'terminateExisting' }));
  }

  /** A signal named `type` with `payload` as its one argument: `step.waitForEvent({ type })` takes it, now or later. */
  async sendEvent(event: { type: string; payload: unknown }): Promise<void> {
    if (typeof event?.type !== 'string' || nameProblem(event.type, NameKind.signalName) !== undefined) throw bindingError('body', 'Provided event type is invalid');
    const args = this.#host.payloads().writeArgs([event.payload], `Payload of event '${event.type}'`);
    await answerOf(this.#host.execution(this.id).signal({ name: event.type, args }), 'Cannot send an event to an instance on a finite state');
  }
}

/** A reply's value, or the refusal as Cloudflare words it: a plain Error whose message starts with the code. */
async function answerOf<T>(pending: Promise<Reply<T>>, whenClosed?: string, closedCode?: string): Promise<T> {
  return answered(await pending, whenClosed, closedCode);
}

function answered<T>(reply: Reply<T>, whenClosed = 'Instance is on a finite state', closedCode = 'instance.finished'): T {
  if (reply.ok) return reply.value;
  const { type, detail } = reply.problem;
  if (type === 'duro:workflow-not-found') throw bindingError('instance.not_found', 'Instance not found');
  if (type === 'duro:workflow-already-started') throw bindingError('instance.already_exists', 'Instance with this id already exists');
  if (type === 'duro:workflow-closed') throw bindingError(closedCode, whenClosed);
  if (type === 'duro:workflow-type-not-found') throw bindingError('workflow.not_found', detail);
  throw bindingError(type, detail);
}

/**
 * `env` with the Workflow bindings added, as wrangler adds `[[workflows]]` bindings: `bindings` maps each binding
 * name to the workflow it starts (`{ MY_WORKFLOW: 'MyWorkflow' }`, wrangler's `binding` and `class_name`).
 */
export function withWorkflowBindings<Env extends object>(env: Env, bindings: Record<string, string>, host: BindingHost): Env {
  const added: Record<string, Workflow> = {};
  for (const [name, workflowType] of Object.entries(bindings)) added[name] = createWorkflowBinding(workflowType, host);
  return { ...env, ...added };
}
