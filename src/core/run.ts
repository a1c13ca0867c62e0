// One run of a workflow, host-agnostic: takes inputs (signals, updates, activity outcomes, deadlines…),
// runs activations, and hands each step to the host as one commit (new events + pending state) followed
// by effects (dispatch an activity, start a child…). Effects leave only after their commit: the outbox rule.
import { runLiveActivation, type LocalActivityCommand } from './activation';
import { Activator } from './activator';
import { WorkflowClosedError } from './client-errors';
import { completeAttempt, failAttempt, observeAttempt, type AttemptObservation } from './activity-state';
import type { WorkflowDefinition } from './definitions';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from './failure';
import { isCloseEvent, type HistoryEvent, type NewEvent, type Outcome, type WorkflowExecutionStarted, type WorkflowStatus } from './history';
import { Limits } from './limits';
import { NonDeterminismError } from './nondeterminism';
import { checkPayload, checkSearchAttributes, utf8Length } from './payload';
import { replayInto } from './replay';
import { allEntriesOf, type ResetPlan } from './run-reset';
import { outcomeOfCloseEvent, PendingChanges, type PendingChange, type RunOutcome, type RunState } from './run-state';
import { applyEventToState, closeRun, collectDeadlines, nextWakeAt, planWorkflowRetry, runRefOf, type RunEffect, type RunRef, type StepContext } from './run-transitions';

export type { RunEffect, RunRef } from './run-transitions';

/** What one step writes, atomically: new events and the entries of pending state that changed. */
export interface RunCommit {
  events: HistoryEvent[];
  /** The whole state, for stores that keep it in one piece (memory); durable stores write `changes`. */
  state: RunState;
  changes: PendingChange[];
  /** When the run next needs attention (its alarm), or undefined. */
  wakeAt: number | undefined;
  /** Activity attempts this step resolved, for metrics (retries are not in history). */
  attempts: AttemptObservation[];
  /** The JSON text of each event, made once when it was recorded and measured: stores write it as is. */
  encoded?: ReadonlyMap<HistoryEvent, string>;
}

/** Where a run keeps its history and state. One `commit` is one atomic write. */
export interface RunStore {
  /** Events of a run in order, from `afterEventId` (exclusive) on. */
  readHistory(runId: string, afterEventId?: number): HistoryEvent[] | Promise<HistoryEvent[]>;
  commit(runId: string, commit: RunCommit): void | Promise<void>;
}

export interface RunHost {
  now(): number;
  newRunId(): string;
  /** Version of the deployed code, recorded with blocked runs (`CF_VERSION_METADATA` in Workers). */
  codeVersion?: string;
  store: RunStore;
  runLocalActivity(command: LocalActivityCommand, run: RunRef): Promise<Outcome>;
  effects(run: WorkflowRun, effects: RunEffect[]): void;
}

/** A signal recorded right after WorkflowExecutionStarted: carried over by continue-as-new, or sent with the start. */
export interface CarriedSignal {
  signalName: string;
  args: unknown[];
  requestId?: string;
}

export interface UpdateOutcome {
  updateId: string;
  /** The validator rejected it: nothing was recorded. */
  rejected?: FailureInfo;
  /** The run closed before the update was taken: nothing was recorded (the next run may take it). */
  closedAs?: WorkflowStatus;
  outcome?: Outcome;
}

export { WorkflowClosedError };

type Request =
  | { kind: 'input'; event: NewEvent; at: number; done?: () => void; fail?: (error: Error) => void }
  | { kind: 'activity'; activityId: string; attempt: number; outcome: Outcome; at: number }
  | { kind: 'update'; updateId: string; name: string; args: unknown[]; at: number; respond: (outcome: UpdateOutcome) => void; acceptedOnly: boolean }
  | { kind: 'deadlines' }
  | { kind: 'persist' }
  | { kind: 'terminate'; reason?: string; at: number; done: () => void; fail: (error: Error) => void };

export class WorkflowRun {
  readonly state: RunState;
  readonly #definition: WorkflowDefinition;
  readonly #host: RunHost;
  #activator: Activator | undefined;
  /** Recorded inputs that still need an activation (after a failed one, or a restart). */
  #pendingInputs: HistoryEvent[] = [];
  #queue: Request[] = [];
  #processing: Promise<void> | undefined;
  readonly #updateWaiters = new Map<string, Array<(outcome: Outcome) => void>>();
  readonly #closeWaiters: Array<(outcome: RunOutcome) => void> = [];
  readonly #changes = new PendingChanges();

  private constructor(state: RunState, definition: WorkflowDefinition, host: RunHost) {
    this.state = state;
    this.#definition = definition;
    this.#host = host;
  }

  /** Starts a new run: records `WorkflowExecutionStarted` (and carried-over signals) and runs the first activation. */
  /**
   * Starts a new run: records `WorkflowExecutionStarted` (and carried-over signals) and runs the first activation,
   * after `startDelayMs` when given (inputs that arrive meanwhile are recorded and delivered then).
   */
  static start(started: Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>, definition: WorkflowDefinition, host: RunHost, carriedSignals: CarriedSignal[] = [], startDelayMs = 0): WorkflowRun {
    checkPayload(started.input, 'Workflow input');
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
      memo: { ...(started.memo ?? {}) },
      searchAttributes: { ...(started.searchAttributes ?? {}) },
      activities: {},
      timers: {},
      children: {},
      externals: {},
      inFlightUpdates: [],
      signalRequestIds: {},
      cancelRequested: false,
      activationFailures: 0,
      completedUpdates: {},
    };
    if (started.parent) state.parent = started.parent;
    if (started.retryPolicy) state.retry = { policy: started.retryPolicy, attempt: started.attempt };
    if (startDelayMs > 0) state.delayedUntil = now + startDelayMs;
    // The run timeout bounds the run's own time: it starts when the run may first activate, after any delay.
    if (started.runTimeoutMs !== undefined) state.runDeadline = now + startDelayMs + started.runTimeoutMs;
    if (started.executionDeadline !== undefined) state.executionDeadline = started.executionDeadline;
    const run = new WorkflowRun(state, definition, host);
    // Queued together so the carried signals are recorded in the first activation, right after the start.
    run.#queue.push({ kind: 'input', event: { type: 'WorkflowExecutionStarted', ...started }, at: now });
    for (const signal of carriedSignals) {
      const event: NewEvent = signal.requestId === undefined ? { type: 'SignalReceived', signalName: signal.signalName, args: signal.args } : { type: 'SignalReceived', signalName: signal.signalName, args: signal.args, requestId: signal.requestId };
      run.#queue.push({ kind: 'input', event, at: now });
    }
    run.#processing = run.#processQueue();
    return run;
  }

  /**
   * A new run made by a reset: commits the copied history and its rebuilt state, sends what was in flight at
   * that point, and records again the signals the old run received after it. The workflow replays on first need.
   */
  static async fromReset(plan: ResetPlan, definition: WorkflowDefinition, host: RunHost): Promise<WorkflowRun> {
    const run = new WorkflowRun(plan.state, definition, host);
    await host.store.commit(plan.state.runId, { events: plan.events, state: plan.state, changes: allEntriesOf(plan.state), wakeAt: nextWakeAt(plan.state), attempts: [] });
    if (plan.effects.length > 0) host.effects(run, plan.effects);
    for (const signal of plan.signalsAfter) void run.signal(signal.signalName, signal.args, signal.requestId);
    run.fireDeadlines(); // timers whose time passed since the reset point fire now
    return run;
  }

  /** Rebuilds a run from its stored state; the workflow is replayed lazily, on the first input that needs it. */
  static load(state: RunState, definition: WorkflowDefinition, host: RunHost): WorkflowRun {
    return new WorkflowRun(state, definition, host);
  }

  get workflowId(): string { return this.state.workflowId; }
  get runId(): string { return this.state.runId; }
  get isClosed(): boolean { return this.state.status !== 'running'; }
  /** True while the workflow coroutine is in memory. */
  get isLive(): boolean { return this.#activator !== undefined; }
  /** True while a step is being processed (replay and activation included). */
  get isProcessing(): boolean { return this.#processing !== undefined; }

  /** Drops the in-memory workflow (as an evicted Durable Object would); the next input replays history. */
  evict(): void {
    this.#activator = undefined;
  }

  /** Resolves once every queued input has been processed. */
  async idle(): Promise<void> {
    while (this.#processing) await this.#processing;
  }

  /** Resolves with the run's outcome once it closes. */
  result(): Promise<RunOutcome> {
    const outcome = this.state.closeEvent && outcomeOfCloseEvent(this.state.closeEvent);
    if (outcome) return Promise.resolve(outcome);
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  /** Calls `listener` once the run closes (at once if it has); returns a function that removes it. */
  onClose(listener: (outcome: RunOutcome) => void): () => void {
    const outcome = this.state.closeEvent && outcomeOfCloseEvent(this.state.closeEvent);
    if (outcome) {
      listener(outcome);
      return () => undefined;
    }
    this.#closeWaiters.push(listener);
    return () => {
      const index = this.#closeWaiters.indexOf(listener);
      if (index >= 0) this.#closeWaiters.splice(index, 1);
    };
  }

  /** Records a signal. Resolves once it is committed; a repeated `requestId` is acknowledged without a second event. */
  signal(signalName: string, args: unknown[] = [], requestId?: string): Promise<void> {
    this.#assertOpen();
    checkPayload(args, `Arguments of signal '${signalName}'`);
    if ((this.#activator?.bufferedSignalCount ?? 0) >= Limits.maxBufferedSignals) {
      throw ApplicationFailure.nonRetryable(`Workflow ${this.state.workflowId} already buffers ${Limits.maxBufferedSignals} signals without a handler`, 'LimitExceeded');
    }
    const event: NewEvent = requestId === undefined ? { type: 'SignalReceived', signalName, args } : { type: 'SignalReceived', signalName, args, requestId };
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'input', event, at: this.#host.now(), done: resolve, fail: reject }));
  }

  /** Validates, records and runs an update; resolves when it completes (or, with `acceptedOnly`, when it is accepted). */
  update(updateName: string, args: unknown[] = [], options: { updateId?: string; acceptedOnly?: boolean } = {}): Promise<UpdateOutcome> {
    this.#assertOpen();
    checkPayload(args, `Arguments of update '${updateName}'`);
    const updateId = options.updateId ?? this.#host.newRunId();
    return new Promise((respond) => this.#enqueue({ kind: 'update', updateId, name: updateName, args, at: this.#host.now(), respond, acceptedOnly: options.acceptedOnly ?? false }));
  }

  /** Answers a query from live state (replaying first if the workflow was evicted). */
  async query(queryName: string, args: unknown[] = []): Promise<unknown> {
    await this.idle();
    const activator = await this.#ensureLive();
    return activator.query(queryName, args);
  }

  cancel(reason?: string): Promise<void> {
    this.#assertOpen();
    const event: NewEvent = reason === undefined ? { type: 'WorkflowExecutionCancelRequested' } : { type: 'WorkflowExecutionCancelRequested', reason };
    return new Promise((resolve, reject) => this.#enqueue({ kind: 'input', event, at: this.#host.now(), done: resolve, fail: reject }));
  }

  /** Rejects with `WorkflowClosedError` when the run closed before the terminate was taken (see `#afterClose`). */
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

  /** Records a heartbeat of the running attempt; says whether cancellation was requested. Undefined when the attempt is stale. */
  heartbeat(activityId: string, attempt: number, details?: unknown): { cancelRequested: boolean } | undefined {
    const activity = this.state.activities[activityId];
    if (!activity || activity.attempt !== attempt || activity.phase !== 'running') return undefined;
    if (details !== undefined) {
      checkPayload(details, 'Heartbeat details');
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

  /** The earliest time this run needs attention; the host sets its alarm to it. */
  nextWakeAt(): number | undefined {
    return nextWakeAt(this.state);
  }

  // ---- processing ----

  #assertOpen(): void {
    if (this.isClosed) throw new WorkflowClosedError(this.state.workflowId, this.state.status);
  }

  #enqueue(request: Request): void {
    this.#queue.push(request);
    if (this.#processing) return;
    this.#processing = this.#processQueue();
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
    const step: StepContext = { now, changes: this.#changes, effects: [], attempts: [], newRunId: () => this.#host.newRunId(), requeue: (event) => this.#queue.unshift({ kind: 'input', event, at: now }) };
    const encoded = new Map<HistoryEvent, string>();
    const record = (event: NewEvent, at = now): HistoryEvent => {
      if (isCloseEvent(event)) planWorkflowRetry(this.state, event, step);
      const numbered = { ...event, eventId: this.state.nextEventId++, timestamp: at } as HistoryEvent;
      const json = JSON.stringify(numbered);
      this.state.historySizeBytes += utf8Length(json);
      encoded.set(numbered, json);
      return numbered;
    };
    const addInput = (event: NewEvent, at = now) => {
      const numbered = record(event, at);
      applyEventToState(this.state, numbered, step);
      inputs.push(numbered);
    };
    let closing: NewEvent | undefined;

    while (this.#queue.length > 0 && !closing) {
      const request = this.#queue[0]!;
      if (request.kind === 'update' && inputs.length > 0) break; // validate against the state these inputs lead to
      this.#queue.shift();
      if (this.isClosed && request.kind !== 'persist') {
        // An update this run already completed is answered from its history, not handed over to run twice.
        if (request.kind === 'update' && this.state.completedUpdates[request.updateId] !== undefined) await this.#acceptUpdate(request, addInput, respondLater);
        else this.#afterClose(request, step);
        continue;
      }
      switch (request.kind) {
        case 'input':
          if (this.#isDuplicate(request.event)) {
            request.done?.();
            break;
          }
          addInput(request.event, request.at);
          if (request.done) acks.push(request.done);
          break;
        case 'activity':
          this.#resolveAttempt(request, step, addInput);
          break;
        case 'deadlines':
          closing = collectDeadlines(this.state, step, addInput);
          break;
        case 'persist':
          break;
        case 'terminate':
          closing = request.reason === undefined ? { type: 'WorkflowExecutionTerminated' } : { type: 'WorkflowExecutionTerminated', reason: request.reason };
          acks.push(request.done);
          break;
        case 'update':
          await this.#acceptUpdate(request, addInput, respondLater);
          break;
      }
    }

    const events: HistoryEvent[] = [...inputs];
    if (closing) {
      this.#activator = undefined;
      const event = record(closing);
      closeRun(this.state, event, step);
      events.push(event);
    } else if (!this.isClosed && !this.state.blocked && this.state.delayedUntil === undefined && (inputs.length > 0 || this.state.hasUnprocessedInputs)) {
      events.push(...(await this.#activate(inputs, record, step)));
    } else if (inputs.length > 0) {
      this.state.hasUnprocessedInputs = true; // blocked or delayed: recorded now, delivered once it may run
      this.#pendingInputs.push(...inputs);
    }

    await this.#host.store.commit(this.state.runId, { events, state: this.state, changes: this.#changes.take(this.state), wakeAt: nextWakeAt(this.state), attempts: step.attempts, encoded });
    for (const ack of acks) ack();
    for (const respond of respondLater) respond();
    this.#notifyUpdates(events);
    if (step.effects.length > 0) this.#host.effects(this, step.effects);
    if (this.state.closeEvent) this.#resolveCloseWaiters();
  }

  /** Runs the activation for the recorded inputs; returns the events it produced (WorkflowTaskCompleted included). */
  async #activate(inputs: HistoryEvent[], record: (event: NewEvent, at?: number) => HistoryEvent, step: StepContext): Promise<HistoryEvent[]> {
    const { now } = step;
    let produced: NewEvent[];
    try {
      const first = inputs[0];
      // A new run has no history to replay: its first activation starts the workflow.
      if (first?.type === 'WorkflowExecutionStarted') this.#activator = new Activator(this.#definition, first);
      const activator = await this.#ensureLive();
      const allInputs = [...this.#pendingInputs, ...inputs];
      activator.now = now;
      activator.historyLength = this.state.nextEventId - 1;
      activator.historySizeBytes = this.state.historySizeBytes;
      produced = await runLiveActivation(activator, allInputs, {
        newRunId: () => this.#host.newRunId(),
        runLocalActivity: (command) => this.#host.runLocalActivity(command, runRefOf(this.state)),
      });
      this.#pendingInputs = [];
      delete this.state.hasUnprocessedInputs;
    } catch (error) {
      this.#activator = undefined; // its state may be half-updated: rebuild from history next time
      this.#pendingInputs.push(...inputs);
      this.state.hasUnprocessedInputs = true;
      return [this.#taskFailed(error, now, record)];
    }
    this.state.activationFailures = 0;
    // Timers start when their activation ends (as Temporal's do when the task completes): local activities may have
    // taken time since `now`, and a retry backoff counted from `now` would already be over (local-activities.test.ts).
    const endedAt = this.#host.now();
    // Numbered (and measured, once each) before any is applied, so a history over its limit records none of them.
    const before = { nextEventId: this.state.nextEventId, historySizeBytes: this.state.historySizeBytes };
    const events: HistoryEvent[] = [];
    for (const event of produced) {
      if (event.type === 'TimerStarted' && endedAt > now) event.fireAt = endedAt + event.durationMs;
      events.push(record(event));
      if (isCloseEvent(event)) break;
    }
    const closing = events.at(-1) !== undefined && isCloseEvent(events.at(-1)!);
    if (!closing) events.push(record(this.#host.codeVersion === undefined ? { type: 'WorkflowTaskCompleted' } : { type: 'WorkflowTaskCompleted', codeVersion: this.#host.codeVersion }));
    const limitFailure = this.#historyLimitFailure();
    if (limitFailure) {
      Object.assign(this.state, before);
      this.#activator = undefined;
      const event = record({ type: 'WorkflowExecutionFailed', failure: limitFailure });
      closeRun(this.state, event, step);
      return [event];
    }
    for (const event of events) {
      if (isCloseEvent(event)) {
        this.#activator = undefined;
        closeRun(this.state, event, step);
      } else if (event.type !== 'WorkflowTaskCompleted') {
        applyEventToState(this.state, event, step);
      }
    }
    return events;
  }

  /** Rebuilds the workflow from history when it is not in memory. */
  #ensureLive(): Promise<Activator> {
    if (this.#activator) return Promise.resolve(this.#activator);
    this.#rebuilding ??= this.#rebuild().finally(() => (this.#rebuilding = undefined));
    return this.#rebuilding;
  }

  #rebuilding: Promise<Activator> | undefined;

  async #rebuild(): Promise<Activator> {
    const history = await this.#host.store.readHistory(this.state.runId);
    const first = history[0];
    if (!first || first.type !== 'WorkflowExecutionStarted') throw new Error(`History of run ${this.state.runId} does not begin with WorkflowExecutionStarted`);
    const activator = new Activator(this.#definition, first);
    const pending = await replayInto(activator, history);
    this.#pendingInputs = pending;
    this.#activator = activator;
    return activator;
  }

  #taskFailed(error: unknown, now: number, record: (event: NewEvent) => HistoryEvent): HistoryEvent {
    const nonDeterministic = error instanceof NonDeterminismError;
    this.state.activationFailures += 1;
    const message = error instanceof Error ? error.message : String(error);
    if (nonDeterministic) {
      this.state.blocked = { reason: 'nonDeterminism', message, diff: error.diff, since: now, ...(this.#host.codeVersion === undefined ? {} : { codeVersion: this.#host.codeVersion }) };
    } else if (this.state.activationFailures >= Limits.maxActivationFailures) {
      this.state.blocked = { reason: 'activationFailure', message, since: now, ...(this.#host.codeVersion === undefined ? {} : { codeVersion: this.#host.codeVersion }) };
    } else {
      this.state.blocked = { reason: 'activationFailure', message, since: now, retryAt: now + 1_000 * 2 ** (this.state.activationFailures - 1) };
    }
    const event: NewEvent = { type: 'WorkflowTaskFailed', reason: nonDeterministic ? 'nonDeterminism' : 'activationFailure', message };
    if (this.#host.codeVersion !== undefined) (event as { codeVersion?: string }).codeVersion = this.#host.codeVersion;
    return record(event);
  }

  /** Lets a blocked run try again (after a deploy: the host calls this when its code version changed). */
  unblock(): void {
    if (!this.state.blocked) return;
    delete this.state.blocked;
    this.state.activationFailures = 0;
    this.#activator = undefined;
    this.#enqueue({ kind: 'deadlines' });
  }

  #historyLimitFailure(): FailureInfo | undefined {
    const events = this.state.nextEventId - 1;
    const bytes = this.state.historySizeBytes;
    if (events <= Limits.historyMaxEvents && bytes <= Limits.historyMaxBytes) return undefined;
    return toFailureInfo(ApplicationFailure.nonRetryable(
      `History limit exceeded (${events} events, ${bytes} bytes; the limit is ${Limits.historyMaxEvents} events or ${Limits.historyMaxBytes} bytes). Use ctx.continueAsNew() when ctx.info().continueAsNewSuggested turns true.`,
      'HistoryLimitExceeded',
    ));
  }

  /** Validates an update against the current state; records it when accepted. */
  async #acceptUpdate(request: Extract<Request, { kind: 'update' }>, addInput: (event: NewEvent, at?: number) => void, respondLater: Array<() => void>): Promise<void> {
    const { updateId } = request;
    const reject = (failure: FailureInfo) => request.respond({ updateId, rejected: failure });
    if (this.state.blocked) return reject(toFailureInfo(ApplicationFailure.nonRetryable(`Workflow is blocked: ${this.state.blocked.message}`, 'WorkflowBlocked')));
    if (this.state.inFlightUpdates.includes(updateId)) return this.#waitForUpdate(request);
    const completedAt = this.state.completedUpdates[updateId];
    if (completedAt !== undefined) {
      // A retried update (same id) is not run twice: it gets the outcome already recorded.
      const [completed] = await this.#host.store.readHistory(this.state.runId, completedAt - 1);
      if (completed?.type === 'UpdateCompleted') return request.respond({ updateId, outcome: completed.outcome });
    }
    if (this.state.inFlightUpdates.length >= Limits.maxInFlightUpdates) {
      return reject(toFailureInfo(ApplicationFailure.nonRetryable(`At most ${Limits.maxInFlightUpdates} updates may be in flight`, 'LimitExceeded')));
    }
    let activator: Activator;
    try {
      activator = await this.#ensureLive();
    } catch (error) {
      return reject(toFailureInfo(error));
    }
    const rejection = activator.validateUpdate(request.name, request.args);
    if (rejection) return reject(rejection);
    addInput({ type: 'UpdateAccepted', updateId, updateName: request.name, args: request.args }, request.at);
    if (request.acceptedOnly) respondLater.push(() => request.respond({ updateId }));
    else this.#waitForUpdate(request);
  }

  #waitForUpdate(request: Extract<Request, { kind: 'update' }>): void {
    const list = this.#updateWaiters.get(request.updateId) ?? [];
    list.push((outcome) => request.respond({ updateId: request.updateId, outcome }));
    this.#updateWaiters.set(request.updateId, list);
  }

  #notifyUpdates(events: HistoryEvent[]): void {
    for (const event of events) {
      if (event.type !== 'UpdateCompleted') continue;
      const waiters = this.#updateWaiters.get(event.updateId) ?? [];
      this.#updateWaiters.delete(event.updateId);
      for (const waiter of waiters) waiter(event.outcome);
    }
    if (this.isClosed) {
      for (const [updateId, waiters] of this.#updateWaiters) {
        for (const waiter of waiters) waiter({ failure: toFailureInfo(ApplicationFailure.nonRetryable(`Workflow closed (${this.state.status}) before update ${updateId} completed`, 'WorkflowClosed')) });
      }
      this.#updateWaiters.clear();
    }
  }

  /** A request that reached a closed run: refused, except acknowledgements that clear its outbox. */
  /**
   * A request queued before the run closed. A signal, update, cancel or terminate was not taken: it is refused with
   * `WorkflowClosedError` (an update: `closedAs`), so the host can hand it to the run that follows (continue-as-new,
   * a retry) when it was addressed to the workflow id, or tell the sender it was not delivered.
   */
  #afterClose(request: Request, step: StepContext): void {
    const closed = () => new WorkflowClosedError(this.state.workflowId, this.state.status);
    if (request.kind === 'update') {
      request.respond({ updateId: request.updateId, closedAs: this.state.status });
    } else if (request.kind === 'input' && isExternalAck(request.event)) {
      // The signal or cancel this run sent was delivered after it closed: nothing to record, but stop re-sending.
      delete this.state.externals[request.event.seq];
      step.changes.touch('externals', request.event.seq);
    } else if (request.kind === 'input' && this.#isDuplicate(request.event)) {
      request.done?.(); // recorded by this run already (same requestId): not handed over to be recorded again
    } else if (request.kind === 'input' && request.fail && (request.event.type === 'SignalReceived' || request.event.type === 'WorkflowExecutionCancelRequested')) {
      request.fail(closed());
    } else if (request.kind === 'terminate') {
      request.fail(closed());
    } else if (request.kind === 'input') {
      request.done?.();
    }
  }

  /** Inputs that were already recorded, or answer something no longer pending: receivers dedupe (DESIGN §4). */
  #isDuplicate(event: NewEvent): boolean {
    const s = this.state;
    switch (event.type) {
      case 'SignalReceived': return event.requestId !== undefined && s.signalRequestIds[event.requestId] !== undefined;
      case 'WorkflowExecutionCancelRequested': return s.cancelRequested;
      case 'ChildWorkflowStarted': return s.children[event.seq]?.phase !== 'starting';
      case 'ChildWorkflowStartFailed':
      case 'ChildWorkflowClosed': return s.children[event.seq] === undefined;
      case 'ExternalSignalDelivered':
      case 'ExternalSignalFailed':
      case 'ExternalCancelDelivered':
      case 'ExternalCancelFailed': return s.externals[event.seq] === undefined;
      default: return false;
    }
  }

  /** An attempt's outcome: stale attempts are ignored; failures may be retried without touching history. */
  #resolveAttempt(request: Extract<Request, { kind: 'activity' }>, step: StepContext, addInput: (event: NewEvent) => void): void {
    const activity = this.state.activities[request.activityId];
    if (!activity || activity.attempt !== request.attempt || activity.phase !== 'running') return;
    step.changes.touch('activities', request.activityId);
    const { outcome } = request;
    const observe = observeAttempt(activity, 'result' in outcome ? 'completed' : 'failed', step.now);
    const resolution = 'result' in outcome ? completeAttempt(activity, outcome.result) : failAttempt(activity, outcome.failure, step.now);
    step.attempts.push(observe(resolution));
    if ('events' in resolution) for (const event of resolution.events) addInput(event);
  }

  #resolveCloseWaiters(): void {
    const outcome = outcomeOfCloseEvent(this.state.closeEvent!)!;
    for (const waiter of this.#closeWaiters.splice(0)) waiter(outcome);
  }
}

function isExternalAck(event: NewEvent): event is Extract<NewEvent, { type: 'ExternalSignalDelivered' | 'ExternalSignalFailed' | 'ExternalCancelDelivered' | 'ExternalCancelFailed' }> {
  return event.type === 'ExternalSignalDelivered' || event.type === 'ExternalSignalFailed' || event.type === 'ExternalCancelDelivered' || event.type === 'ExternalCancelFailed';
}
