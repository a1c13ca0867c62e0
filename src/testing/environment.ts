// TestWorkflowEnvironment: the engine on an in-memory host with a virtual clock (time skipping).
// Workflows, activities, children and messages behave as on the Durable Object host; only time is fake.
import { collectActivities, type ActivityImplementations } from '../core/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../core/client-errors';
import { WorkflowRegistry, type SignalDefinition, type WorkflowDefinition, type WorkflowInput, type WorkflowOutput } from '../core/definitions';
import { optionalMs, toMs, type Duration } from '../core/duration';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../core/failure';
import type { HistoryEvent, Outcome, WorkflowExecutionStarted } from '../core/history';
import { activityInfoOf, badResetPoint, blockedOnOtherCode, nextRunOf, planReset, startParamsOf, WorkflowClosedError, WorkflowRun, type CarriedSignal, type RunEffect, type RunHost } from '../core/internals';
import { yieldMacrotask } from '../core/scheduling';
import { runActivityAttempt, runLocalActivityAttempt } from '../core/activity-execution';
import { testTaskToken } from './task-token';
import { TestWorkflowHandle } from './handle';
import type { HandleEnvironment } from './handle-environment';
import { MemoryRunStore } from './memory-store';
import { VirtualClock } from './virtual-clock';
import { definedFields as defined } from '../core/objects';
import { TestSchedules } from './schedules';
import type { InProcessStartOptions } from '../core/start-options';
import { resolveRetryPolicy } from '../core/retry-policy';

export interface TestEnvironmentOptions {
  /** Workflow definitions: a module object (`import * as workflows`) or an array. */
  workflows?: Record<string, unknown> | WorkflowDefinition[];
  /** Activity implementations by name (`import * as activities`). */
  activities?: Record<string, unknown>;
  /** Virtual start time (ms since epoch or a Date). Default: now. */
  startTime?: number | Date;
  /** Code version recorded with blocked runs. */
  codeVersion?: string;
}

export type StartOptions<I = unknown> = InProcessStartOptions<I>;

type StartParams = Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>;

/** All runs of one workflow id, oldest first (continue-as-new chain and reuse after close). */
interface Execution {
  runs: WorkflowRun[];
  params: Map<string, StartParams>;
}

/**
 * @example
 * const env = await TestWorkflowEnvironment.create({ workflows, activities });
 * const handle = await env.start(reminder, { input: { days: 30 } });
 * expect(await handle.result()).toBe('sent'); // 30 virtual days, milliseconds of real time
 */
export class TestWorkflowEnvironment implements HandleEnvironment {
  readonly clock: VirtualClock;
  readonly store: MemoryRunStore;
  #registry: WorkflowRegistry;
  #activities: ActivityImplementations;
  readonly #executions = new Map<string, Execution>();
  readonly #attempts = new Map<string, AbortController>();
  /** Local activity attempts running, by run id: a run waiting on one may be waiting for virtual time. */
  readonly #localAttempts = new Map<string, number>();
  readonly #host: RunHost;
  /** Schedules on the virtual clock (`createSchedule`). */
  readonly schedules = new TestSchedules({
    now: () => this.clock.now(),
    start: (workflowType, workflowId, input, searchAttributes) => {
      const current = this.#executions.get(workflowId)?.runs.at(-1);
      // rejectDuplicate: an action id is used once, open or closed.
      if (current) throw new WorkflowExecutionAlreadyStartedError(workflowId, current.runId);
      this.#startRun(workflowType, workflowId, input, { searchAttributes });
    },
    isRunning: (workflowId) => this.#executions.get(workflowId)?.runs.at(-1)?.isClosed === false,
    hasWorkflowType: (name) => this.#registry.has(name),
  });
  #progress = 0;
  #ids = 0;
  #progressWaiters: Array<() => void> = [];

  private constructor(options: TestEnvironmentOptions) {
    const start = options.startTime instanceof Date ? options.startTime.getTime() : (options.startTime ?? Date.now());
    this.clock = new VirtualClock(start);
    this.store = new MemoryRunStore(() => this.#bump());
    this.#registry = new WorkflowRegistry((options.workflows ?? {}) as Record<string, unknown>);
    this.#activities = collectActivities(options.activities);
    const host: RunHost = {
      now: () => this.clock.now(),
      newRunId: () => crypto.randomUUID(),
      store: this.store,
      runLocalActivity: (command, run) => {
        this.#localAttempts.set(run.runId, (this.#localAttempts.get(run.runId) ?? 0) + 1);
        return runLocalActivityAttempt(this.#activities, this.clock, command, run, () => this.#bump())
          .finally(() => this.#localAttempts.set(run.runId, this.#localAttempts.get(run.runId)! - 1));
      },
      effects: (run, effects) => this.#carryOut(run, effects),
    };
    if (options.codeVersion !== undefined) host.codeVersion = options.codeVersion;
    this.#host = host;
  }

  static async create(options: TestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return new TestWorkflowEnvironment(options);
  }

  /** Replaces workflow definitions, as a deploy of new code would; open runs replay under them when next evicted. */
  deploy(options: { workflows?: Record<string, unknown> | WorkflowDefinition[]; activities?: Record<string, unknown>; codeVersion?: string }): void {
    if (options.workflows) this.#registry = new WorkflowRegistry(options.workflows as Record<string, unknown>);
    if (options.activities) this.#activities = collectActivities(options.activities);
    if (options.codeVersion !== undefined) this.#host.codeVersion = options.codeVersion;
    for (const execution of this.#executions.values()) {
      for (const [index, run] of execution.runs.entries()) {
        if (run.isClosed) continue;
        const definition = this.#registry.get(run.state.workflowType);
        if (!definition) continue;
        const replacement = WorkflowRun.load(run.state, definition, this.#host);
        execution.runs[index] = replacement;
        if (blockedOnOtherCode(replacement.state, this.#host.codeVersion)) replacement.unblock();
      }
    }
  }

  now(): number {
    return this.clock.now();
  }

  /** Skips `duration` of virtual time, firing every timer and timeout due on the way, in order. */
  async sleep(duration: Duration): Promise<void> {
    const target = this.clock.now() + toMs(duration);
    for (;;) {
      await this.#settle();
      const next = this.#nextWakeAt();
      if (next === undefined || next > target) break;
      this.#advanceTo(next);
    }
    this.clock.advanceTo(target);
    await this.#settle();
  }

  async start<W extends WorkflowDefinition>(workflow: W | string, options: StartOptions<WorkflowInput<W>> = {}, carriedSignals: CarriedSignal[] = []): Promise<TestWorkflowHandle<W>> {
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    const workflowId = options.workflowId ?? `${workflowType}-${++this.#ids}`;
    const run = this.#startRun(workflowType, workflowId, options.input, {
      ...(options.memo && { memo: options.memo }),
      ...(options.searchAttributes && { searchAttributes: options.searchAttributes }),
      ...(options.retryPolicy && { retryPolicy: resolveRetryPolicy(options.retryPolicy) }),
      ...defined({ runTimeoutMs: optionalMs(options.runTimeout), executionTimeoutMs: optionalMs(options.executionTimeout) }),
    }, carriedSignals, optionalMs(options.startDelay) ?? 0);
    // Skip time while waiting: a first activation blocked on a local activity may need the clock to move (local-activities.test.ts).
    let idle = false;
    void run.idle().then(() => (idle = true));
    await this.waitFor(() => (idle ? true : undefined));
    return new TestWorkflowHandle<W>(this, workflowId, run.runId);
  }

  /** Signals the running workflow of `options.workflowId`, or starts it with the signal delivered first. */
  async signalWithStart<W extends WorkflowDefinition, Args extends unknown[]>(
    workflow: W | string,
    options: StartOptions<WorkflowInput<W>> & { workflowId: string; requestId?: string },
    signal: SignalDefinition<Args> | string,
    ...args: Args
  ): Promise<{ handle: TestWorkflowHandle<W>; started: boolean }> {
    const signalName = typeof signal === 'string' ? signal : signal.name;
    const current = this.#executions.get(options.workflowId)?.runs.at(-1);
    if (current && !current.isClosed) {
      await current.signal(signalName, args, options.requestId);
      return { handle: new TestWorkflowHandle<W>(this, options.workflowId, current.runId), started: false };
    }
    const { requestId, ...startOptions } = options;
    return { handle: await this.start(workflow, startOptions as StartOptions<WorkflowInput<W>>, [{ signalName, args, ...(requestId !== undefined && { requestId }) }]), started: true };
  }

  /** Starts a workflow and waits for its result (skipping time). */
  async execute<W extends WorkflowDefinition>(workflow: W | string, options: StartOptions<WorkflowInput<W>> = {}): Promise<WorkflowOutput<W>> {
    const handle = await this.start(workflow, options);
    return handle.result();
  }

  getHandle(workflowId: string, runId?: string): TestWorkflowHandle {
    if (!this.#executions.has(workflowId)) throw new WorkflowNotFoundError(workflowId);
    return new TestWorkflowHandle(this, workflowId, runId ?? this.#executions.get(workflowId)!.runs[0]!.runId);
  }

  /** Drops the in-memory workflow of every open run (or of one workflow id): the next input replays history. */
  evict(workflowId?: string): void {
    for (const [id, execution] of this.#executions) {
      if (workflowId === undefined || id === workflowId) for (const run of execution.runs) run.evict();
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
    this.#report(run, activityId, attempt, outcome);
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
    const old = this.runOf(workflowId, runId);
    await old.idle();
    const history = this.store.history(old.runId);
    const problem = badResetPoint(history, eventId);
    if (problem) throw ApplicationFailure.nonRetryable(problem, 'BadResetPoint');
    const definition = this.#registry.get(old.state.workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${old.state.workflowType}'`, 'WorkflowTypeNotFound');
    if (!old.isClosed) await old.terminate(`reset: ${reason}`).catch(ignoreClosed);
    const current = this.runOf(workflowId);
    if (current !== old && !current.isClosed) await current.terminate(`reset: ${reason}`).catch(ignoreClosed);
    const plan = planReset(history, eventId, crypto.randomUUID(), this.clock.now());
    const run = await WorkflowRun.fromReset(plan, definition, this.#host);
    const execution = this.#executions.get(workflowId)!;
    execution.runs.push(run);
    execution.params.set(run.runId, startParamsOf(plan.events[0] as WorkflowExecutionStarted));
    this.#bump();
    return run.runId;
  }

  /** @internal */
  runOf(workflowId: string, runId?: string): WorkflowRun {
    const execution = this.#executions.get(workflowId);
    const run = runId === undefined ? execution?.runs.at(-1) : execution?.runs.find((r) => r.runId === runId);
    if (!run) throw new WorkflowNotFoundError(workflowId, runId);
    return run;
  }

  /** @internal The run after `run` in its continue-as-new chain, if any. */
  nextRunOf(run: WorkflowRun): WorkflowRun | undefined {
    const runs = this.#executions.get(run.workflowId)?.runs ?? [];
    const index = runs.indexOf(run);
    const next = runs[index + 1];
    return next && next.state.workflowId === run.workflowId && this.#executions.get(run.workflowId)!.params.get(next.runId)?.continuedFromRunId === run.runId ? next : undefined;
  }

  /** @internal Waits, skipping virtual time while nothing else happens, until `check` returns a value. */
  async waitFor<T>(check: () => T | undefined): Promise<T> {
    for (;;) {
      const early = check();
      if (early !== undefined) return early;
      await this.#settle();
      const value = check();
      if (value !== undefined) return value;
      const next = this.#nextWakeAt();
      if (next === undefined) await new Promise<void>((resolve) => this.#progressWaiters.push(resolve));
      else this.#advanceTo(next);
    }
  }

  /** @internal */
  history(workflowId: string, runId?: string): HistoryEvent[] {
    return this.store.history(this.runOf(workflowId, runId).runId);
  }

  // ---- host ----

  #startRun(workflowType: string, workflowId: string, input: unknown, extra: Partial<StartParams>, carriedSignals: CarriedSignal[] = [], startDelayMs = 0): WorkflowRun {
    const definition = this.#registry.get(workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${workflowType}' (registered: ${this.#registry.names().join(', ') || 'none'})`, 'WorkflowTypeNotFound');
    const execution: Execution = this.#executions.get(workflowId) ?? { runs: [], params: new Map() };
    const current = execution.runs.at(-1);
    if (current && !current.isClosed && extra.continuedFromRunId === undefined) throw new WorkflowExecutionAlreadyStartedError(workflowId, current.runId);
    const runId = extra.runId ?? crypto.randomUUID();
    const params: StartParams = {
      workflowType, workflowId, runId, input,
      randomnessSeed: crypto.randomUUID(),
      attempt: 1,
      firstRunId: runId,
      ...extra,
    };
    if (params.executionTimeoutMs !== undefined && params.executionDeadline === undefined) params.executionDeadline = this.clock.now() + params.executionTimeoutMs;
    const run = WorkflowRun.start(params, definition, this.#host, carriedSignals, startDelayMs);
    execution.runs.push(run);
    execution.params.set(runId, params);
    this.#executions.set(workflowId, execution);
    this.#bump();
    return run;
  }

  #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
    this.#bump();
    for (const effect of effects) {
      switch (effect.type) {
        case 'dispatchActivity': {
          const { task } = effect;
          const key = `${task.runId}:${task.activityId}:${task.attempt}`;
          const controller = new AbortController();
          this.#attempts.set(key, controller);
          void runActivityAttempt(this.#activities, this.clock, activityInfoOf(task, testTaskToken(task)), task.input, task.heartbeatDetails, controller, {
            heartbeat: (details) => run.heartbeat(task.activityId, task.attempt, details),
            onProgress: () => this.#bump(),
          }).then((outcome) => {
            this.#attempts.delete(key);
            if (outcome) this.#report(run, task.activityId, task.attempt, outcome);
          });
          break;
        }
        case 'cancelActivity':
          this.#attempts.get(`${run.runId}:${effect.activityId}:${effect.attempt}`)?.abort();
          break;
        case 'startChild':
          this.#startChild(run, effect);
          break;
        case 'external':
          void this.#deliverExternal(run, effect.request);
          break;
        case 'closed':
          this.#onClosed(run, effect);
          break;
      }
    }
  }

  #report(run: WorkflowRun, activityId: string, attempt: number, outcome: Outcome): void {
    if ('result' in outcome) run.activityCompleted(activityId, attempt, outcome.result);
    else run.activityFailed(activityId, attempt, outcome.failure);
  }

  #startChild(parent: WorkflowRun, effect: Extract<RunEffect, { type: 'startChild' }>): void {
    const { child } = effect;
    try {
      const run = this.#startRun(child.workflowType, child.workflowId, child.input, {
        parent: { workflowId: parent.workflowId, runId: parent.runId, seq: child.seq },
        ...(child.options.memo && { memo: child.options.memo }),
        ...(child.options.searchAttributes && { searchAttributes: child.options.searchAttributes }),
        ...(child.options.retryPolicy && { retryPolicy: child.options.retryPolicy }),
        ...defined({ runTimeoutMs: child.options.runTimeoutMs, executionTimeoutMs: child.options.executionTimeoutMs }),
      });
      parent.deliver({ type: 'ChildWorkflowStarted', seq: child.seq, workflowId: child.workflowId, runId: run.runId });
    } catch (error) {
      parent.deliver({ type: 'ChildWorkflowStartFailed', seq: child.seq, workflowId: child.workflowId, failure: toFailureInfo(error) });
    }
  }

  async #deliverExternal(source: WorkflowRun, request: Extract<RunEffect, { type: 'external' }>['request']): Promise<void> {
    const done = request.kind === 'signal' ? 'ExternalSignalDelivered' : 'ExternalCancelDelivered';
    const failed = request.kind === 'signal' ? 'ExternalSignalFailed' : 'ExternalCancelFailed';
    // As the Durable Object host answers: a closed target refuses a signal and needs no cancel; a run that closed
    // while the message waited hands it over to the next run when the message names no run.
    try {
      for (let handOvers = 0; ; handOvers++) {
        const target = this.runOf(request.workflowId, request.runId);
        if (target.isClosed && request.kind === 'cancel') break;
        if (target.isClosed) throw new WorkflowClosedError(request.workflowId, target.state.status);
        try {
          if (request.kind === 'signal') await target.signal(request.signalName!, request.args ?? [], `${source.runId}:${request.seq}`);
          else await target.cancel(`requested by ${source.workflowId}`);
          break;
        } catch (error) {
          const handedOver = error instanceof WorkflowClosedError && request.runId === undefined && this.runOf(request.workflowId) !== target && handOvers < 10;
          if (!handedOver) throw error;
        }
      }
      source.deliver({ type: done, seq: request.seq });
    } catch (error) {
      const failure = toFailureInfo(
        error instanceof WorkflowNotFoundError ? ApplicationFailure.nonRetryable(error.message, 'WorkflowNotFound')
          : error instanceof WorkflowClosedError ? ApplicationFailure.nonRetryable(error.message, 'WorkflowClosed')
            : error,
      );
      source.deliver({ type: failed, seq: request.seq, failure });
    }
  }

  #onClosed(run: WorkflowRun, effect: Extract<RunEffect, { type: 'closed' }>): void {
    const { closeEvent, outcome } = effect;
    const params = this.#executions.get(run.workflowId)!.params.get(run.runId)!;
    const next = nextRunOf(params, run.state, closeEvent, crypto.randomUUID());
    if (next) {
      this.#startRun(run.state.workflowType, run.workflowId, next.params.input, next.params, next.carriedSignals, Math.max(0, next.startAt - this.clock.now()));
    } else if (params.parent) {
      const parent = this.#executions.get(params.parent.workflowId)?.runs.find((r) => r.runId === params.parent!.runId);
      if (parent && !parent.isClosed) {
        const childOutcome = 'result' in outcome && outcome.status === 'completed' ? { result: outcome.result } : { failure: outcome.failure! };
        parent.deliver({ type: 'ChildWorkflowClosed', seq: params.parent.seq, workflowId: run.workflowId, runId: run.runId, status: outcome.status as 'completed', outcome: childOutcome });
      }
    }
    for (const child of effect.children) {
      const target = this.#executions.get(child.workflowId)?.runs.at(-1);
      if (!target || target.isClosed) continue;
      if (child.parentClosePolicy === 'TERMINATE') void target.terminate(`parent ${run.workflowId} closed`).catch(ignoreClosed);
      else if (child.parentClosePolicy === 'REQUEST_CANCEL') void target.cancel(`parent ${run.workflowId} closed`).catch(ignoreClosed);
    }
  }

  #openRuns(): WorkflowRun[] {
    const runs: WorkflowRun[] = [];
    for (const execution of this.#executions.values()) for (const run of execution.runs) if (!run.isClosed) runs.push(run);
    return runs;
  }

  #nextWakeAt(): number | undefined {
    let min = this.clock.nextTimerAt();
    const scheduled = this.schedules.nextWakeAt();
    if (scheduled !== undefined && (min === undefined || scheduled < min)) min = scheduled;
    for (const run of this.#openRuns()) {
      const at = run.nextWakeAt();
      // Already due while the run is busy (its deadlines request waits in its queue, maybe behind a local activity that
      // needs the clock to move): taking it as the next wake would hold time still for good (engine.property.test.ts).
      if (at !== undefined && at <= this.clock.now() && run.isProcessing) continue;
      if (at !== undefined && (min === undefined || at < min)) min = at;
    }
    return min;
  }

  #advanceTo(time: number): void {
    this.clock.advanceTo(time);
    this.schedules.fireDue();
    for (const run of this.#openRuns()) {
      const at = run.nextWakeAt();
      if (at !== undefined && at <= this.clock.now()) run.fireDeadlines();
    }
    this.#bump();
  }

  /** Lets in-process work run until nothing has happened for several event-loop turns. */
  async #settle(): Promise<void> {
    let quietTurns = 0;
    let seen = this.#progress;
    while (quietTurns < 8) {
      await yieldMacrotask();
      // A run still stepping with no local activity to wait for (e.g. replaying after an eviction) is busy, not
      // waiting for time: skipping time now would fire deadlines its step should see first (engine.property.test.ts).
      const working = this.#openRuns().some((run) => run.isProcessing && !this.#localAttempts.get(run.runId));
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

/** A terminate or cancel the environment sends on its own behalf: a run that closed first needs none. */
function ignoreClosed(error: unknown): void {
  if (!(error instanceof WorkflowClosedError)) throw error;
}
