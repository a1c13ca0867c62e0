// One run of a workflow, host-agnostic: takes inputs (signals, updates, activity outcomes, deadlines…),
// runs activations, and hands each step to the host as one commit (new events + pending state) followed
// by effects (dispatch an activity, start a child…). Effects leave only after their commit: the outbox rule.
import type { LocalActivityOutcome } from './activation';
import type { Activator } from './activator';
import { runOutsideWorkflow } from './ambient';
import type { CarriedSignal } from './carried-signal';
import { WorkflowClosedError } from './client-errors';
import type { WorkflowDefinition } from './definitions';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from './failure';
import { isCloseEvent, type EarlierUpdate, type HistoryEvent, type NewEvent, type Outcome, type WorkflowExecutionStarted } from './history';
import type { KeepLogLine } from './log';
import { storedEventBytes } from './history-size';
import { Limits } from './limits';
import { LiveWorkflow } from './live-workflow';
import { LocalAttempts } from './run-local-attempts';
import { RunLogs } from './run-logs';
import { RunSpans, sendSpans, type StepRecord } from './tracing/run-spans';
import { runTrace } from './tracing/trace-context';
import type { UpdateOffer } from './message-handlers';
import { PAYLOAD_FORMAT } from './payloads/run-payloads';
import { checkPayload, checkSearchAttributes, copyPayload, leavingLimit, utf8Length } from './payload';
import type { RunHost } from './run-host';
import { answerAfterClose, isDuplicate, resolveAttempt, type RunRequest } from './run-requests';
import { allEntriesOf, type ResetPlan } from './run-reset';
import { EARLIER_RUN, outcomeOfCloseEvent, PendingChanges, type RunOutcome, type RunState } from './run-state';
import { applyEventToState, closeRun, collectDeadlines, nextWakeAt, planWorkflowRetry, type StepContext } from './run-transitions';
import { RunWaiters } from './run-waiters';
import type { UpdateOutcome } from './update-outcome';

export type { RunEffect, RunRef } from './run-transitions';
export type { RunCommit, RunHost, RunStore } from './run-host';

export type { CarriedSignal } from './carried-signal';
export type { UpdateOutcome } from './update-outcome';

export { WorkflowClosedError };

/** An update-with-start's update, queued with the start so that the first activation delivers it (issue 17). */
export interface FirstUpdate {
  name: string;
  args: unknown[];
  updateId?: string;
  acceptedOnly: boolean;
  respond(outcome: UpdateOutcome): void;
  fail(error: Error): void;
}

export class WorkflowRun {
  readonly state: RunState;
  readonly #host: RunHost<WorkflowRun>;
  readonly #live: LiveWorkflow;
  #queue: RunRequest[] = [];
  #processing: Promise<void> | undefined;
  readonly #waiters = new RunWaiters();
  readonly #changes = new PendingChanges();
  #earlierUpdates: Promise<Record<string, EarlierUpdate>> | undefined;
  /** Set when a commit failed: this object is ahead of storage, so it takes nothing more (the host loads the run again). */
  #brokenBy: Error | undefined;
  readonly #localAttempts: LocalAttempts;
  /** Lines written since the last commit, which stores them beside the run. */
  readonly #logs = new RunLogs();
  /** Made on first use, by a host that exports spans. */
  #spans: RunSpans | undefined;

  private constructor(state: RunState, definition: WorkflowDefinition, host: RunHost<WorkflowRun>) {
    this.state = state;
    this.#host = host;
    this.#live = new LiveWorkflow(state, definition, host, this.#logs.keep);
    this.#localAttempts = new LocalAttempts({
      state,
      mayStartAttempts: () => this.#mayActivate() && this.state.paused === undefined,
      enqueue: (request) => this.#enqueue(request),
    });
  }

  /**
   * Starts a new run: records `WorkflowExecutionStarted` (and carried-over signals) and runs the first activation,
   * after `startDelayMs` when given (inputs that arrive meanwhile are recorded and delivered then). `firstUpdate`
   * (an update-with-start's, without a delay) is validated and delivered in the first activation too.
   */
  static start(started: Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>, definition: WorkflowDefinition, host: RunHost<WorkflowRun>, carriedSignals: CarriedSignal[] = [], startDelayMs = 0, firstUpdate?: FirstUpdate): WorkflowRun {
    const limit = { maxBytes: host.blobs?.maxPayloadBytes };
    checkPayload(started.input, 'Workflow input', limit);
    if (firstUpdate) checkPayload(firstUpdate.args, `Arguments of update '${firstUpdate.name}'`, limit);
    checkSearchAttributes(started.searchAttributes ?? {});
    const now = host.now();
    const state: RunState = {
      workflowId: started.workflowId,
      runId: started.runId,
      workflowType: started.workflowType,
      status: 'running',
      startTime: now,
      nextEventId: 1,
      historySizeBytes: 0,
      memo: { ...started.memo },
      searchAttributes: { ...started.searchAttributes },
      activities: {},
      timers: {},
      children: {},
      externals: {},
      inFlightUpdates: [],
      signalRequestIds: {},
      cancelRequested: false,
      activationFailures: 0,
      completedUpdates: {},
      trace: runTrace(started),
      payloadConverter: host.payloadConverter ?? 'json',
    };
    if (started.parent) state.parent = started.parent;
    if (started.retryPolicy) state.retry = { policy: started.retryPolicy, attempt: started.attempt };
    if (startDelayMs > 0) state.delayedUntil = now + startDelayMs;
    // The run timeout bounds the run's own time: it starts when the run may first activate, after any delay.
    if (started.runTimeoutMs !== undefined) state.runDeadline = now + startDelayMs + started.runTimeoutMs;
    if (started.executionDeadline !== undefined) state.executionDeadline = started.executionDeadline;
    const run = new WorkflowRun(state, definition, host);
    // Queued together so the carried signals are recorded in the first activation, right after the start.
    run.#queue.push({ kind: 'input', event: { type: 'WorkflowExecutionStarted', ...started, payloadFormat: PAYLOAD_FORMAT, payloadConverter: state.payloadConverter! }, at: now });
    for (const signal of carriedSignals) {
      const event: NewEvent = signal.requestId === undefined ? { type: 'SignalReceived', signalName: signal.signalName, args: signal.args } : { type: 'SignalReceived', signalName: signal.signalName, args: signal.args, requestId: signal.requestId };
      run.#queue.push({ kind: 'input', event, at: now });
    }
    if (firstUpdate) {
      const { name, args, acceptedOnly, respond, fail } = firstUpdate;
      run.#queue.push({ kind: 'update', updateId: firstUpdate.updateId ?? host.newRunId(), name, args, at: now, respond, fail, acceptedOnly });
    }
    run.#processing = runOutsideWorkflow(() => run.#processQueue());
    run.#processing.catch(() => undefined); // a failed first commit: the host reports it, and callers of idle() see it
    return run;
  }

  /**
   * A new run made by a reset: commits the copied history and its rebuilt state, sends what was in flight at
   * that point, and records again the signals the old run received after it. The workflow replays on first need.
   */
  static async fromReset(plan: ResetPlan, definition: WorkflowDefinition, host: RunHost<WorkflowRun>): Promise<WorkflowRun> {
    const run = new WorkflowRun(plan.state, definition, host);
    await host.store.commit(plan.state.runId, { events: plan.events, state: plan.state, changes: allEntriesOf(plan.state), wakeAt: nextWakeAt(plan.state), attempts: [] });
    if (plan.effects.length > 0) host.effects(run, plan.effects);
    // A failed commit is the host's to report; these re-applied signals have no caller to tell.
    for (const signal of plan.signalsAfter) run.signal(signal.signalName, signal.args, signal.requestId).catch(() => undefined);
    run.fireDeadlines(); // timers whose time passed since the reset point fire now
    run.#enqueue({ kind: 'resumeLocal' }); // local attempts that ran at the reset point run again
    return run;
  }

  /** Rebuilds a run from its stored state; the workflow is replayed lazily, on the first input that needs it. */
  static load(state: RunState, definition: WorkflowDefinition, host: RunHost<WorkflowRun>): WorkflowRun {
    return new WorkflowRun(state, definition, host);
  }

  get workflowId(): string { return this.state.workflowId; }
  get runId(): string { return this.state.runId; }
  get isClosed(): boolean { return this.state.status !== 'running'; }
  /** True while the workflow coroutine is in memory. */
  get isLive(): boolean { return this.#live.isLive; }
  /** The error of the commit that failed, once one did: this object's state is then ahead of storage, not to be read. */
  get brokenBy(): Error | undefined {
    return this.#brokenBy;
  }

  /** True while a step is being processed (replay and activation included). */
  get isProcessing(): boolean { return this.#processing !== undefined; }

  /** Drops the in-memory workflow (as an evicted Durable Object would); the next input replays history. */
  evict(): void {
    this.#live.evict();
  }

  /** Resolves once every queued input has been processed. */
  async idle(): Promise<void> {
    while (this.#processing) await this.#processing;
  }

  /** Resolves with the run's outcome once it closes. */
  result(): Promise<RunOutcome> {
    const outcome = this.state.closeEvent && outcomeOfCloseEvent(this.state.closeEvent);
    if (outcome) return Promise.resolve(outcome);
    return new Promise((resolve) => this.#waiters.onClose(resolve));
  }

  /** Calls `listener` once the run closes (at once if it has); returns a function that removes it. */
  onClose(listener: (outcome: RunOutcome) => void): () => void {
    const outcome = this.state.closeEvent && outcomeOfCloseEvent(this.state.closeEvent);
    if (outcome) {
      listener(outcome);
      return () => undefined;
    }
    return this.#waiters.onClose(listener);
  }

  /** Records a signal. Resolves once it is committed; a repeated `requestId` is acknowledged without a second event. */
  signal(signalName: string, args: unknown[] = [], requestId?: string): Promise<void> {
    this.#assertOpen();
    checkPayload(args, `Arguments of signal '${signalName}'`, this.#payloadLimit);
    if (this.#live.bufferedSignalCount >= Limits.maxBufferedSignals) {
      throw ApplicationFailure.nonRetryable(`Workflow ${this.state.workflowId} already buffers ${Limits.maxBufferedSignals} signals without a handler`, 'LimitExceeded');
    }
    const event: NewEvent = requestId === undefined ? { type: 'SignalReceived', signalName, args } : { type: 'SignalReceived', signalName, args, requestId };
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'input', event, at: this.#host.now(), done: resolve, fail: reject }));
  }

  /** Validates, records and runs an update; resolves when it completes (or, with `acceptedOnly`, when it is accepted). */
  update(updateName: string, args: unknown[] = [], options: { updateId?: string; acceptedOnly?: boolean } = {}): Promise<UpdateOutcome> {
    this.#assertOpen();
    checkPayload(args, `Arguments of update '${updateName}'`, this.#payloadLimit);
    const updateId = options.updateId ?? this.#host.newRunId();
    return new Promise((respond, fail) => this.#enqueue({ kind: 'update', updateId, name: updateName, args, at: this.#host.now(), respond, fail, acceptedOnly: options.acceptedOnly ?? false }));
  }

  /** Answers a query from live state (replaying first if the workflow was evicted). */
  async query(queryName: string, args: unknown[] = []): Promise<unknown> {
    await this.idle();
    const activator = await this.#live.ensureLive();
    return activator.query(queryName, args);
  }

  cancel(reason?: string): Promise<void> {
    this.#assertOpen();
    const event: NewEvent = reason === undefined ? { type: 'WorkflowExecutionCancelRequested' } : { type: 'WorkflowExecutionCancelRequested', reason };
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'input', event, at: this.#host.now(), done: resolve, fail: reject }));
  }

  /** Rejects with `WorkflowClosedError` when the run closed before the terminate was taken (see `answerAfterClose`). */
  terminate(reason?: string): Promise<void> {
    this.#assertOpen();
    return new Promise((done, fail) => this.#enqueue(reason === undefined ? { kind: 'terminate', at: this.#host.now(), done, fail } : { kind: 'terminate', reason, at: this.#host.now(), done, fail }));
  }

  activityCompleted(activityId: string, attempt: number, result: unknown): void {
    this.#enqueue({ kind: 'activity', activityId, attempt, outcome: { result }, at: this.#host.now() });
  }

  activityFailed(activityId: string, attempt: number, failure: FailureInfo): void {
    this.#enqueue({ kind: 'activity', activityId, attempt, outcome: { failure }, at: this.#host.now() });
  }

  /**
   * An attempt's outcome as its host got it: the log lines an activity server sent back with it are kept (only for
   * the attempt the run awaits), then the outcome is recorded as activityCompleted/activityFailed do.
   */
  settleAttempt(activityId: string, attempt: number, outcome: Outcome & { logs?: unknown }): void {
    if (outcome.logs !== undefined && this.state.activities[activityId]?.attempt === attempt) this.#logs.keepReported(outcome.logs);
    if ('result' in outcome) this.activityCompleted(activityId, attempt, outcome.result);
    else this.activityFailed(activityId, attempt, outcome.failure);
  }

  /** Keeps a line written beside the run (an activity attempt run in the same process); the next commit stores it. */
  readonly keepLog: KeepLogLine = this.#logs.keep;

  /** Records a heartbeat of the running attempt; says whether cancellation was requested. Undefined when the attempt is stale. */
  heartbeat(activityId: string, attempt: number, details?: unknown): { cancelRequested: boolean } | undefined {
    const activity = this.state.activities[activityId];
    if (!activity || activity.attempt !== attempt || activity.phase !== 'running') return undefined;
    if (details !== undefined) {
      // Details may end in a timeout's failure, which leaves the object: held to what an RPC carries (Limits).
      checkPayload(details, 'Heartbeat details', { maxBytes: leavingLimit(this.#host.blobs?.maxPayloadBytes) });
      activity.heartbeatDetails = details;
    }
    activity.lastHeartbeatAt = this.#host.now();
    // Persisted by the next step, so the next attempt resumes from these details even after a restart.
    this.#changes.touch('activities', activityId);
    this.#enqueue({ kind: 'persist' });
    return { cancelRequested: activity.cancelRequested };
  }

  /** Holds activity dispatch and timers until `unpause` (signals and updates are still recorded and handled). */
  pause(reason?: string): void {
    this.#assertOpen();
    if (this.state.paused) return;
    this.state.paused = { since: this.#host.now(), ...(reason !== undefined && { reason }) };
    this.#enqueue({ kind: 'persist' });
  }

  /** Resumes a paused run: overdue timers fire and held activities are sent at once. */
  unpause(): void {
    this.#assertOpen();
    if (!this.state.paused) return;
    delete this.state.paused;
    this.#enqueue({ kind: 'deadlines' });
  }

  /** The activity server answered 202: the attempt completes later through its task token, so it is not lost on a restart. */
  attemptAccepted(activityId: string, attempt: number): void {
    const activity = this.state.activities[activityId];
    if (!activity || activity.attempt !== attempt || activity.phase !== 'running') return;
    activity.completesLater = true;
    this.#changes.touch('activities', activityId);
    this.#enqueue({ kind: 'persist' });
  }

  /** The parent recorded this run's close: stop re-sending it. */
  parentNotified(): void {
    if (!this.state.parentNotificationPending) return;
    delete this.state.parentNotificationPending;
    this.#enqueue({ kind: 'persist' });
  }

  /** A child was terminated or cancelled under its parent-close policy (or is already closed): stop re-sending it. */
  childClosePolicyApplied(workflowId: string): void {
    const owed = this.state.childrenToClose;
    if (!owed?.some((child) => child.workflowId === workflowId)) return;
    const rest = owed.filter((child) => child.workflowId !== workflowId);
    if (rest.length > 0) this.state.childrenToClose = rest;
    else delete this.state.childrenToClose;
    this.#enqueue({ kind: 'persist' });
  }

  /** Delivers a child's start, a child's close, or the outcome of a signal/cancel sent to another workflow. */
  deliver(event: NewEvent): void {
    this.#enqueue({ kind: 'input', event, at: this.#host.now() });
  }

  /** Processes every deadline that has passed (timers, activity timeouts and retries, run timeouts). */
  fireDeadlines(): void {
    this.#enqueue({ kind: 'deadlines' });
  }

  /** Runs again the local attempts the run owes that nothing runs (lost with the host that ran them, held by a pause). */
  resumeLocalAttempts(): void {
    if (this.#brokenBy === undefined && !this.isProcessing) this.#localAttempts.startOwed();
  }

  /** The earliest time this run needs attention; the host sets its alarm to it. */
  nextWakeAt(): number | undefined {
    return nextWakeAt(this.state);
  }

  // ---- processing ----

  /**
   * A commit failed (the host's storage refused it): what this object holds is ahead of storage, and going on would
   * leave a gap in history. The requests of the failed step and those still queued are rejected with the error, as
   * every later one will be; the host loads the run again from what was committed.
   */
  #break(cause: unknown, taken: RunRequest[]): void {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    this.#brokenBy = error;
    for (const request of [...taken, ...this.#queue.splice(0)]) failRequest(request, error);
    this.#waiters.failUpdates(error);
  }

  get #payloadLimit(): { maxBytes?: number } {
    return { maxBytes: this.#host.blobs?.maxPayloadBytes };
  }

  #assertOpen(): void {
    if (this.isClosed) throw new WorkflowClosedError(this.state.workflowId, this.state.status);
  }

  #enqueue(request: RunRequest): void {
    if (this.#brokenBy !== undefined) return failRequest(request, this.#brokenBy);
    this.#queue.push(request);
    if (this.#processing) return;
    // Outside any workflow's code even when a call from one led here: the queue is the engine's (ambient.ts).
    this.#processing = runOutsideWorkflow(() => this.#processQueue());
    // A step fails only when the host's store throws, and the host reports that itself; callers of idle() still
    // see the rejection, but an input nobody waits for must not surface as an unhandled rejection.
    this.#processing.catch(() => undefined);
  }

  async #processQueue(): Promise<void> {
    // Cleared in the same microtask that sees the queue empty: a `.finally()` would leave a gap in which a
    // request enqueued (e.g. an activity outcome) finds `#processing` still set and is never processed (activities.test.ts).
    try {
      while (this.#queue.length > 0) await this.#step();
    } finally {
      this.#processing = undefined;
    }
  }

  /** One step: gather inputs, run at most one activation, commit, then carry out effects. */
  async #step(): Promise<void> {
    const now = this.#host.now();
    const inputs: HistoryEvent[] = [];
    const acks: Array<() => void> = [];
    const respondLater: Array<() => void> = [];
    const step: StepContext = { now, changes: this.#changes, effects: [], attempts: [], localAttempts: [], newRunId: () => this.#host.newRunId(), requeue: (event) => this.#queue.unshift({ kind: 'input', event, at: now }) };
    const encoded = new Map<HistoryEvent, string>();
    const record = (event: NewEvent, at = now): HistoryEvent => {
      if (isCloseEvent(event)) planWorkflowRetry(this.state, event, step);
      const numbered = { ...event, eventId: this.state.nextEventId++, timestamp: at } as HistoryEvent;
      const json = JSON.stringify(numbered);
      const bytes = utf8Length(json);
      // Stored first: a run from before the stored count existed starts it from its whole size so far.
      this.state.historyStoredBytes = (this.state.historyStoredBytes ?? this.state.historySizeBytes) + storedEventBytes(numbered.type, bytes, this.#host.blobs?.thresholdBytes);
      this.state.historySizeBytes += bytes;
      encoded.set(numbered, json);
      return numbered;
    };
    const addInput = (event: NewEvent, at = now) => {
      const numbered = record(event, at);
      applyEventToState(this.state, numbered, step);
      inputs.push(numbered);
    };
    let closing: NewEvent | undefined;
    /** The requests this step took: a failed commit rejects those still waiting. */
    const taken: RunRequest[] = [];
    /**
     * An update the activation validates, after the inputs taken before it, as Temporal runs a validator after the
     * earlier jobs of its activation (issue 17); the step takes nothing after it, so its `UpdateAccepted` is recorded
     * last among the inputs, where replay delivers it.
     */
    let offer: UpdateOffer | undefined;
    /** Outcomes of local attempts, for the activation to record where the code is blocked. */
    const localOutcomes: LocalActivityOutcome[] = [];
    let startOwedAttempts = false;

    while (this.#queue.length > 0 && !closing && !offer) {
      const request = this.#queue.shift()!;
      taken.push(request);
      if (this.isClosed && request.kind !== 'persist') {
        // An update this run already completed is answered from its history, not handed over to run twice.
        if (request.kind === 'update' && this.state.completedUpdates[request.updateId] !== undefined) await this.#acceptUpdate(request, addInput, respondLater);
        else answerAfterClose(this.state, request, step);
        continue;
      }
      switch (request.kind) {
        case 'input':
          if (isDuplicate(this.state, request.event)) {
            request.done?.();
            break;
          }
          addInput(request.event, request.at);
          if (request.done) acks.push(request.done);
          break;
        case 'activity':
          resolveAttempt(this.state, request, step, addInput);
          break;
        case 'deadlines':
          closing = collectDeadlines(this.state, step, addInput);
          break;
        case 'localOutcome':
          this.#localAttempts.taken(request.seq, request.attempt);
          // Dropped unless the run still owes this attempt (a restart may have run it again meanwhile).
          if (this.state.localAttempts?.[request.seq]?.attempt === request.attempt) localOutcomes.push(request);
          break;
        case 'resumeLocal':
          startOwedAttempts = true;
          break;
        case 'persist':
          break;
        case 'terminate':
          closing = request.reason === undefined ? { type: 'WorkflowExecutionTerminated' } : { type: 'WorkflowExecutionTerminated', reason: request.reason };
          acks.push(request.done);
          break;
        case 'update':
          offer = (await this.#acceptUpdate(request, addInput, respondLater, inputs[0]?.type === 'WorkflowExecutionStarted')) ?? undefined;
          break;
      }
    }

    let produced: HistoryEvent[] = [];
    let activation: StepRecord['activation'];
    if (closing) {
      this.#live.evict();
      const event = record(closing);
      closeRun(this.state, event, step);
      produced = [event];
    } else if (this.#mayActivate() && (inputs.length > 0 || this.state.hasUnprocessedInputs || offer || localOutcomes.length > 0 || startOwedAttempts)) {
      const start = this.#host.spans ? this.#host.now() : 0;
      produced = await this.#live.activate(inputs, record, step, { outcomes: localOutcomes, running: this.#localAttempts.running }, offer);
      if (this.#host.spans) activation = { start, end: this.#host.now() };
    } else if (inputs.length > 0) {
      this.#live.defer(inputs);
    }
    // Read after the activation: an update it accepted joined the inputs.
    const events: HistoryEvent[] = [...inputs, ...produced];

    try {
      const logs = this.#logs.take();
      await this.#host.store.commit(this.state.runId, { events, state: this.state, changes: this.#changes.take(this.state), wakeAt: nextWakeAt(this.state), attempts: step.attempts, encoded, ...(logs && { logs }) });
    } catch (error) {
      this.#break(error, taken);
      throw error;
    }
    for (const ack of acks) ack();
    for (const respond of respondLater) respond();
    this.#waiters.notifyUpdates(events, this.isClosed ? this.state.status : undefined);
    if (step.effects.length > 0) this.#host.effects(this, step.effects);
    for (const { command, outcome } of step.localAttempts) if (outcome) this.#localAttempts.follow(command, outcome);
    this.#localAttempts.startOwed();
    if (this.state.closeEvent) this.#waiters.closed(outcomeOfCloseEvent(this.state.closeEvent)!);
    // Last, and never thrown from: telemetry must not hold up or break what the commit owes.
    if (this.#host.spans) sendSpans(this.#host.spans, (this.#spans ??= new RunSpans()).ofStep(this.state, { events, attempts: step.attempts, ...(activation && { activation }) }));
  }

  /** Lets a blocked run try again (after a deploy: the host calls this when its code version changed). */
  unblock(): void {
    if (!this.state.blocked) return;
    delete this.state.blocked;
    this.state.activationFailures = 0;
    this.#live.evict();
    this.#enqueue({ kind: 'deadlines' });
  }

  #mayActivate(): boolean {
    return !this.isClosed && !this.state.blocked && this.state.delayedUntil === undefined;
  }

  /**
   * Answers an update that needs no validation (a duplicate, a refusal), or returns it as an offer for this step's
   * activation to validate. A delayed run, whose workflow has not started, validates it here against no handlers.
   * A workflow that cannot be rebuilt rejects it, recording nothing (the next input records the failed activation).
   */
  async #acceptUpdate(request: Extract<RunRequest, { kind: 'update' }>, addInput: (event: NewEvent, at?: number) => void, respondLater: Array<() => void>, startsRun = false): Promise<UpdateOffer | void> {
    const { updateId } = request;
    const reject = (failure: FailureInfo) => request.respond({ updateId, rejected: failure });
    if (this.state.blocked) return reject(toFailureInfo(ApplicationFailure.nonRetryable(`Workflow is blocked: ${this.state.blocked.message}`, 'WorkflowBlocked')));
    // Already accepted: a request that waits only for acceptance has its answer, once this step's commit holds it.
    if (this.state.inFlightUpdates.includes(updateId)) return request.acceptedOnly ? void respondLater.push(() => request.respond({ updateId })) : this.#waitForUpdate(request);
    const completedAt = this.state.completedUpdates[updateId];
    if (completedAt !== undefined) {
      // A retried update (same id) is not run twice: it gets the outcome already recorded, by this run or an earlier one.
      const where = completedAt === EARLIER_RUN ? await this.#earlierUpdate(updateId) : { runId: this.state.runId, eventId: completedAt };
      const [completed] = where ? await this.#host.store.readHistory(where.runId, where.eventId - 1, 1) : [];
      if (completed?.type === 'UpdateCompleted') return request.respond({ updateId, outcome: completed.outcome });
      if (completedAt === EARLIER_RUN) {
        return reject(toFailureInfo(ApplicationFailure.nonRetryable(`Update '${updateId}' was completed by an earlier run whose history is no longer retained`, 'UpdateOutcomeExpired')));
      }
    }
    if (this.state.inFlightUpdates.length >= Limits.maxInFlightUpdates) {
      return reject(toFailureInfo(ApplicationFailure.nonRetryable(`At most ${Limits.maxInFlightUpdates} updates may be in flight`, 'LimitExceeded')));
    }
    const accept = () => {
      addInput({ type: 'UpdateAccepted', updateId, updateName: request.name, args: request.args }, request.at);
      if (request.acceptedOnly) respondLater.push(() => request.respond({ updateId }));
      else this.#waitForUpdate(request);
    };
    let activator: Activator | undefined;
    try {
      // A run started in this step has nothing to rebuild: its first activation makes the workflow.
      if (!startsRun) activator = await this.#live.ensureLive();
    } catch (error) {
      return reject(toFailureInfo(error));
    }
    if (this.#mayActivate()) return { updateId, updateName: request.name, args: request.args, accept, reject };
    if (!activator) return reject(toFailureInfo(ApplicationFailure.nonRetryable('The workflow has not started', 'UpdateNotFound')));
    // The validator sees a copy: a validator that changes its arguments changes neither what is recorded nor what the
    // handler receives (issue 17).
    const rejection = activator.validateUpdate(updateId, request.name, copyPayload(request.args));
    if (rejection) return reject(rejection);
    accept();
  }

  /** Where an earlier run of the chain recorded `updateId`, from this run's start event (read once). */
  async #earlierUpdate(updateId: string): Promise<EarlierUpdate | undefined> {
    this.#earlierUpdates ??= Promise.resolve(this.#host.store.readHistory(this.state.runId, 0, 1)).then(([started]) =>
      started?.type === 'WorkflowExecutionStarted' ? (started.earlierRequests?.updates ?? {}) : {});
    try {
      return (await this.#earlierUpdates)[updateId];
    } catch (error) {
      this.#earlierUpdates = undefined; // a failed read is tried again by the next duplicate, not remembered
      throw error;
    }
  }

  #waitForUpdate(request: Extract<RunRequest, { kind: 'update' }>): void {
    this.#waiters.waitForUpdate(request.updateId, (outcome) => request.respond({ updateId: request.updateId, outcome }), request.fail);
  }
}

/** Rejects a request's caller, if it has one waiting (activity outcomes and deadlines have none: storage keeps them due). */
function failRequest(request: RunRequest, error: Error): void {
  if (request.kind === 'input' || request.kind === 'terminate' || request.kind === 'update') request.fail?.(error);
}
