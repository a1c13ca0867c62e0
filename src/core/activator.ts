// The activator: runs one workflow function, turns its calls into commands and delivers results back.
// One sequence counter and one map of pending completions per command kind (Temporal's internals.ts):
// the per-kind seq is what lets replay match commands to history and detect non-determinism.
// Signal, query and update handlers live in message-handlers.ts; the activator delegates to them.
import { leaveWithoutAsyncContext, runAsWorkflow, runAsWorkflowSynchronously, runInUpdate, runOutsideWorkflow } from './ambient';
import { AmbientRun } from './ambient-run';
import { builtInQueryAnswer, type BuiltInQueryView } from './built-in-queries';
import { CancellationScope } from './cancellation-scope';
import type { Command, LocalActivityCommand, LocalActivityCommandOptions } from './commands';
import type { ContextActivator, InlineLocalActivity } from './context-activator';
import type { ChildCancellationType, UpdateHandlerOptions, WorkflowContext, WorkflowInfo } from './context';
import { isErrorOfType, type WorkflowDefinition } from './definitions';
import { installDeterminismGuards } from './determinism-guards';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  DuroFailure,
  fromFailureInfo,
  isCancellation,
  toFailureInfo,
  type FailureInfo,
} from './failure';
import type { ActivityCancellationType, Outcome, RecordedActivityOptions, RecordedChildOptions, SearchAttributes, WorkflowExecutionStarted } from './history';
import { EngineFlag, EngineFlags } from './engine-flags';
import { Limits } from './limits';
import type { KeepLogLine } from './log';
import { runTrace } from './tracing/trace-context';
import { MessageHandlers, resultOutcome, type Handler, type UpdateOffer } from './message-handlers';
import { checkName, NameKind } from './names';
import { upserted } from './objects';
import { checkSearchAttributes, checkPayload } from './payload';
import { RunPayloads } from './payloads/run-payloads';
import { seededRandom, uuidFrom, type RandomSource } from './random';
import { nextRetryDelay } from './retry-policy';
import { createWorkflowContext } from './workflow-context';
import { ContinueAsNewRequest, UnexpectedCompletionError, WorkflowTaskError } from './workflow-errors';

export { ContinueAsNewRequest, DeterminismViolationError, QueryNotFoundError, UnexpectedCompletionError, WorkflowTaskError } from './workflow-errors';

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
  /**
   * Removes its listener from its cancellation scope once it settled otherwise: a long run's scope would keep one per
   * timer, activity, condition and child it ever awaited.
   */
  release?: () => void;
}

interface PendingActivity extends Waiter<unknown> {
  activityType: string;
  seq: number;
}

interface PendingChild {
  workflowType: string;
  workflowId: string;
  runId?: string;
  start: Waiter<string>;
  result: Waiter<unknown>;
  /** See `Waiter.release`. */
  release?: () => void;
}

interface Condition extends Waiter<void> {
  fn: () => boolean;
}

/** Values an activation recorded that replay must hand back synchronously. */
export interface ReplayData {
  patches: ReadonlySet<string>;
  sideEffects: ReadonlyMap<number, unknown>;
}

export class Activator implements ContextActivator {
  readonly keepLog: KeepLogLine;
  readonly traceId: string;
  /** Commands issued since the driver last took them, in order. */
  readonly commands: Command[] = [];
  /** Activation time; the driver sets it before each activation. */
  now: number;
  isReplaying = false;
  /** Engine fixes this run relies on (recorded in history, so replay sees what the run saw). */
  readonly flags = new EngineFlags();
  /** What the activation being replayed recorded, needed at the moment of the call (set by the driver). */
  replayData: ReplayData = { patches: new Set(), sideEffects: new Map() };
  historyLength = 0;
  historySizeBytes = 0;
  /** The workflow function has settled (completed, failed, cancelled or continued as new). */
  completed = false;

  readonly rootScope: CancellationScope;
  readonly #definition: WorkflowDefinition;
  readonly #started: WorkflowExecutionStarted;
  readonly #random: RandomSource;
  #searchAttributes: SearchAttributes;
  #memo: Record<string, unknown>;
  #cancelRequested = false;
  /** Why the activation running now must fail as a workflow task (an error that is not a Duro failure), if it must. */
  #taskFailure: WorkflowTaskError | undefined;
  /** A rejection workflow code left unhandled in the activation that just ended (live), for `takeTaskFailure`. */
  #unhandledAtEnd: { reason: unknown } | undefined;
  #rootContextValue: WorkflowContext | undefined;
  /** This run as Math.random, Date and setTimeout in its workflow code see it (determinism-guards.ts). */
  readonly #ambient: AmbientRun;

  readonly #seq = { activity: 0, timer: 0, local: 0, child: 0, external: 0, sideEffect: 0 };
  readonly #activities = new Map<string, PendingActivity>();
  readonly #timers = new Map<string, Waiter<void>>();
  /** Timers whose TimerFired is among the inputs being delivered: cancelling one must not record TimerCanceled too. */
  readonly #timersFiring = new Set<string>();
  /** Local activity attempts awaiting their outcome, with the command that asked for each (a host runs it again after a restart). */
  readonly #localActivities = new Map<number, Waiter<Outcome> & { command: LocalActivityCommand }>();
  readonly #children = new Map<number, PendingChild>();
  /** Children whose start the current activation issued: cancelled before it ends, they are never started. */
  readonly #childrenStartedNow = new Set<number>();
  /** Children cancelled so: the driver leaves their starts out of the activation's events (live) or history (replay). */
  readonly unsentChildren = new Set<number>();
  readonly #externals = new Map<number, Waiter<void>>();
  readonly #patches = new Map<string, boolean>();
  readonly #conditions: Condition[] = [];
  readonly #messages = new MessageHandlers({
    isCompleted: () => this.completed,
    push: (command) => this.#push(command),
    failWorkflow: (error) => this.#failWith(error),
    rejectsUpdate: (error) => !this.#failsTaskOnly(error) || (this.#failTask(error), false),
    writePayload: (value, what) => this.#write(value, what, true), // update and query results go to the caller
    readArgs: (args) => this.payloads.readArgs(args),
    looksUpHandlerPerSignal: () => this.flags.use(EngineFlag.SignalHandlerLookup, this.isReplaying),
    updatesWaitForHandler: () => this.flags.use(EngineFlag.UpdatesWaitForHandler, this.isReplaying),
  });

  /** How this run writes and reads payloads (its recorded format, the host's converter). */
  readonly payloads: RunPayloads;

  /**
   * `keepLog` takes each line the workflow's `ctx.log` writes (never while replaying), for the run's kept lines.
   * Values are written with the converter the start event records (decision 019), live and in replay alike.
   */
  /** `maxPayloadBytes`: the host's payload limit (larger with a blob store); absent, Limits.maxPayloadBytes. */
  constructor(definition: WorkflowDefinition, started: WorkflowExecutionStarted, keepLog?: KeepLogLine, maxPayloadBytes?: number) {
    this.#definition = definition;
    this.payloads = RunPayloads.of(started, maxPayloadBytes);
    this.keepLog = keepLog ?? ignoreLine;
    this.traceId = runTrace(started).traceId;
    this.#started = started;
    this.now = started.timestamp;
    this.#random = seededRandom(started.randomnessSeed);
    this.#searchAttributes = { ...started.searchAttributes };
    this.#memo = { ...started.memo };
    this.rootScope = CancellationScope.createRoot((scope) => createWorkflowContext(this, scope), {
      scopeOutlivesRun: () => this.flags.use(EngineFlag.ScopeOutlivesRun, this.isReplaying),
      releasesIdleScopes: () => this.flags.use(EngineFlag.ReleasesIdleScopes, this.isReplaying),
      nonCancellableIgnoresCancel: () => this.flags.use(EngineFlag.NonCancellableIgnoresCancel, this.isReplaying),
    });
    this.#ambient = new AmbientRun({
      now: () => this.now,
      isReplaying: () => this.isReplaying,
      completed: () => this.completed,
      flags: this.flags,
      isReadOnly: () => this.#messages.isReadOnly,
      drawRandom: () => this.#random(),
      startTimer: (scope, durationMs) => this.startTimer(scope, durationMs),
      rootContext: () => this.#rootContext(),
    });
    installDeterminismGuards();
  }

  /** Runs `fn` as this workflow's code: `Math.random`, `Date` and `setTimeout` in it, and all it awaits, are this run's. */
  enter<T>(fn: () => T): T {
    return runAsWorkflow(this.#ambient, this.#rootContext(), fn);
  }

  // ---- jobs: delivered by the driver between drains ----

  /** A new activation begins: the commands issued from here on are its own. */
  beginActivation(): void {
    this.#childrenStartedNow.clear();
    this.unsentChildren.clear();
    this.#ambient.beginActivation();
  }

  /** The activation's code is blocked: what it left unhandled is kept for `takeTaskFailure`. */
  endActivation(): void {
    leaveWithoutAsyncContext();
    this.#unhandledAtEnd = this.#ambient.endActivation();
  }

  /** Calls the workflow function. */
  startWorkflow(): void {
    const ctx = this.#rootContext();
    this.enter(() => {
      let promise: Promise<unknown>;
      try {
        promise = Promise.resolve(this.#definition.fn(ctx, this.payloads.read(this.#started.input)));
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (result) => this.#completeWith(result),
        (error) => this.#failWith(error),
      );
    });
  }

  resolveActivity(activityId: string, outcome: Outcome): void {
    this.#assertIssued('activity', Number(activityId));
    const pending = this.#activities.get(activityId);
    if (!pending) return; // abandoned or cancelled with TRY_CANCEL: the late outcome is ignored
    this.#activities.delete(activityId);
    pending.release?.();
    if ('result' in outcome) this.#settle(pending, () => this.payloads.read(outcome.result));
    else pending.reject(this.#failureOf(outcome.failure));
  }

  /** A recorded failure as workflow code gets it (a timeout's heartbeat details read); as recorded if they do not read. */
  #failureOf(info: FailureInfo): Error {
    try {
      return fromFailureInfo(this.payloads.readFailure(info));
    } catch {
      return fromFailureInfo(info);
    }
  }

  /** Resolves with a decoded payload, or rejects with why it cannot be read (an encoding this version does not know). */
  #settle(waiter: { resolve(value: unknown): void; reject(error: unknown): void }, decode: () => unknown): void {
    let value: unknown;
    try {
      value = decode();
    } catch (error) {
      waiter.reject(error);
      return;
    }
    waiter.resolve(value);
  }

  /** The activity confirmed its cancellation (in `attempt`, which the recorded event names). */
  activityCanceled(activityId: string, attempt: number, details?: unknown): void {
    this.#assertIssued('activity', Number(activityId));
    const pending = this.#activities.get(activityId);
    if (!pending) return;
    this.#activities.delete(activityId);
    pending.release?.();
    const named = this.flags.use(EngineFlag.CancelledActivityAttempt, this.isReplaying) ? attempt : 0;
    pending.reject(new ActivityFailure('Activity cancelled', pending.activityType, activityId, named, new CancelledFailure('Activity cancelled', details)));
  }

  /** Called before an activation's inputs are delivered, for each TimerFired among them. */
  markTimerFiring(timerId: string): void {
    this.#timersFiring.add(timerId);
  }

  fireTimer(timerId: string): void {
    this.#assertIssued('timer', Number(timerId));
    this.#timersFiring.delete(timerId);
    const waiter = this.#timers.get(timerId);
    if (!waiter) return;
    this.#timers.delete(timerId);
    waiter.release?.();
    waiter.resolve();
  }

  resolveLocalActivity(seq: number, outcome: Outcome): void {
    this.#assertIssued('local', seq);
    const waiter = this.#localActivities.get(seq);
    if (!waiter) return;
    this.#localActivities.delete(seq);
    waiter.resolve(outcome);
  }

  /** Every local activity attempt issued that awaits its outcome. */
  pendingLocalActivities(): LocalActivityCommand[] {
    return [...this.#localActivities.values()].map((waiter) => waiter.command);
  }

  /** The local activity attempt with this seq that was issued and awaits its outcome, if any. */
  pendingLocalActivity(seq: number): LocalActivityCommand | undefined {
    return this.#localActivities.get(seq)?.command;
  }

  childStarted(seq: number, runId: string): void {
    this.#assertIssued('child', seq);
    const child = this.#children.get(seq);
    if (!child) return;
    child.runId = runId;
    child.start.resolve(runId);
  }

  childStartFailed(seq: number, failure: FailureInfo): void {
    this.#assertIssued('child', seq);
    const child = this.#children.get(seq);
    if (!child) return;
    this.#children.delete(seq);
    child.release?.();
    const error = new ChildWorkflowFailure(`Child workflow ${child.workflowId} could not start: ${failure.message}`, child.workflowType, child.workflowId, undefined, fromFailureInfo(failure));
    child.start.reject(error);
    child.result.reject(error);
  }

  childClosed(seq: number, runId: string, status: string, outcome: Outcome): void {
    this.#assertIssued('child', seq);
    const child = this.#children.get(seq);
    if (!child) return;
    this.#children.delete(seq);
    child.release?.();
    // The close can overtake the start's acknowledgement (they travel separately): the child did start.
    if (child.runId === undefined) {
      child.runId = runId;
      child.start.resolve(runId);
    }
    if ('result' in outcome) this.#settle(child.result, () => this.payloads.read(outcome.result));
    else child.result.reject(new ChildWorkflowFailure(`Child workflow ${status}`, child.workflowType, child.workflowId, runId, this.#failureOf(outcome.failure)));
  }

  externalDone(seq: number, failure?: FailureInfo): void {
    this.#assertIssued('external', seq);
    const waiter = this.#externals.get(seq);
    if (!waiter) return;
    this.#externals.delete(seq);
    if (failure) waiter.reject(fromFailureInfo(failure));
    else waiter.resolve();
  }

  /**
   * A completion for a command issued earlier and no longer awaited (cancelled with TRY_CANCEL, abandoned, its scope
   * gone) is dropped by the callers; one for a command never issued is a fault, never dropped silently.
   */
  #assertIssued(kind: 'activity' | 'timer' | 'local' | 'child' | 'external', seq: number): void {
    if (!Number.isInteger(seq) || seq < 1 || seq > this.#seq[kind]) throw new UnexpectedCompletionError(kind, seq);
  }

  deliverSignal(signalName: string, args: unknown[]): void { this.enter(() => this.#messages.deliverSignal(signalName, args)); }

  /** Starts the handler of an accepted update; its outcome becomes a `completeUpdate` command. */
  acceptUpdate(updateId: string, updateName: string, args: unknown[]): void { this.enter(() => this.#messages.acceptUpdate(updateId, updateName, args)); }

  /** Live: validates an update in the activation, and starts its handler when it is accepted (see `UpdateOffer`). */
  offerUpdate(offer: UpdateOffer): void { this.enter(() => this.#messages.offerUpdate(offer)); }

  /** The activation is blocked: updates still waiting for a handler are turned down. True when that issued commands. */
  settleBufferedUpdates(): boolean {
    // Asked at every turn of every activation: entering the workflow's async context only when an update waits.
    return this.#messages.hasBufferedUpdates && this.enter(() => this.#messages.settleBufferedUpdates());
  }

  requestCancellation(reason?: string): void {
    if (this.#cancelRequested) return;
    this.#cancelRequested = true;
    this.rootScope.cancel(new CancelledFailure(reason ? `Workflow cancelled: ${reason}` : 'Workflow cancelled'));
  }

  /**
   * Between two inputs of an activation: resolves the conditions that hold now, as Temporal's SDK does after every
   * job, once the run records `EngineFlag.MessagesFirst` (asked only when one holds: the flag is recorded by the first
   * activation where it changes anything).
   */
  checkConditionsAfterInput(): void {
    // Called while the activation's inputs are delivered, as the workflow's code already (activation.ts).
    const holds = (condition: Condition) => {
      try {
        return condition.fn();
      } catch {
        return true; // it rejects its waiter when checked
      }
    };
    if (!this.#conditions.some(holds) || !this.flags.use(EngineFlag.MessagesFirst, this.isReplaying)) return;
    this.checkConditions();
  }

  /** Resolves conditions whose predicate now holds; true when any did. */
  checkConditions(): boolean {
    if (this.#conditions.length === 0) return false;
    return this.enter(() => this.#checkConditions()); // the predicates are workflow code: entered once for all of them
  }

  #checkConditions(): boolean {
    let unblocked = false;
    for (let i = 0; i < this.#conditions.length; ) {
      const condition = this.#conditions[i]!;
      let holds: boolean;
      try {
        holds = condition.fn();
      } catch (error) {
        this.#conditions.splice(i, 1);
        condition.release?.();
        condition.reject(error);
        unblocked = true;
        continue;
      }
      if (holds) {
        this.#conditions.splice(i, 1);
        condition.release?.();
        condition.resolve();
        unblocked = true;
      } else i++;
    }
    return unblocked;
  }

  // ---- read-only access: queries and update validation ----

  /** A copy of the query handler's result, so a caller can never reach into live workflow state. */
  query(queryName: string, args: unknown[]): unknown {
    const builtIn = this.#messages.hasQueryHandler(queryName) ? undefined : builtInQueryAnswer(queryName, this.#builtInView());
    if (builtIn) return builtIn.answer;
    return this.#enterSynchronously(() => this.#messages.query(queryName, args));
  }

  /** What the built-in queries read (built-in-queries.ts). */
  #builtInView(): BuiltInQueryView {
    return {
      workflowType: this.#started.workflowType,
      handlerNames: () => this.#messages.handlerNames(),
      waitingOn: () => ({
        timers: [...this.#timers.keys()].map((timerId) => ({ timerId })),
        activities: [...this.#activities.values()].map(({ seq, activityType }) => ({ seq, activityType })),
        localActivities: [...this.#localActivities.values()].map(({ command }) => ({ seq: command.seq, activityType: command.activityType, attempt: command.attempt })),
        children: [...this.#children.values()].map((child) => ({ workflowId: child.workflowId, workflowType: child.workflowType, started: child.runId !== undefined })),
        externals: this.#externals.size,
        conditions: this.#conditions.length,
        handlersRunning: this.#messages.handlersRunning,
      }),
    };
  }

  /** Runs the update's validator; returns the rejection, or undefined when the update may be accepted. */
  validateUpdate(updateId: string, updateName: string, args: unknown[]): FailureInfo | undefined {
    return this.#enterSynchronously(() => runInUpdate({ id: updateId, name: updateName }, () => this.#messages.validateUpdate(updateName, args)));
  }

  /** Runs synchronous workflow code (a query, a validator) outside an activation: nothing of it runs later. */
  #enterSynchronously<T>(fn: () => T): T {
    return runAsWorkflowSynchronously(this.#ambient, this.#rootContext(), fn);
  }

  /**
   * Why the activation that just ran must fail as a workflow task, once: an error from workflow code that is not a
   * Duro failure, or a rejection of workflow code's own promise still unhandled at its end.
   */
  takeTaskFailure(): WorkflowTaskError | undefined {
    const unhandled = this.#unhandledAtEnd;
    this.#unhandledAtEnd = undefined;
    if (!this.#taskFailure && unhandled) this.#taskFailure = new WorkflowTaskError(unhandled.reason, 'unhandledRejection');
    const failure = this.#taskFailure;
    this.#taskFailure = undefined;
    return failure;
  }

  get bufferedSignalCount(): number { return this.#messages.bufferedSignals.length; }

  // ---- called by the workflow context ----

  info(): WorkflowInfo {
    const s = this.#started;
    const info: WorkflowInfo = {
      workflowId: s.workflowId,
      runId: s.runId,
      workflowType: s.workflowType,
      firstRunId: s.firstRunId,
      attempt: s.attempt,
      runStartTime: s.timestamp,
      memo: this.payloads.readRecord(this.#memo),
      searchAttributes: { ...this.#searchAttributes },
      historyLength: this.historyLength,
      historySizeBytes: this.historySizeBytes,
      continueAsNewSuggested: this.historyLength >= Limits.historyWarnEvents || this.historySizeBytes >= Limits.historyWarnBytes,
      isReplaying: this.isReplaying,
    };
    if (s.continuedFromRunId !== undefined) info.continuedFromRunId = s.continuedFromRunId;
    if (s.parent !== undefined) info.parent = { ...s.parent };
    if (s.executionTimeoutMs !== undefined) info.executionTimeoutMs = s.executionTimeoutMs;
    if (s.runTimeoutMs !== undefined) info.runTimeoutMs = s.runTimeoutMs;
    return info;
  }

  random(): number {
    this.#assertNotReadOnly('ctx.random()');
    return this.#random();
  }

  uuid(): string {
    this.#assertNotReadOnly('ctx.uuid()');
    return uuidFrom(this.#random);
  }

  scheduleActivity(scope: CancellationScope, activityType: string, input: unknown, options: RecordedActivityOptions): Promise<unknown> {
    this.#assertNotReadOnly('scheduling an activity'); // before any seq is drawn: a failed query leaves no trace (messages.test.ts)
    if (scope.consideredCancelled) {
      if (this.flags.use(EngineFlag.CancelledScopeRefuses, this.isReplaying)) return Promise.reject(scope.cancellationFailure);
      return Promise.reject(this.#cancelledActivity(activityType, '', scope.cancellationFailure!));
    }
    let stored: unknown;
    try {
      stored = this.#write(input, `Input of activity '${activityType}'`);
      if (this.#activities.size >= Limits.maxPendingActivities) throw ApplicationFailure.nonRetryable(`At most ${Limits.maxPendingActivities} activities may be pending in one run`, 'LimitExceeded');
    } catch (error) {
      return Promise.reject(error);
    }
    const seq = ++this.#seq.activity;
    const activityId = String(seq);
    this.#push({ type: 'scheduleActivity', seq, activityId, activityType, input: stored, options });
    return new Promise((resolve, reject) => {
      const pending: PendingActivity = { resolve, reject, activityType, seq };
      this.#activities.set(activityId, pending);
      pending.release = scope.onCancel((failure) => this.#cancelActivity(activityId, options.cancellationType, failure));
    });
  }

  #cancelActivity(activityId: string, cancellationType: ActivityCancellationType, failure: CancelledFailure): void {
    const pending = this.#activities.get(activityId);
    if (!pending || this.completed) return;
    if (cancellationType !== 'ABANDON') this.#push({ type: 'requestCancelActivity', seq: pending.seq, activityId });
    if (cancellationType === 'WAIT_CANCELLATION_COMPLETED') return; // settles when the activity reports back
    this.#activities.delete(activityId);
    pending.reject(this.#cancelledActivity(pending.activityType, activityId, failure));
  }

  #cancelledActivity(activityType: string, activityId: string, failure: CancelledFailure): ActivityFailure {
    return new ActivityFailure('Activity cancelled', activityType, activityId, 0, failure);
  }

  startTimer(scope: CancellationScope, durationMs: number): Promise<void> {
    this.#assertNotReadOnly('starting a timer');
    if (scope.consideredCancelled) return Promise.reject(scope.cancellationFailure);
    const seq = ++this.#seq.timer;
    const timerId = String(seq);
    // A 0 ms timer is a 1 ms one, as in Temporal (`sleep(0)`, `condition(fn, 0)`): it still waits for the next activation.
    // Replay compares timers by sequence number, so histories with a recorded 0 replay as they ran.
    this.#push({ type: 'startTimer', seq, timerId, durationMs: Math.max(1, durationMs) });
    return new Promise((resolve, reject) => {
      const waiter: Waiter<void> = { resolve, reject };
      this.#timers.set(timerId, waiter);
      waiter.release = scope.onCancel((failure) => {
        if (!this.#timers.has(timerId)) return;
        this.#timers.delete(timerId);
        // A cancellation delivered before this timer's TimerFired (same activation) still rejects the sleep, but the
        // timer has fired: one terminal event per timer (engine.property.test.ts). Temporal's core drops it likewise.
        if (!this.completed && !this.#timersFiring.has(timerId)) this.#push({ type: 'cancelTimer', seq, timerId });
        reject(failure);
      });
    });
  }

  /**
   * A local activity with its retries: every attempt's outcome is a marker; backoff is a durable timer. An inline one
   * runs its own function (never on replay: the marker holds the outcome) and may bring its own retry schedule.
   */
  executeLocalActivity(scope: CancellationScope, activityType: string, input: unknown, options: LocalActivityCommandOptions, inline?: InlineLocalActivity): Promise<unknown> {
    this.#assertNotReadOnly('scheduling a local activity'); // synchronous, like the other commands
    return this.#executeLocalActivity(scope, activityType, input, options, inline);
  }

  async #executeLocalActivity(scope: CancellationScope, activityType: string, input: unknown, options: LocalActivityCommandOptions, inline: InlineLocalActivity | undefined): Promise<unknown> {
    const stored = this.#write(input, `Input of local activity '${activityType}'`);
    const scheduledAt = this.now;
    for (let attempt = 1; ; attempt++) {
      if (scope.consideredCancelled) {
        if (this.flags.use(EngineFlag.LocalActivityCancelledScope, this.isReplaying)) throw scope.cancellationFailure!;
        throw this.#cancelledActivity(activityType, '', scope.cancellationFailure!);
      }
      const seq = ++this.#seq.local;
      const outcome = await new Promise<Outcome>((resolve, reject) => {
        const asked: LocalActivityCommand = { type: 'scheduleLocalActivity', seq, activityType, input: stored, attempt, scheduledAt, options, ...(this.payloads.marked && { payloadConverter: this.payloads.converter }) };
        const command = inline ? { ...asked, implementation: inline.implementation } : asked;
        this.#localActivities.set(seq, { resolve, reject, command });
        this.#push(command);
      });
      inline?.onAttemptDone?.(attempt);
      // Stored as JSON, a result of `undefined` leaves `{}`: without a failure the attempt succeeded (local-activities.test.ts).
      if (!('failure' in outcome)) return this.payloads.read((outcome as { result?: unknown }).result);
      const schedule = inline?.nextRetryDelay;
      let delay = schedule ? (outcome.failure.nonRetryable ? undefined : schedule(attempt, outcome.failure)) : nextRetryDelay(options.retry, attempt, outcome.failure);
      if (delay !== undefined && (!Number.isFinite(delay) || delay < 0)) throw new TypeError(`Local activity '${activityType}': nextRetryDelay returned ${delay}, not a delay in ms`);
      if (delay !== undefined && options.scheduleToCloseTimeoutMs !== undefined && this.now + delay - scheduledAt >= options.scheduleToCloseTimeoutMs) delay = undefined;
      if (delay === undefined || isCancellation(fromFailureInfo(outcome.failure))) {
        throw new ActivityFailure(`Local activity '${activityType}' failed after ${attempt} attempt(s)`, activityType, `local-${seq}`, attempt, fromFailureInfo(outcome.failure));
      }
      await this.startTimer(scope, delay);
    }
  }

  sideEffect<T>(fn: () => T): Promise<T> {
    this.#assertNotReadOnly('ctx.sideEffect()');
    const seq = ++this.#seq.sideEffect;
    // On replay the recorded value is returned at the same point as live, so continuations interleave identically.
    // The function is not workflow code: its Date.now() and Math.random() are the real ones, which is its point.
    // Live or replayed, workflow code gets the value decoded from what is recorded, so both see the same.
    const stored = this.isReplaying ? this.replayData.sideEffects.get(seq) : this.#write(runOutsideWorkflow(fn), 'Side effect value');
    this.#push({ type: 'recordMarker', markerName: 'SideEffect', seq, data: stored });
    try {
      return Promise.resolve(this.payloads.read(stored) as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  patched(patchId: string, deprecated: boolean): boolean {
    const known = this.#patches.get(patchId);
    if (known !== undefined) return known;
    this.#assertNotReadOnly('ctx.patched()');
    // Replaying a run recorded without the marker: take the old branch, record nothing.
    const use = !this.isReplaying || this.replayData.patches.has(patchId);
    this.#patches.set(patchId, use || deprecated);
    if (use) this.#push({ type: 'recordMarker', markerName: 'Patch', data: { patchId, deprecated } });
    return use || deprecated;
  }

  startChild(scope: CancellationScope, workflowType: string, input: unknown, childOptions: Omit<RecordedChildOptions, 'workflowId'> & { workflowId?: string }, cancellationType: ChildCancellationType): { started: Promise<string>; result: Promise<unknown>; workflowId: string; seq: number } {
    this.#assertNotReadOnly('starting a child workflow');
    if (scope.consideredCancelled) throw scope.cancellationFailure;
    const stored = this.#write(input, `Input of child workflow '${workflowType}'`, true);
    if (this.#children.size >= Limits.maxPendingChildren) throw ApplicationFailure.nonRetryable(`At most ${Limits.maxPendingChildren} children may be pending in one run`, 'LimitExceeded');
    const seq = ++this.#seq.child;
    // Deterministic default id; the run id prefix keeps ids of successive runs (continue-as-new) apart.
    const options: RecordedChildOptions = { ...childOptions, ...(childOptions.memo && { memo: this.payloads.writeRecord(childOptions.memo, 'Memo of the child') }), workflowId: childOptions.workflowId ?? `${this.#started.workflowId}-${this.#started.runId.slice(0, 8)}-child-${seq}` };
    // With a blob store, the child's start crosses an RPC with its input and memo together: held to what it carries.
    const leaving = this.payloads.leaving();
    if (leaving.maxBytes !== undefined && options.memo) checkPayload({ input: stored, memo: options.memo }, `Input and memo of child workflow '${workflowType}'`, { shape: false, maxBytes: leaving.maxBytes });
    let start!: Waiter<string>;
    let result!: Waiter<unknown>;
    const started = new Promise<string>((resolve, reject) => (start = { resolve, reject }));
    const resultPromise = new Promise<unknown>((resolve, reject) => (result = { resolve, reject }));
    // Callers often await only one of the two; the other must not surface as an unhandled rejection.
    started.catch(() => undefined);
    resultPromise.catch(() => undefined);
    const pending: PendingChild = { workflowType, workflowId: options.workflowId, start, result };
    this.#children.set(seq, pending);
    this.#push({ type: 'startChild', seq, workflowType, input: stored, options });
    this.#childrenStartedNow.add(seq);
    pending.release = scope.onCancel((failure) => {
      const child = this.#children.get(seq);
      if (!child || this.completed) return;
      if (this.#childrenStartedNow.has(seq) && this.flags.use(EngineFlag.ChildCancelledBeforeStart, this.isReplaying)) {
        // Its start is still this activation's: it is never sent nor recorded, as Temporal's core drops the command.
        this.#children.delete(seq);
        this.unsentChildren.add(seq);
        const error = new ChildWorkflowFailure('Child workflow cancelled before it started', workflowType, options.workflowId, undefined, failure);
        child.start.reject(error);
        child.result.reject(error);
        return;
      }
      // The child is no longer awaited: its outcome, when it comes, is dropped (childClosed).
      const giveUp = (message: string) => {
        if (this.#children.get(seq) !== child) return;
        this.#children.delete(seq);
        const error = new ChildWorkflowFailure(message, workflowType, options.workflowId, child.runId, failure);
        child.start.reject(error);
        child.result.reject(error);
      };
      if (cancellationType === 'ABANDON') return giveUp('Child workflow abandoned by cancellation');
      const request: Command = { type: 'cancelExternal', seq: ++this.#seq.external, workflowId: options.workflowId, childSeq: seq };
      // Runs recorded before these kinds existed asked and waited for the child to close, whatever the kind said.
      const kind = cancellationType === 'REQUEST_CANCEL' || this.flags.use(EngineFlag.ChildCancellationTypes, this.isReplaying) ? cancellationType : 'REQUEST_CANCEL';
      if (kind === 'WAIT_CANCELLATION_REQUESTED') {
        // Given up once the child has the request; a request that fails (the child closed) leaves its close to settle it.
        this.#awaitExternal(request.seq, request).then(() => giveUp('Child workflow cancelled'), () => undefined);
        return;
      }
      this.#push(request);
      if (kind === 'TRY_CANCEL') giveUp('Child workflow cancelled');
    });
    return { started, result: resultPromise, workflowId: options.workflowId, seq };
  }

  signalExternal(workflowId: string, runId: string | undefined, signalName: string, args: unknown[], childSeq?: number, scope?: CancellationScope): Promise<void> {
    this.#assertNotReadOnly('signalling a workflow');
    if (scope?.consideredCancelled && this.flags.use(EngineFlag.CancelledScopeRefuses, this.isReplaying)) return Promise.reject(scope.cancellationFailure);
    const stored = this.payloads.writeArgs(args, `Arguments of signal '${signalName}'`, this.payloads.leaving({ shape: this.#checksPayloadShape() }));
    const seq = ++this.#seq.external;
    const command: Command = { type: 'signalExternal', seq, workflowId, signalName, args: stored };
    if (runId !== undefined) command.runId = runId;
    if (childSeq !== undefined) command.childSeq = childSeq;
    return this.#awaitExternal(seq, command);
  }

  cancelExternal(workflowId: string, runId: string | undefined): Promise<void> {
    this.#assertNotReadOnly('cancelling a workflow');
    const seq = ++this.#seq.external;
    const command: Command = { type: 'cancelExternal', seq, workflowId };
    if (runId !== undefined) command.runId = runId;
    return this.#awaitExternal(seq, command);
  }

  /**
   * The stored form of a value workflow code hands over, checked (depth and numbers once the run records the flag);
   * `leaves`: it goes to another object or a client, so an RPC's cap applies (RunPayloads.leaving).
   */
  #write(value: unknown, what: string, leaves = false): unknown {
    const options = { shape: this.#checksPayloadShape() };
    return this.payloads.write(value, what, leaves ? this.payloads.leaving(options) : options);
  }

  checksInputRules(): boolean {
    return this.#checksPayloadShape();
  }

  #checksPayloadShape(): boolean {
    return this.flags.use(EngineFlag.PayloadShape, this.isReplaying);
  }

  #awaitExternal(seq: number, command: Command): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#externals.set(seq, { resolve, reject });
      this.#push(command);
    });
  }

  upsertSearchAttributes(attributes: SearchAttributes): void {
    this.#assertNotReadOnly('ctx.upsertSearchAttributes()');
    // Keys are names the API filters on (`search.<key>`): the rule of core/names.ts, with the shape check's flag.
    if (this.#checksPayloadShape()) for (const key of Object.keys(attributes)) checkName(key, NameKind.searchAttributeKey);
    const merged = upserted(this.#searchAttributes, attributes);
    checkSearchAttributes(merged, { shape: this.#checksPayloadShape() });
    this.#searchAttributes = merged as SearchAttributes;
    this.#push({ type: 'upsertSearchAttributes', searchAttributes: attributes });
  }

  upsertMemo(memo: Record<string, unknown>): void {
    this.#assertNotReadOnly('ctx.upsertMemo()');
    const changes = { ...memo };
    // A JSON memo cannot hold undefined: Temporal's upsertMemo removes such a key, as null does.
    for (const [key, value] of Object.entries(changes)) if (value === undefined) changes[key] = null;
    const stored = this.payloads.writeRecord(changes, 'Memo');
    const merged = upserted(this.#memo, stored);
    this.payloads.checkRecord(merged, 'Memo');
    this.#memo = merged;
    this.#push({ type: 'upsertMemo', memo: stored });
  }

  condition(scope: CancellationScope, fn: () => boolean): Promise<void> {
    if (scope.consideredCancelled) return Promise.reject(scope.cancellationFailure);
    return new Promise<void>((resolve, reject) => {
      const entry: Condition = { fn, resolve, reject };
      this.#conditions.push(entry);
      entry.release = scope.onCancel((failure) => {
        const index = this.#conditions.indexOf(entry);
        if (index < 0) return;
        this.#conditions.splice(index, 1);
        reject(failure);
      });
    });
  }

  setSignalHandler(name: string, handler: Handler | undefined): void { this.#messages.setSignalHandler(name, handler); }

  setQueryHandler(name: string, handler: Handler | undefined): void { this.#messages.setQueryHandler(name, handler); }

  setUpdateHandler(name: string, handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void { this.#messages.setUpdateHandler(name, handler, options); }

  setDefaultSignalHandler(handler: Handler | undefined): void { this.#messages.setDefaultSignalHandler(handler); }

  setDefaultQueryHandler(handler: Handler | undefined): void { this.#messages.setDefaultQueryHandler(handler); }

  setDefaultUpdateHandler(handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void { this.#messages.setDefaultUpdateHandler(handler, options); }

  allHandlersFinished(): boolean { return this.#messages.allHandlersFinished; }

  // ---- internals ----

  #push(command: Command): void {
    this.#assertNotReadOnly('issuing a command');
    if (this.completed && command.type !== 'completeUpdate') return;
    this.commands.push(command);
  }

  #assertNotReadOnly(what: string): void { this.#messages.assertNotReadOnly(what); }

  /** The context of the root scope: the workflow function's, its handlers' and the ambient frame's outside any scope. */
  #rootContext(): WorkflowContext {
    this.#rootContextValue ??= createWorkflowContext(this, this.rootScope);
    return this.#rootContextValue;
  }

  /**
   * Temporal's rule: an error from workflow code that is not a Duro failure (a TypeError, a plain Error, anything
   * thrown) is a bug to fix, not an outcome: it fails the workflow task, so the run stays open and a deploy can mend
   * it. The definition's `failureTypes` name errors that fail the run instead.
   */
  #failsTaskOnly(error: unknown): boolean {
    if (error instanceof DuroFailure) return false;
    if (isErrorOfType(error, this.#definition.options?.failureTypes ?? [])) return false;
    return this.flags.use(EngineFlag.WorkflowTaskFailures, this.isReplaying);
  }

  #failTask(error: unknown): void {
    this.#taskFailure ??= new WorkflowTaskError(error, 'workflowError');
  }

  #completeWith(result: unknown): void {
    if (this.completed) return;
    const outcome = resultOutcome(() => this.#write(result, 'Workflow result', true));
    this.#push('result' in outcome ? { type: 'completeWorkflow', result: outcome.result } : { type: 'failWorkflow', failure: outcome.failure });
    this.completed = true;
  }

  #failWith(error: unknown): void {
    if (this.completed) return;
    if (error instanceof ContinueAsNewRequest) {
      const command: Command = { type: 'continueAsNew', input: error.input, bufferedSignals: [...this.#messages.bufferedSignals] };
      this.#push(error.options ? { ...command, options: error.options } : command);
    } else if (this.#cancelRequested && isCancellation(error)) {
      this.#push({ type: 'cancelWorkflow', failure: toFailureInfo(error) });
    } else if (this.#failsTaskOnly(error)) {
      this.#failTask(error);
      return; // the run stays open: the activation fails, and is tried again
    } else {
      this.#push({ type: 'failWorkflow', failure: toFailureInfo(error) });
    }
    this.completed = true;
  }
}

const ignoreLine: KeepLogLine = () => undefined;
