// The workflow context: everything workflow code may use. Implemented by the activator (activator.ts).
import type { Log } from './log';
import type { ActivityContext, ActivityProxies } from './activity';
import type { CancellationScope } from './cancellation-scope';
import type { WorkflowDefinition, SignalDefinition, QueryDefinition, UpdateDefinition, WorkflowInput, WorkflowOutput } from './definitions';
import type { Duration } from './duration';
import type { ActivityCancellationType, ParentClosePolicy, ParentRef, SearchAttributes } from './history';
import type { RetryDelayFunction, RetryPolicy } from './retry-policy';

export interface ActivityOptions {
  /** Maximum time of one attempt. At least one of this and `scheduleToCloseTimeout` is required. */
  startToCloseTimeout?: Duration;
  /** Maximum time of all attempts together, retries and backoff included. */
  scheduleToCloseTimeout?: Duration;
  /** The attempt fails when no heartbeat arrives within this time. */
  heartbeatTimeout?: Duration;
  retry?: RetryPolicy;
  /** Where the activity runs; the host maps each task queue to an endpoint. Default `'default'`. */
  taskQueue?: string;
  cancellationType?: ActivityCancellationType;
}

export interface LocalActivityOptions {
  startToCloseTimeout?: Duration;
  scheduleToCloseTimeout?: Duration;
  retry?: RetryPolicy;
}

/** The options of `ctx.executeLocalActivity`: a local activity's, and optionally a retry schedule of its own. */
export interface InlineLocalActivityOptions extends LocalActivityOptions {
  /** Decides each retry in place of `retry`'s backoff and attempt count (`retry` still shows in the activity's info). */
  nextRetryDelay?: RetryDelayFunction;
  /** Called as workflow code (live and on replay) when an attempt's outcome is known: how many attempts were made. */
  onAttemptDone?: (attempt: number) => void;
}

export type ChildCancellationType = 'REQUEST_CANCEL' | 'TRY_CANCEL' | 'WAIT_CANCELLATION_REQUESTED' | 'ABANDON';

export interface ChildWorkflowOptions<I = unknown> {
  input?: I;
  /** Default: `<parent workflowId>-<first 8 characters of the parent runId>-child-<n>`, deterministic. */
  workflowId?: string;
  /** Default `TERMINATE`, as in Temporal. */
  parentClosePolicy?: ParentClosePolicy;
  /**
   * What cancelling the scope around the child does. `REQUEST_CANCEL` (default): asks the child to cancel and waits
   * for it to close (Temporal's `WAIT_CANCELLATION_COMPLETED`). `TRY_CANCEL`: asks, and fails the wait at once with a
   * `ChildWorkflowFailure` caused by `CancelledFailure`. `WAIT_CANCELLATION_REQUESTED`: asks, and fails the wait once
   * the child has the request. `ABANDON`: asks nothing, fails the wait at once; the child runs on.
   */
  cancellationType?: ChildCancellationType;
  executionTimeout?: Duration;
  runTimeout?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The child's own retry policy: its failed runs are retried, and the parent hears only the final outcome. */
  retry?: RetryPolicy;
}

/**
 * What the next run of a continue-as-new may change, by Temporal's names (`ContinueAsNewOptions`). Each option given
 * replaces the current run's value; each one left out carries over.
 */
export interface ContinueAsNewOptions<W extends WorkflowDefinition = WorkflowDefinition> {
  /** Run another workflow next (its definition or its registered name); default: this run's type. */
  workflowType?: W | string;
  /** Accepted for Temporal's API; Duro has no workflow task queues (a workflow runs in its own execution), so unused. */
  taskQueue?: string;
  /** Timeout of the next run. */
  workflowRunTimeout?: Duration;
  /** Accepted for Temporal's API; Duro has no workflow task timeout (an activation runs where it was recorded), so unused. */
  workflowTaskTimeout?: Duration;
  /** Wait this long before the next run starts (signals that arrive meanwhile are kept for it). */
  backoffStartInterval?: Duration;
  /** The next run's memo, in place of this run's. */
  memo?: Record<string, unknown>;
  /** The next run's search attributes, in place of this run's. */
  searchAttributes?: SearchAttributes;
}

export interface ChildWorkflowHandle<O = unknown> {
  readonly workflowId: string;
  /** Run id of the child's first run. */
  readonly firstExecutionRunId: string;
  /** Resolves with the child's result; rejects with `ChildWorkflowFailure` carrying the child's failure as cause. */
  result(): Promise<O>;
  signal<Args extends unknown[]>(signal: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
}

export interface ExternalWorkflowHandle {
  readonly workflowId: string;
  readonly runId?: string;
  signal<Args extends unknown[]>(signal: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
  cancel(): Promise<void>;
}

export interface WorkflowInfo {
  workflowId: string;
  runId: string;
  workflowType: string;
  firstRunId: string;
  continuedFromRunId?: string;
  parent?: ParentRef;
  attempt: number;
  /** Start time of this run, ms since epoch. */
  runStartTime: number;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  memo: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  /** Events in this run's history so far. */
  historyLength: number;
  /** Encoded size of this run's history so far, in bytes. */
  historySizeBytes: number;
  /** True once history nears its limit: time to call `ctx.continueAsNew`. */
  continueAsNewSuggested: boolean;
  /** True while the engine re-runs recorded history. Use only for logging. */
  isReplaying: boolean;
}

export interface UpdateHandlerOptions<Args extends unknown[]> {
  /** Runs before the update is accepted; throw to reject it. Must be synchronous and must not change state. */
  validator?: (...args: Args) => void;
}

/**
 * The handle workflow code gets as its first argument. Every source of time, randomness, I/O and
 * concurrency goes through it, so replaying the history makes the same decisions.
 */
export interface WorkflowContext {
  /** The cancellation scope this context belongs to; work started through it is cancelled with it. */
  readonly cancellationScope: CancellationScope;

  info(): WorkflowInfo;

  /**
   * Structured logs: one JSON line per call on the console, with the run's identity (workflowId, runId, workflowType,
   * attempt); not written again while the run replays its history, as `console.log` would be.
   * @example ctx.log.info('order approved', { orderId, by });
   */
  readonly log: Log;

  /**
   * Typed stubs that schedule activities (run by the host over its task queue, with retries and timeouts).
   * @example const { charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '30s' });
   */
  proxyActivities<A>(options: ActivityOptions): ActivityProxies<A>;

  /** Like `proxyActivities`, but the activity runs in-process, inside the activation; its outcome is recorded as a marker. */
  proxyLocalActivities<A>(options: LocalActivityOptions): ActivityProxies<A>;

  /**
   * Runs `fn` as a local activity named `activityType` (Temporal Go's `ExecuteLocalActivity` with a function): in
   * process, retried and timed out as `options` say, each attempt's outcome recorded as a `LocalActivity` marker.
   * Replay returns the recorded outcome without calling `fn`, so `fn` may do I/O; like any activity it may run more
   * than once (a crash mid-attempt), so it should be idempotent.
   * @example const user = await ctx.executeLocalActivity('load user', () => db.get(id), { startToCloseTimeout: '10s' });
   */
  executeLocalActivity<T>(activityType: string, fn: (ctx: ActivityContext) => T | Promise<T>, options: InlineLocalActivityOptions): Promise<T>;

  /** A durable timer. `'30 days'` costs nothing while it waits. Rejects with `CancelledFailure` if the scope is cancelled. */
  sleep(duration: Duration): Promise<void>;

  /** Resolves once `fn()` is true; with a timeout, resolves `false` when the time runs out first. */
  condition(fn: () => boolean): Promise<void>;
  condition(fn: () => boolean, timeout: Duration): Promise<boolean>;

  /** Workflow time (ms since epoch): the time of the current activation, identical on replay. Use instead of `Date.now()`. */
  now(): number;
  /** A deterministic random number in [0, 1). Use instead of `Math.random()`. */
  random(): number;
  /** A deterministic RFC 4122 v4 UUID. */
  uuid(): string;
  /** Runs `fn` once and records its value; replay returns the recorded value without running it. */
  sideEffect<T>(fn: () => T): Promise<T>;

  setHandler<Args extends unknown[]>(signal: SignalDefinition<Args>, handler: ((...args: NoInfer<Args>) => void | Promise<void>) | undefined): void;
  setHandler<R, Args extends unknown[]>(query: QueryDefinition<R, Args>, handler: ((...args: NoInfer<Args>) => NoInfer<R>) | undefined): void;
  setHandler<R, Args extends unknown[]>(update: UpdateDefinition<R, Args>, handler: ((...args: NoInfer<Args>) => NoInfer<R> | Promise<NoInfer<R>>) | undefined, options?: UpdateHandlerOptions<NoInfer<Args>>): void;

  /** Takes every signal without a handler of its own (those buffered so far first); the handler gets the signal's name first. */
  setDefaultSignalHandler(handler: ((signalName: string, ...args: unknown[]) => void | Promise<void>) | undefined): void;
  /** Answers every query without a handler of its own; the handler gets the query's name first. */
  setDefaultQueryHandler(handler: ((queryName: string, ...args: unknown[]) => unknown) | undefined): void;
  /** Takes every update without a handler of its own; handler and validator get the update's name first. */
  setDefaultUpdateHandler(
    handler: ((updateName: string, ...args: unknown[]) => unknown) | undefined,
    options?: { validator?: (updateName: string, ...args: unknown[]) => void },
  ): void;
  /** True when no signal or update handler is still running: wait for it before returning (`condition(ctx.allHandlersFinished)`). */
  allHandlersFinished(): boolean;

  startChild<W extends WorkflowDefinition>(workflow: W | string, options?: ChildWorkflowOptions<WorkflowInput<W>>): Promise<ChildWorkflowHandle<WorkflowOutput<W>>>;
  executeChild<W extends WorkflowDefinition>(workflow: W | string, options?: ChildWorkflowOptions<WorkflowInput<W>>): Promise<WorkflowOutput<W>>;
  getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle;

  upsertSearchAttributes(attributes: SearchAttributes): void;
  /**
   * Sets keys of the run's memo (`null` or `undefined` removes one): recorded in history (`MemoUpserted`), seen by
   * `ctx.info().memo`, describe and list. The memo is not indexed; it carries over a continue-as-new.
   */
  upsertMemo(memo: Record<string, unknown>): void;

  /**
   * Ends this run and starts a fresh one of the same workflow id with `input` and an empty history. Never returns.
   * `options` change the next run (another workflow type, its run timeout, memo, search attributes, a start delay).
   * @example return ctx.continueAsNew({ cursor }, { workflowType: pollerV2, workflowRunTimeout: '1 day' });
   */
  continueAsNew<W extends WorkflowDefinition = WorkflowDefinition>(input?: WorkflowInput<W>, options?: ContinueAsNewOptions<W>): Promise<never>;

  /** True on runs that reached this point with code that has the patch; records a marker. */
  patched(patchId: string): boolean;
  /** Marks that no run without the patch remains; the `if (patched())` can then be removed. */
  deprecatePatch(patchId: string): void;
}
