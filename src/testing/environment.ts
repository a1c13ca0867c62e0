// TestWorkflowEnvironment: the engine on an in-memory host with a virtual clock (time skipping). Each workflow id is
// the core's Execution (src/core/execution/), as in a Durable Object: starts, policies, hand-overs, children and
// messages follow the same code; only the store (memory), the clock (virtual) and the transport (calls) differ.
import type { SpanData } from '../core/tracing/span';
import { collectActivities, type ActivityImplementations } from '../core/activity';
import { WorkflowBlockedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '../core/client-errors';
import type { WorkflowRegistry, SignalDefinition, UpdateDefinition, WorkflowDefinition, WorkflowEnvironment, WorkflowInput, WorkflowOutput } from '../core/definitions';
import { toMs, type Duration } from '../core/duration';
import { Execution } from '../core/execution/execution';
import type { ExecutionHost } from '../core/execution/execution-host';
import { startRequestOf } from '../core/execution/first-run';
import type { FailureInfo } from '../core/failure';
import type { HistoryEvent } from '../core/history';
import { activityInfoOf, type CarriedSignal, type RunEffect, type WorkflowRun } from '../core/internals';
import { yieldMacrotask } from '../core/scheduling';
import { runActivityAttempt, runLocalActivityAttempt, type HostClock } from '../core/activity-execution';
import type { InProcessStartOptions } from '../core/start-options';
import { withWorkflowBindings, type BindingHost } from '../cloudflare/binding';
import { workflowRegistryOf } from '../cloudflare/workers-entrypoint';
import { answering } from '../protocol/execution-answers';
import { sendEffects, sendOutbox, type Send } from '../protocol/execution-messages';
import { testTaskToken } from './task-token';
import { TestWorkflowHandle } from './handle';
import type { HandleEnvironment } from './handle-environment';
import { MemoryRunStore } from './memory-store';
import type { PayloadOptions } from '../core/payloads/options';
import { RunPayloads } from '../core/payloads/run-payloads';
import { RowCodecs } from '../core/payloads/row-codecs';
import { checkBlobThreshold } from '../core/payloads/blob-reference';
import { RowBlobs } from '../core/payloads/row-blobs';
import type { RunHost } from '../core/run-host';
import { activityClock } from './activity-clock';
import { VirtualClock } from './virtual-clock';
import { TestSchedules } from './schedules';

export interface TestEnvironmentOptions {
  /** Workflow definitions: a module object (`import * as workflows`) or an array. */
  workflows?: Record<string, unknown> | WorkflowDefinition[];
  /** Activity implementations by name (`import * as activities`). */
  activities?: Record<string, unknown>;
  /** Virtual start time (ms since epoch or a Date). Default: now. */
  startTime?: number | Date;
  /** Code version recorded with blocked runs. */
  codeVersion?: string;
  /** What a Worker's workflows get as their `env` (duro/cloudflare's `this.env`): bindings, or stand-ins for them. */
  env?: object;
  /**
   * Cloudflare Workflow bindings added to `env` (for workflows and for the test, `testEnv.env.MY_WORKFLOW`): binding
   * name → workflow type, as `createDuro({ workflowBindings })` takes them.
   */
  workflowBindings?: Record<string, string>;
  /**
   * Takes the spans of every run as they finish (docs/observability.md, Traces): to check in a test what a deployment
   * would export over OTLP. Times are the environment's (virtual) time.
   */
  onSpans?: (spans: SpanData[]) => void;
  /**
   * How payloads are written and kept (docs/payloads.md): the converter of new values, codecs applied at rest, and a
   * blob store for history rows over `blobThresholdBytes` (a MemoryBlobStore; payloads may then be up to 100 MiB).
   */
  payloads?: PayloadOptions;
}

export type StartOptions<I = unknown> = InProcessStartOptions<I>;

/** While an activity attempt runs, virtual time passes as real time does, checked this often (ms). */
const REAL_TIME_SLICE_MS = 20;

/** A message another execution refused for now is sent again after this much virtual time (the Durable Object's alarm). */
const RESEND_AFTER_MS = 2_000;

/**
 * @example
 * const env = await TestWorkflowEnvironment.create({ workflows, activities });
 * const handle = await env.start(reminder, { input: { days: 30 } });
 * expect(await handle.result()).toBe('sent'); // 30 virtual days, milliseconds of real time
 */
export class TestWorkflowEnvironment implements HandleEnvironment {
  readonly clock: VirtualClock;
  /** Activities sleep on it: virtual time, or real time when that comes first (activity-clock.ts). */
  readonly #activityClock: HostClock;
  readonly store: MemoryRunStore;
  #registry: WorkflowRegistry;
  #activities: ActivityImplementations;
  #codeVersion: string | undefined;
  readonly #onSpans: ((spans: SpanData[]) => void) | undefined;
  /** @internal How workflows and handles write payloads (the `payloads.converter` option). */
  readonly payloads: RunPayloads;
  /** Set with a blob store (the `payloads.blobs` option): the larger payload limit and the offload threshold. */
  readonly #blobLimits: RunHost['blobs'];
  /** The host environment the workflows run in: the `env` option, and a `waitUntil` that only reports failures. */
  readonly #environment: WorkflowEnvironment;
  /** The `env` option with the Workflow bindings added: what workflows get, and what a test drives them through. */
  readonly env: Record<string, any>;
  /** Executions by workflow id, opened on first use. */
  readonly #executions = new Map<string, Execution>();
  /** Activity attempts running in this process, by run, activity and attempt. */
  readonly #attempts = new Map<string, { controller: AbortController; run: WorkflowRun; activityId: string; attempt: number }>();
  /** Local activity attempts running, by run id: a run waiting on one may be waiting for virtual time. */
  readonly #localAttempts = new Map<string, number>();
  /** Messages to other executions being delivered, by key. */
  readonly #sending = new Set<string>();
  /** Schedules on the virtual clock (`createSchedule`). */
  readonly schedules = new TestSchedules({
    now: () => this.clock.now(),
    start: (workflowType, workflowId, input, searchAttributes) => {
      const failed = (error: unknown) => {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) console.error(`duro: schedule action ${workflowId} failed to start`, error);
      };
      let stored: unknown;
      try {
        stored = this.payloads.write(input, `Input of the schedule's workflow '${workflowType}'`);
      } catch (error) {
        return failed(error);
      }
      // rejectDuplicate: an action id is used once, open or closed.
      this.execution(workflowId).start({ workflowType, workflowId, input: stored, searchAttributes, idReusePolicy: 'rejectDuplicate' }).catch(failed);
    },
    isRunning: (workflowId) => this.#executions.get(workflowId)?.runInMemory()?.isClosed === false,
    hasWorkflowType: (name) => this.#registry.has(name),
  });
  #progress = 0;
  #ids = 0;
  #progressWaiters: Array<() => void> = [];
  /** Waits in progress (results, env.sleep, starts…): a blocked run is declared stuck only to the last of them. */
  #waits = 0;

  private constructor(options: TestEnvironmentOptions) {
    const start = options.startTime instanceof Date ? options.startTime.getTime() : (options.startTime ?? Date.now());
    this.clock = new VirtualClock(start);
    this.#activityClock = activityClock(this.clock, () => this.#waits > 0);
    checkBlobThreshold(options.payloads?.blobThresholdBytes);
    const blobs = options.payloads?.blobs && new RowBlobs(options.payloads.blobs, { ...(options.payloads.blobThresholdBytes !== undefined && { thresholdBytes: options.payloads.blobThresholdBytes }) });
    this.#blobLimits = blobs?.limits;
    this.store = new MemoryRunStore(() => this.#bump(), new RowCodecs(options.payloads?.codecs ?? []), blobs);
    this.#registry = workflowRegistryOf(options.workflows ?? {});
    this.#activities = collectActivities(options.activities);
    this.#codeVersion = options.codeVersion;
    this.#onSpans = options.onSpans;
    this.payloads = RunPayloads.forCaller(options.payloads?.converter, this.#blobLimits?.maxPayloadBytes);
    const env = (options.env ?? {}) as Record<string, any>;
    this.env = options.workflowBindings ? withWorkflowBindings(env, options.workflowBindings, this.#bindingHost) : env;
    this.#environment = { env: this.env, waitUntil: (promise) => void promise.catch((error: unknown) => console.error('duro: a waitUntil promise failed', error)) };
  }

  static async create(options: TestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return new TestWorkflowEnvironment(options);
  }

  /** Replaces workflow definitions, as a deploy of new code would; open runs replay under them when next evicted. */
  deploy(options: { workflows?: Record<string, unknown> | WorkflowDefinition[]; activities?: Record<string, unknown>; codeVersion?: string }): void {
    if (options.workflows) this.#registry = workflowRegistryOf(options.workflows);
    if (options.activities) this.#activities = collectActivities(options.activities);
    if (options.codeVersion !== undefined) this.#codeVersion = options.codeVersion;
    for (const execution of this.#executions.values()) execution.redeploy();
  }

  now(): number {
    return this.clock.now();
  }

  /** Skips `duration` of virtual time, firing every timer and timeout due on the way, in order. */
  async sleep(duration: Duration): Promise<void> {
    const target = this.clock.now() + toMs(duration);
    this.#waits++;
    try {
      for (;;) {
        await this.#settle();
        const next = this.#nextWakeAt();
        if (next === undefined || next > target) break;
        this.#advanceTo(next);
      }
      this.clock.advanceTo(target);
      await this.#settle();
    } finally {
      this.#waits--;
      this.#bump();
    }
  }

  async start<W extends WorkflowDefinition>(workflow: W | string, options: StartOptions<WorkflowInput<W>> = {}, carriedSignals: CarriedSignal[] = []): Promise<TestWorkflowHandle<W>> {
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    const workflowId = options.workflowId ?? `${workflowType}-${++this.#ids}`;
    // A start moves no time (Temporal's rule); a local activity of the first activation holds the clock meanwhile.
    const { runId } = await this.#await(this.execution(workflowId).start(startRequestOf(workflowType, workflowId, options, this.payloads), carriedSignals), 'flow');
    return new TestWorkflowHandle<W>(this, workflowId, runId);
  }

  /** Signals the running workflow of `options.workflowId`, or starts it with the signal delivered first. */
  async signalWithStart<W extends WorkflowDefinition, Args extends unknown[]>(
    workflow: W | string,
    options: StartOptions<WorkflowInput<W>> & { workflowId: string; requestId?: string },
    signal: SignalDefinition<Args> | string,
    ...args: Args
  ): Promise<{ handle: TestWorkflowHandle<W>; started: boolean }> {
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    const signalName = typeof signal === 'string' ? signal : signal.name;
    const request = { ...startRequestOf(workflowType, options.workflowId, options, this.payloads), signalName, signalArgs: this.payloads.writeArgs(args, `Arguments of signal '${signalName}'`), ...(options.requestId !== undefined && { requestId: options.requestId }) };
    const { runId, started } = await this.#await(this.execution(options.workflowId).signalWithStart(request), 'flow');
    return { handle: new TestWorkflowHandle<W>(this, options.workflowId, runId), started };
  }

  /**
   * Runs an update on the running workflow of `options.workflowId`, or starts it with the update delivered in its
   * first activation (Temporal's update-with-start); resolves with the update's result. Throws
   * `WorkflowUpdateRejectedError` (validator) or `WorkflowUpdateFailedError` (handler).
   * @example const { result } = await env.updateWithStart(cart, { workflowId: 'cart-1' }, addItem, { args: ['pear'] });
   */
  async updateWithStart<W extends WorkflowDefinition, R, Args extends unknown[]>(
    workflow: W | string,
    options: StartOptions<WorkflowInput<W>> & { workflowId: string },
    update: UpdateDefinition<R, Args> | string,
    updateOptions: { args?: Args; updateId?: string } = {},
  ): Promise<{ handle: TestWorkflowHandle<W>; started: boolean; result: R }> {
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    const name = typeof update === 'string' ? update : update.name;
    const request = { ...startRequestOf(workflowType, options.workflowId, options, this.payloads), update: { name, args: this.payloads.writeArgs(updateOptions.args ?? [], `Arguments of update '${name}'`), wait: 'completed' as const, ...(updateOptions.updateId !== undefined && { updateId: updateOptions.updateId }) } };
    const reply = await this.#await(this.execution(options.workflowId).updateWithStart(request), 'flow', options.workflowId);
    const outcome = reply.outcome!;
    if ('failure' in outcome) throw new WorkflowUpdateFailedError(name, outcome.failure);
    return { handle: new TestWorkflowHandle<W>(this, options.workflowId, reply.runId), started: reply.started, result: this.payloads.read(outcome.result) as R };
  }

  /** Starts a workflow and waits for its result (skipping time). */
  async execute<W extends WorkflowDefinition>(workflow: W | string, options: StartOptions<WorkflowInput<W>> = {}): Promise<WorkflowOutput<W>> {
    const handle = await this.start(workflow, options);
    return handle.result();
  }

  getHandle(workflowId: string, runId?: string): TestWorkflowHandle {
    const first = this.#executions.get(workflowId)?.runIds()[0];
    if (first === undefined) throw new WorkflowNotFoundError(workflowId);
    return new TestWorkflowHandle(this, workflowId, runId ?? first);
  }

  /** Drops the in-memory workflow of every open run (or of one workflow id): the next input replays history. */
  evict(workflowId?: string): void {
    for (const [id, execution] of this.#executions) {
      if (workflowId === undefined || id === workflowId) for (const run of execution.loadedRuns()) run.evict();
    }
  }

  /**
   * Completes an activity that called `ctx.doNotCompleteOnReturn()`, as `POST /v1/activities/complete` would.
   * Returns false when the token's attempt is no longer running (it timed out or the run closed).
   */
  completeActivity(taskToken: string, outcome: { result: unknown } | { failure: FailureInfo }): boolean {
    const [workflowId, runId, activityId, attempt] = JSON.parse(taskToken) as [string, string, string, number];
    const run = this.runOf(workflowId, runId);
    const pending = run.state.activities[activityId];
    if (!pending || pending.attempt !== attempt || pending.phase !== 'running') return false;
    run.settleAttempt(activityId, attempt, outcome);
    return true;
  }

  /** Heartbeats an asynchronously completing activity by its task token; undefined when the attempt is stale. */
  heartbeatActivity(taskToken: string, details?: unknown): { cancelRequested: boolean } | undefined {
    const [workflowId, runId, activityId, attempt] = JSON.parse(taskToken) as [string, string, string, number];
    return this.runOf(workflowId, runId).heartbeat(activityId, attempt, details);
  }

  /**
   * Resets a run to the end of an earlier activation (`eventId`, a WorkflowTaskCompleted): a new run re-runs
   * from there with the current code, the old run is terminated, later signals are re-applied. Returns the new run id.
   */
  async reset(workflowId: string, eventId: number, reason = 'reset', runId?: string): Promise<string> {
    const execution = this.#executions.get(workflowId);
    if (!execution) throw new WorkflowNotFoundError(workflowId, runId);
    return (await execution.reset({ eventId, reason, ...(runId !== undefined && { runId }) })).runId;
  }

  /** @internal The execution of `workflowId`, opened (empty) if it has none yet. */
  execution(workflowId: string): Execution {
    let execution = this.#executions.get(workflowId);
    if (!execution) {
      execution = Execution.openEmpty(this.#hostFor(workflowId));
      this.#executions.set(workflowId, execution);
    }
    return execution;
  }

  /** @internal The execution of `workflowId`; throws WorkflowNotFoundError when it has no run. */
  existingExecution(workflowId: string): Execution {
    const execution = this.#executions.get(workflowId);
    if (!execution || execution.runIds().length === 0) throw new WorkflowNotFoundError(workflowId);
    return execution;
  }

  /** @internal */
  runOf(workflowId: string, runId?: string): WorkflowRun {
    const run = this.#executions.get(workflowId)?.runInMemory(runId);
    if (!run) throw new WorkflowNotFoundError(workflowId, runId);
    return run;
  }

  /** @internal The run after `run` in its continue-as-new chain, if any. */
  nextRunOf(run: WorkflowRun): WorkflowRun | undefined {
    const execution = this.#executions.get(run.workflowId);
    const next = execution?.nextRunIdOf(run.runId);
    return next === undefined ? undefined : execution!.runInMemory(next);
  }

  /** @internal Waits, skipping virtual time while nothing else happens, until `check` returns a value. */
  waitFor<T>(check: () => T | undefined): Promise<T> {
    return this.#waitUntil(check, 'skip');
  }

  /** @internal Awaits `promise` as awaiting a workflow's result does: time skips once nothing else is runnable. */
  skipTimeUntil<T>(promise: Promise<T>, workflowId?: string): Promise<T> {
    return this.#await(promise, 'skip', workflowId);
  }

  /**
   * @internal Awaits `promise` without driving anything (time moves only for the test's own waits); rejects with
   * WorkflowBlockedError once `workflowId`'s run is blocked while nothing else waits that could move it on.
   */
  flowUntil<T>(promise: Promise<T>, workflowId: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      promise.then((value) => ((settled = true), resolve(value)), (error: unknown) => ((settled = true), reject(error)));
      const look = () => {
        if (settled) return;
        try {
          if (this.#waits === 0) this.#throwIfBlockedForGood(workflowId, 'flow');
        } catch (error) {
          settled = true;
          return reject(error);
        }
        this.#progressWaiters.push(look);
      };
      this.#progressWaiters.push(look);
    });
  }

  /**
   * Waits until `check` returns a value. `skip` (awaiting a result, `env.sleep`): virtual time jumps to the next timer
   * once nothing else is runnable. `flow` (a start, a signal-with-start): time never jumps. Either way a running
   * activity attempt holds the clock: time then passes as real time does, as in Temporal's time-skipping server.
   */
  async #waitUntil<T>(check: () => T | undefined, mode: 'skip' | 'flow', watched?: string): Promise<T> {
    this.#waits++;
    try {
      for (;;) {
        const early = check();
        if (early !== undefined) return early;
        await this.#settle();
        const value = check();
        if (value !== undefined) return value;
        const next = this.#nextWakeAt();
        if (this.#attemptRunning()) await this.#letRealTimePass(next);
        else if (mode === 'skip' && next !== undefined) this.#advanceTo(next);
        else {
          if (watched !== undefined) this.#throwIfBlockedForGood(watched, mode);
          await this.#nextProgress();
        }
      }
    } finally {
      this.#waits--;
      this.#bump(); // another wait may have held back its verdict while this one could still change things
    }
  }

  /**
   * Nothing is left to happen, the watched workflow's run is blocked, and the test awaits nothing else that could
   * deploy other code (this is the only wait): waiting would never end, so say why. Skipping time, the run must be
   * past its retries; in flow, where time stands still, any block will do.
   */
  #throwIfBlockedForGood(workflowId: string, mode: 'skip' | 'flow'): void {
    if (this.#waits > 1) return;
    for (const run of this.#executions.get(workflowId)?.loadedRuns() ?? []) {
      const blocked = run.isClosed ? undefined : run.state.blocked;
      if (blocked && (mode === 'flow' || blocked.retryAt === undefined)) throw new WorkflowBlockedError(workflowId, run.runId, blocked.reason, blocked.message, blocked.failure);
    }
  }

  async #await<T>(promise: Promise<T>, mode: 'skip' | 'flow', watched?: string): Promise<T> {
    let settled: { value: T } | { error: unknown } | undefined;
    promise.then((value) => (settled = { value }), (error: unknown) => (settled = { error })).finally(() => this.#bump());
    const done = await this.#waitUntil(() => settled, mode, watched);
    if ('error' in done) throw done.error;
    return done.value;
  }

  /**
   * Whether an activity attempt (remote or local) is running: it holds the clock. An attempt its run no longer waits
   * for (timed out, cancelled, its run closed) does not, even if its function never returns.
   */
  #attemptRunning(): boolean {
    for (const { run, activityId, attempt } of this.#attempts.values()) {
      const activity = run.isClosed ? undefined : run.state.activities[activityId];
      if (activity?.attempt === attempt && activity.phase === 'running') return true;
    }
    for (const count of this.#localAttempts.values()) if (count > 0) return true;
    return false;
  }

  /** Lets a slice of real time pass (or less, if something happens) and moves the virtual clock by as much. */
  async #letRealTimePass(nextWakeAt: number | undefined): Promise<void> {
    const untilNext = nextWakeAt === undefined ? REAL_TIME_SLICE_MS : nextWakeAt - this.clock.now();
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        const index = this.#progressWaiters.indexOf(done);
        if (index >= 0) this.#progressWaiters.splice(index, 1);
        resolve();
      };
      const timer = setTimeout(done, Math.max(1, Math.min(REAL_TIME_SLICE_MS, untilNext)));
      this.#progressWaiters.push(done);
    });
    this.#advanceTo(this.clock.now() + Math.max(0, Date.now() - started));
  }

  #nextProgress(): Promise<void> {
    return new Promise<void>((resolve) => this.#progressWaiters.push(resolve));
  }

  /** @internal */
  history(workflowId: string, runId?: string): HistoryEvent[] {
    return this.store.history(this.runOf(workflowId, runId).runId);
  }

  /** @internal As `history`, also when payload codecs seal the store's rows. */
  async readHistory(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
    return this.store.readHistory(this.runOf(workflowId, runId).runId);
  }

  // ---- host ----

  /** The Workflow bindings' way in: each call awaited as a start is (time stands still, a run's first step runs). */
  readonly #bindingHost: BindingHost = {
    execution: (workflowId) => {
      const api = answering(this.execution(workflowId)) as unknown as Record<BindingMethod, (options: unknown) => Promise<unknown>>;
      const flowing = BINDING_METHODS.map((name) => [name, (options: unknown) => this.#await(api[name](options), 'flow')]);
      return Object.fromEntries(flowing) as ReturnType<BindingHost['execution']>;
    },
    payloads: () => this.payloads,
  };

  #hostFor(workflowId: string): ExecutionHost {
    return {
      workflowId,
      definitionOf: (workflowType) => this.#registry.get(workflowType, this.#environment),
      codeVersion: () => this.#codeVersion,
      payloadConverter: this.payloads.converter,
      ...(this.#blobLimits && { blobs: this.#blobLimits }),
      now: () => this.clock.now(),
      newId: () => crypto.randomUUID(),
      store: this.store.forWorkflow(workflowId),
      runLocalActivity: (command, run, keepLog) => {
        this.#localAttempts.set(run.runId, (this.#localAttempts.get(run.runId) ?? 0) + 1);
        return runLocalActivityAttempt(this.#activities, this.#activityClock, command, run, () => this.#bump(), keepLog, this.#blobLimits?.maxPayloadBytes)
          .finally(() => this.#localAttempts.set(run.runId, this.#localAttempts.get(run.runId)! - 1));
      },
      effects: (run, effects) => this.#carryOut(run, effects),
      ...(this.#onSpans && { spans: this.#onSpans }),
      report: (message, error) => console.error(`duro: ${message}`, ...(error === undefined ? [] : [error])),
      setTimer: (ms, fire) => (Number.isFinite(ms) ? this.clock.setTimer(this.clock.now() + ms, fire) : () => undefined),
    };
  }

  #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
    this.#bump();
    for (const effect of effects) {
      if (effect.type === 'dispatchActivity') {
        // The task carries the host's payload limit, as the Durable Object's dispatcher sends it to activity servers.
        const task = this.#blobLimits ? { ...effect.task, maxPayloadBytes: this.#blobLimits.maxPayloadBytes } : effect.task;
        const key = `${task.runId}:${task.activityId}:${task.attempt}`;
        const controller = new AbortController();
        this.#attempts.set(key, { controller, run, activityId: task.activityId, attempt: task.attempt });
        void runActivityAttempt(this.#activities, this.#activityClock, activityInfoOf(task, testTaskToken(task)), task, task.heartbeatDetails, controller, {
          heartbeat: (details) => run.heartbeat(task.activityId, task.attempt, details),
          onProgress: () => this.#bump(),
          keepLog: run.keepLog,
        }).then((outcome) => {
          this.#attempts.delete(key);
          if (!outcome) return;
          run.settleAttempt(task.activityId, task.attempt, outcome);
        });
      } else if (effect.type === 'cancelActivity') {
        this.#attempts.get(`${run.runId}:${effect.activityId}:${effect.attempt}`)?.controller.abort();
      }
    }
    sendEffects(run, effects, this.#send, this.#firstRunIdOf, () => this.clock.now());
  }

  /** Messages to other executions: a call here, answered as the Durable Object host answers over RPC. */
  readonly #send: Send = (key, deliver) => {
    if (this.#sending.has(key)) return;
    this.#sending.add(key);
    deliver((workflowId) => answering(this.execution(workflowId)))
      .catch((error: unknown) => {
        console.error(`duro: delivery of ${key} failed; sending it again in ${RESEND_AFTER_MS} ms of virtual time`, error);
        this.clock.setTimer(this.clock.now() + RESEND_AFTER_MS, () => {
          for (const execution of this.#executions.values()) for (const owing of execution.loadedRuns()) this.#resend(owing);
        });
      })
      .finally(() => {
        this.#sending.delete(key);
        this.#bump();
      });
  };

  #resend(run: WorkflowRun): void {
    sendOutbox(run, this.#send, this.#firstRunIdOf, () => this.clock.now());
  }

  readonly #firstRunIdOf = (run: WorkflowRun): string => this.#executions.get(run.workflowId)?.firstRunIdOf(run) ?? run.runId;

  #openRuns(): WorkflowRun[] {
    const runs: WorkflowRun[] = [];
    for (const execution of this.#executions.values()) for (const run of execution.loadedRuns()) if (!run.isClosed) runs.push(run);
    return runs;
  }

  #nextWakeAt(): number | undefined {
    let min = this.clock.nextTimerAt();
    const scheduled = this.schedules.nextWakeAt();
    if (scheduled !== undefined && (min === undefined || scheduled < min)) min = scheduled;
    for (const run of this.#openRuns()) {
      const at = run.nextWakeAt();
      // Already due while the run is busy (its deadlines request waits in its queue): taking it as the next wake
      // would hold time still until the step ends (engine.property.test.ts).
      if (at !== undefined && at <= this.clock.now() && run.isProcessing) continue;
      if (at !== undefined && (min === undefined || at < min)) min = at;
    }
    return min;
  }

  #advanceTo(time: number): void {
    this.clock.advanceTo(time);
    this.schedules.fireDue();
    for (const execution of this.#executions.values()) execution.wake();
    this.#bump();
  }

  /** Lets in-process work run until nothing has happened for several event-loop turns. */
  async #settle(): Promise<void> {
    let quietTurns = 0;
    let seen = this.#progress;
    while (quietTurns < 8) {
      await yieldMacrotask();
      // A run still stepping (e.g. replaying after an eviction) is busy, not waiting for time: skipping time now would
      // fire deadlines its step should see first (engine.property.test.ts). Local attempts run outside its steps.
      const working = this.#openRuns().some((run) => run.isProcessing);
      if (this.#progress === seen && !working) quietTurns++;
      else {
        seen = this.#progress;
        quietTurns = 0;
      }
    }
  }

  #bump(): void {
    this.#progress++;
    const waiters = this.#progressWaiters.splice(0);
    for (const waiter of waiters) waiter();
  }
}

/** What a Workflow binding asks of an execution (BindingHost). */
const BINDING_METHODS = ['start', 'describe', 'result', 'history', 'signal', 'query', 'terminate', 'cancel', 'pause', 'unpause', 'reset'] as const satisfies ReadonlyArray<keyof ReturnType<BindingHost['execution']>>;
type BindingMethod = (typeof BINDING_METHODS)[number];
