// The workflow coroutine a run keeps in memory between steps (DESIGN §3: live instance, replay only when needed),
// the recorded inputs it has not seen yet, and the activation that feeds them to it. Kept apart from WorkflowRun so
// the queue and the commit read without the replay, task-failure and history-limit rules in between.
import { runLiveActivation, type HandedOverAttempt, type LocalActivityCommand, type LocalActivityOutcome } from './activation';
import { Activator } from './activator';
import type { WorkflowDefinition } from './definitions';
import { EngineFlag } from './engine-flags';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from './failure';
import { isCloseEvent, type EndsActivation, type HistoryEvent, type NewEvent } from './history';
import { Limits } from './limits';
import type { KeepLogLine } from './log';
import { tracedLocalAttempt } from './tracing/run-spans';
import type { UpdateOffer } from './message-handlers';
import { NonDeterminismError } from './nondeterminism';
import { WorkflowTaskError } from './workflow-errors';
import { replayInto } from './replay';
import { PayloadUnavailableError } from './payloads/payload-unavailable';
import type { RunHost } from './run-host';
import type { RunState } from './run-state';
import { applyEventToState, closeRun, runRefOf, type StepContext } from './run-transitions';

/** What a step brings an activation of its local attempts: outcomes to record, and which attempts its host runs. */
export interface LocalAttemptsOfStep {
  outcomes: LocalActivityOutcome[];
  /** seq → attempt of the attempts the host runs now (the others the run owes are started by the activation). */
  running: ReadonlyMap<number, number>;
}

export class LiveWorkflow {
  readonly #state: RunState;
  readonly #definition: WorkflowDefinition;
  readonly #host: RunHost;
  #activator: Activator | undefined;
  /** Recorded inputs that still need an activation (after a failed one, or a restart). */
  #pendingInputs: HistoryEvent[] = [];
  #rebuilding: Promise<Activator> | undefined;
  /** Where the run keeps the lines its workflow code and local activities log. */
  readonly #keepLog: KeepLogLine;

  constructor(state: RunState, definition: WorkflowDefinition, host: RunHost, keepLog: KeepLogLine) {
    this.#state = state;
    this.#definition = definition;
    this.#host = host;
    this.#keepLog = keepLog;
  }

  get isLive(): boolean { return this.#activator !== undefined; }
  get bufferedSignalCount(): number { return this.#activator?.bufferedSignalCount ?? 0; }

  /** Drops the coroutine (evicted, closed, or stale); the next need replays history. Pending inputs stay. */
  evict(): void {
    this.#activator = undefined;
  }

  /** Rebuilds the workflow from history when it is not in memory. */
  ensureLive(): Promise<Activator> {
    if (this.#activator) return Promise.resolve(this.#activator);
    this.#rebuilding ??= this.#rebuild().finally(() => (this.#rebuilding = undefined));
    return this.#rebuilding;
  }

  /** Holds recorded inputs of a blocked or delayed run: delivered by the first activation it may run. */
  defer(inputs: HistoryEvent[]): void {
    this.#state.hasUnprocessedInputs = true; // blocked or delayed: recorded now, delivered once it may run
    this.#pendingInputs.push(...inputs);
  }

  /**
   * Runs the activation for the recorded inputs, and validates `offer` in it (its `UpdateAccepted` joins `inputs` when
   * accepted); returns the events it produced (WorkflowTaskCompleted included).
   */
  async activate(inputs: HistoryEvent[], record: (event: NewEvent, at?: number) => HistoryEvent, step: StepContext, local: LocalAttemptsOfStep, offer?: UpdateOffer): Promise<HistoryEvent[]> {
    const state = this.#state;
    const { now } = step;
    let produced: NewEvent[];
    let localAttempts: HandedOverAttempt[];
    let flags: string[] | undefined;
    let offerDecided = false;
    let offerAccepted = false;
    try {
      const first = inputs[0];
      // A new run has no history to replay: its first activation starts the workflow.
      if (first?.type === 'WorkflowExecutionStarted') this.#activator = new Activator(this.#definition, first, this.#keepLog, this.#host.blobs?.maxPayloadBytes);
      const activator = await this.ensureLive();
      const allInputs = [...this.#pendingInputs, ...inputs];
      activator.now = now;
      activator.historyLength = state.nextEventId - 1;
      activator.historySizeBytes = state.historySizeBytes;
      const offered: UpdateOffer | undefined = offer && {
        updateId: offer.updateId,
        updateName: offer.updateName,
        args: offer.args,
        accept: () => {
          offerDecided = offerAccepted = true;
          offer.accept();
          // Replay counts the UpdateAccepted among the activation's inputs: so does ctx.info() here.
          activator.historyLength = state.nextEventId - 1;
          activator.historySizeBytes = state.historySizeBytes;
        },
        reject: (failure) => {
          offerDecided = true;
          offer.reject(failure);
        },
      };
      const paused = state.paused !== undefined;
      ({ produced, localAttempts } = await runLiveActivation(activator, allInputs, {
        runLocalActivity: (command) => tracedLocalAttempt(this.#host.spans, () => this.#host.now(), state, command, () => this.#host.runLocalActivity(command, runRefOf(state), this.#keepLog)),
        newRunId: () => this.#host.newRunId(),
        localOutcomes: local.outcomes,
        startFirst: paused ? [] : this.#owedAttempts(activator, local),
        holdLocalAttempts: paused,
        ...(offered && { offer: offered }),
      }));
      // An error of workflow code's own (not a Duro failure), or a rejection it left unhandled: the task fails, the run stays.
      const taskFailure = activator.takeTaskFailure();
      if (taskFailure) throw taskFailure;
      // An activation that only turned an update down, or only started attempts owed from before, records nothing (a
      // rejected update leaves no trace, as in Temporal), and a flag it used first is recorded by the next activation.
      if (allInputs.length === 0 && produced.length === 0 && !offerAccepted) {
        this.#handOver(localAttempts, step);
        return [];
      }
      produced = withoutTimersCancelledAtOnce(produced, () => activator.flags.use(EngineFlag.TimerPairsDropped, false));
      flags = activator.flags.takeFirstUsed();
      this.#pendingInputs = [];
      delete state.hasUnprocessedInputs;
    } catch (error) {
      if (offer && !offerDecided) offer.reject(toFailureInfo(error)); // as an update whose validation could not run
      this.#activator = undefined; // its state may be half-updated: rebuild from history next time
      this.#pendingInputs.push(...inputs);
      state.hasUnprocessedInputs = true;
      return this.#taskFailed(error, now, record);
    }
    state.activationFailures = 0;
    // Timers start when their activation ends (as Temporal's do when the task completes): local activities may have
    // taken time since `now`, and a retry backoff counted from `now` would already be over (local-activities.test.ts).
    const endedAt = this.#host.now();
    // Numbered (and measured, once each) before any is applied, so a history over its limit records none of them.
    const before = { nextEventId: state.nextEventId, historySizeBytes: state.historySizeBytes, historyStoredBytes: state.historyStoredBytes };
    const events: HistoryEvent[] = [];
    for (const event of closeLast(produced)) {
      if (event.type === 'TimerStarted' && endedAt > now) event.fireAt = endedAt + event.durationMs;
      // Flags go on the event that ends the activation, before it is recorded (and serialized, once).
      if (flags && isCloseEvent(event)) (event as EndsActivation).flags = flags;
      events.push(record(event));
      if (isCloseEvent(event)) break;
    }
    const closing = events.at(-1) !== undefined && isCloseEvent(events.at(-1)!);
    if (!closing) {
      events.push(record({
        type: 'WorkflowTaskCompleted',
        ...(this.#host.codeVersion !== undefined && { codeVersion: this.#host.codeVersion }),
        ...(flags && { flags }),
      }));
    }
    const limitFailure = historyLimitFailure(state);
    if (limitFailure) {
      Object.assign(state, before);
      this.#activator = undefined;
      const event = record({ type: 'WorkflowExecutionFailed', failure: limitFailure });
      closeRun(state, event, step);
      return [event];
    }
    for (const event of events) {
      if (isCloseEvent(event)) {
        this.#activator = undefined;
        closeRun(state, event, step);
      } else if (event.type !== 'WorkflowTaskCompleted') {
        applyEventToState(state, event, step);
      }
    }
    if (!closing) this.#handOver(localAttempts, step);
    return events;
  }

  /** The run owes the attempts the activation ended without, and follows (or starts) them once the step commits. */
  #handOver(attempts: HandedOverAttempt[], step: StepContext): void {
    for (const { command } of attempts) (this.#state.localAttempts ??= {})[command.seq] = { activityType: command.activityType, attempt: command.attempt };
    step.localAttempts.push(...attempts);
  }

  /**
   * The attempts the run owes that nothing runs and whose outcome this step does not bring, as the code asked for
   * them; an owed attempt the code no longer awaits (other code since) is let go.
   */
  #owedAttempts(activator: Activator, local: LocalAttemptsOfStep): LocalActivityCommand[] {
    const owed = this.#state.localAttempts;
    if (!owed) return [];
    const settled = new Set(local.outcomes.map(({ seq }) => seq));
    const commands: LocalActivityCommand[] = [];
    for (const [key, { attempt }] of Object.entries(owed)) {
      const command = activator.pendingLocalActivity(Number(key));
      if (command?.attempt !== attempt) delete owed[key];
      else if (local.running.get(command.seq) !== attempt && !settled.has(command.seq)) commands.push(command);
    }
    if (Object.keys(owed).length === 0) delete this.#state.localAttempts;
    return commands;
  }

  async #rebuild(): Promise<Activator> {
    const history = await this.#host.store.readHistory(this.#state.runId);
    const first = history[0];
    if (!first || first.type !== 'WorkflowExecutionStarted') throw new Error(`History of run ${this.#state.runId} does not begin with WorkflowExecutionStarted`);
    const activator = new Activator(this.#definition, first, this.#keepLog, this.#host.blobs?.maxPayloadBytes);
    const pending = await replayInto(activator, history);
    this.#pendingInputs = pending;
    this.#activator = activator;
    // An attempt the code awaits that the state does not name (a reset to where one ran) is owed too.
    for (const command of activator.pendingLocalActivities()) {
      const owed = (this.#state.localAttempts ??= {});
      owed[command.seq] ??= { activityType: command.activityType, attempt: command.attempt };
    }
    if (this.#state.localAttempts && Object.keys(this.#state.localAttempts).length === 0) delete this.#state.localAttempts;
    return activator;
  }

  /**
   * The activation failed: the run blocks, with why. Non-determinism waits for other code; an error of workflow code
   * (`workflowError`) or of the engine (`activationFailure`) is tried again after a backoff, then waits for other code
   * too, as the same code on the same history fails the same way.
   */
  #taskFailed(error: unknown, now: number, record: (event: NewEvent) => HistoryEvent): HistoryEvent[] {
    const state = this.#state;
    if (error instanceof PayloadUnavailableError) return this.#payloadUnavailable(error, now, record);
    const nonDeterministic = error instanceof NonDeterminismError;
    const reason = nonDeterministic ? 'nonDeterminism' : error instanceof WorkflowTaskError ? 'workflowError' : 'activationFailure';
    state.activationFailures += 1;
    const message = error instanceof Error ? error.message : String(error);
    const codeVersion = this.#host.codeVersion === undefined ? {} : { codeVersion: this.#host.codeVersion };
    // What workflow code threw, with its stack, for describe and the UI: the message alone rarely finds the line.
    const thrown = error instanceof WorkflowTaskError ? { failure: toFailureInfo(error.error) } : {};
    if (nonDeterministic) {
      state.blocked = { reason, message, diff: error.diff, since: now, ...codeVersion };
    } else if (state.activationFailures >= Limits.maxActivationFailures) {
      state.blocked = { reason, message, since: now, ...codeVersion, ...thrown };
    } else {
      state.blocked = { reason, message, since: now, retryAt: now + 1_000 * 2 ** (state.activationFailures - 1), ...thrown };
    }
    const event: NewEvent = { type: 'WorkflowTaskFailed', reason, message, ...thrown };
    if (this.#host.codeVersion !== undefined) (event as { codeVersion?: string }).codeVersion = this.#host.codeVersion;
    return [record(event)];
  }

  /**
   * A blob the replay needs is missing or not what was put (decision 019 §4): the run is blocked, not failed, since
   * the value may come back (a restored bucket, a fixed binding). It looks again with a backoff (at most every
   * PAYLOAD_RETRY_MAX_MS, never giving up), or at once on `unblock`. Recorded once, when the wait begins: retries
   * that find the blob still missing add no event.
   */
  #payloadUnavailable(error: PayloadUnavailableError, now: number, record: (event: NewEvent) => HistoryEvent): HistoryEvent[] {
    const state = this.#state;
    const firstFailure = state.activationFailures === 0;
    state.activationFailures += 1;
    const backoff = Math.min(PAYLOAD_RETRY_MAX_MS, 1_000 * 2 ** Math.min(state.activationFailures - 1, 20));
    state.blocked = { reason: 'payloadUnavailable', message: error.message, since: now, retryAt: now + backoff };
    return firstFailure ? [record({ type: 'WorkflowTaskFailed', reason: 'payloadUnavailable', message: error.message })] : [];
  }
}

/** How long a run whose payload blob is unavailable waits, at most, before it looks for the blob again. */
const PAYLOAD_RETRY_MAX_MS = 10 * 60 * 1000;

function historyLimitFailure(state: RunState): FailureInfo | undefined {
  const events = state.nextEventId - 1;
  const bytes = state.historyStoredBytes ?? state.historySizeBytes;
  if (events <= Limits.historyMaxEvents && bytes <= Limits.historyMaxBytes) return undefined;
  return toFailureInfo(ApplicationFailure.nonRetryable(
    `History limit exceeded (${events} events, ${bytes} bytes; the limit is ${Limits.historyMaxEvents} events or ${Limits.historyMaxBytes} bytes). Use ctx.continueAsNew() when ctx.info().continueAsNewSuggested turns true.`,
    'HistoryLimitExceeded',
  ));
}

/**
 * An activation's events with its close (the workflow returned, failed or continued as new) last: an update that
 * completes in the same activation, after the workflow returned, is recorded before the close, as Temporal orders
 * an update's completion before the workflow's (issue 17). Nothing else follows a close: the activator issues no
 * other command once the workflow is done, and a local activity finishing after it is not recorded.
 */
function closeLast(produced: NewEvent[]): NewEvent[] {
  const closeAt = produced.findIndex(isCloseEvent);
  if (closeAt < 0) return produced;
  const updates = produced.slice(closeAt + 1).filter((event) => event.type === 'UpdateCompleted');
  return [...produced.slice(0, closeAt), ...updates, produced[closeAt]!];
}

/** The activation's events without the timers it both started and cancelled, when `drops()` says the run does so. */
function withoutTimersCancelledAtOnce(produced: NewEvent[], drops: () => boolean): NewEvent[] {
  const started = new Set(produced.flatMap((event) => (event.type === 'TimerStarted' ? [event.timerId] : [])));
  const pairs = new Set(produced.flatMap((event) => (event.type === 'TimerCanceled' && started.has(event.timerId) ? [event.timerId] : [])));
  if (pairs.size === 0 || !drops()) return produced;
  return produced.filter((event) => !((event.type === 'TimerStarted' || event.type === 'TimerCanceled') && pairs.has(event.timerId)));
}
