// Runs one activation of a workflow: deliver its inputs, then let the code run until it is blocked,
// collecting commands. Live, commands become new events; on replay they are checked against the
// recorded ones. Both paths share the same loop shape, so they interleave workflow code identically.
import type { Activator } from './activator';
import { eventForCommand, compareCommandWithEvent, describeCommand, describeEvent, isCloseCommand, type LocalActivityCommand, type RecordedCommand } from './commands';
import { isCloseEvent, isCommandEvent, passOverUnknownEvent, type HistoryEvent, type MarkerRecorded, type NewEvent, type Outcome } from './history';
import { EngineFlag } from './engine-flags';
import type { UpdateOffer } from './message-handlers';
import { NonDeterminismError } from './nondeterminism';
import { toFailureInfo } from './failure';
import { copyPayload } from './payload';
import { hasAsyncContext, leaveWithoutAsyncContext } from './ambient';
import { yieldMacrotask } from './scheduling';

export type { LocalActivityCommand } from './commands';

/** A local activity attempt's outcome, brought to the activation that records its marker. */
export interface LocalActivityOutcome {
  seq: number;
  attempt: number;
  outcome: Outcome;
}

export interface LocalActivityMarkerData {
  activityType: string;
  attempt: number;
  outcome: Outcome;
}

/** Delivers one recorded input event to the workflow. Command events and bookkeeping events deliver nothing. */
export function applyInput(activator: Activator, event: HistoryEvent): void {
  if (isCloseEvent(event)) return; // a close changes nothing here
  switch (event.type) {
    case 'WorkflowExecutionStarted': return activator.startWorkflow();
    case 'SignalReceived': return activator.deliverSignal(event.signalName, argumentsOf(activator, event.args));
    case 'UpdateAccepted': return activator.acceptUpdate(event.updateId, event.updateName, argumentsOf(activator, event.args));
    case 'WorkflowExecutionCancelRequested': return activator.requestCancellation(event.reason);
    case 'ActivityTaskCompleted': return activator.resolveActivity(event.activityId, { result: event.result });
    case 'ActivityTaskFailed':
    case 'ActivityTaskTimedOut': return activator.resolveActivity(event.activityId, { failure: event.failure });
    case 'ActivityTaskCanceled': return activator.activityCanceled(event.activityId, event.attempt, event.details);
    case 'TimerFired': return activator.fireTimer(event.timerId);
    case 'ChildWorkflowStarted': return activator.childStarted(event.seq, event.runId);
    case 'ChildWorkflowStartFailed': return activator.childStartFailed(event.seq, event.failure);
    case 'ChildWorkflowClosed': return activator.childClosed(event.seq, event.runId, event.status, event.outcome);
    case 'ExternalSignalDelivered':
    case 'ExternalCancelDelivered': return activator.externalDone(event.seq);
    case 'ExternalSignalFailed':
    case 'ExternalCancelFailed': return activator.externalDone(event.seq, event.failure);
    case 'WorkflowTaskCompleted':
    case 'WorkflowTaskFailed':
    case 'ActivityTaskScheduled':
    case 'ActivityTaskStarted':
    case 'ActivityTaskCancelRequested':
    case 'TimerStarted':
    case 'TimerCanceled':
    case 'MarkerRecorded':
    case 'UpdateCompleted':
    case 'SearchAttributesUpserted':
    case 'MemoUpserted':
    case 'ChildWorkflowInitiated':
    case 'ExternalSignalInitiated':
    case 'ExternalCancelInitiated':
      return; // command and bookkeeping events: nothing to deliver
    default:
      passOverUnknownEvent(event);
      return;
  }
}

/** An input of an activation: a recorded event, or (live) an update its activation validates. */
type Job = HistoryEvent | UpdateOffer;

/**
 * Delivers an activation's inputs in Temporal's order (see `inTemporalOrder`), checking conditions after each;
 * timers that fired among them are known first (see `markTimerFiring`).
 */
function applyInputs(activator: Activator, inputs: HistoryEvent[], offer?: UpdateOffer): void {
  activator.beginActivation();
  for (const input of inputs) if (input.type === 'TimerFired') activator.markTimerFiring(input.timerId);
  // As the workflow's code: what the inputs resolve continues in it (ambient.ts).
  activator.enter(() => {
    for (const job of inTemporalOrder(activator, offer ? [...inputs, offer] : inputs)) {
      if (isOffer(job)) activator.offerUpdate(job);
      else applyInput(activator, job);
      activator.checkConditionsAfterInput();
    }
  });
}

/**
 * Where there is no async context (a browser), the workflow whose code runs is the one entered last (ambient.ts), so
 * the engine hands inputs to workflow code only at the start of a macrotask of its own: no other workflow's code
 * shares its microtasks.
 */
async function ownMacrotaskWithoutAsyncContext(): Promise<void> {
  if (!hasAsyncContext()) await yieldMacrotask();
}

/**
 * The order Temporal's core gives an activation's jobs (signals and updates before timer firings, activity and child
 * outcomes and cancel requests; otherwise as they arrived) and its TypeScript SDK's start of the workflow function
 * after the other jobs (issue 17). Each rule applies once the run records its flag, asked only where it reorders
 * something. An offered update is the last input its step took, so it goes after the signals recorded before it, where
 * replay finds its `UpdateAccepted`.
 */
function inTemporalOrder(activator: Activator, jobs: Job[]): Job[] {
  const startAt = jobs.findIndex((job) => !isOffer(job) && job.type === 'WorkflowExecutionStarted');
  const start = jobs[startAt];
  let rest = start === undefined ? jobs : jobs.filter((_, index) => index !== startAt);
  const firstOther = rest.findIndex((job) => !isMessage(job));
  if (firstOther >= 0 && rest.slice(firstOther).some(isMessage) && activator.flags.use(EngineFlag.MessagesFirst, activator.isReplaying)) {
    rest = [...rest.filter(isMessage), ...rest.filter((job) => !isMessage(job))];
  }
  if (start === undefined) return rest;
  if (rest.length > 0 && activator.flags.use(EngineFlag.StartAfterMessages, activator.isReplaying)) return [...rest, start];
  return [start, ...rest];
}

function isOffer(job: Job): job is UpdateOffer {
  return !('type' in job);
}

function isMessage(job: Job): boolean {
  return isOffer(job) || job.type === 'SignalReceived' || job.type === 'UpdateAccepted';
}

/** Runs a local activity attempt to its outcome; never rejects. Supplied by the host. */
export type LocalActivityRunner = (command: LocalActivityCommand) => Promise<Outcome>;

export interface LiveActivationOptions {
  runLocalActivity: LocalActivityRunner;
  newRunId: () => string;
  /** An update the activation validates (issue 17): after the inputs' signals, or once its handler is set. */
  offer?: UpdateOffer;
  /** Outcomes of local attempts handed over by earlier activations: each is delivered while the code is blocked. */
  localOutcomes?: LocalActivityOutcome[];
  /** Attempts the run owes that nothing runs (held until a commit or a resume, lost with their host): started first. */
  startFirst?: LocalActivityCommand[];
  /** Start no local attempt (the run is paused): each is handed over unstarted, for the run to start on resume. */
  holdLocalAttempts?: boolean;
  /** Called with each new event as soon as it exists (for size accounting and limits). */
  onEvent?: (event: NewEvent) => void;
}

/** A local attempt an activation ended without: still running (`outcome`), or not started (a paused run). */
export interface HandedOverAttempt {
  command: LocalActivityCommand;
  outcome?: Promise<Outcome>;
}

/** What a live activation did: the events it produced, in order (inputs are not included), and the attempts it handed over. */
export interface LiveActivation {
  produced: NewEvent[];
  localAttempts: HandedOverAttempt[];
}

/**
 * Runs an activation live. A local attempt that settles within a macrotask of being asked for (it waited on no I/O)
 * is recorded by this activation, so chains of such steps commit together (decision 003). One still running then is
 * handed over: the activation ends and commits without it, so messages, cancels, pauses and terminates reach the run
 * meanwhile and what came before it is durable; its outcome comes back to a later activation (`localOutcomes`), which
 * records its marker where the code is blocked, as replay resolves it. An attempt asked for after such an outcome is
 * held until this activation commits (the run starts it in the next one, `startFirst`), so no step's I/O begins
 * before the result of a step that waited on I/O is durable (decision 017).
 */
export async function runLiveActivation(activator: Activator, inputs: HistoryEvent[], options: LiveActivationOptions): Promise<LiveActivation> {
  activator.isReplaying = false;
  const produced: NewEvent[] = [];
  const emit = (event: NewEvent) => {
    produced.push(event);
    options.onEvent?.(event);
  };
  const held: HandedOverAttempt[] = [];
  const running = new Map<number, Required<HandedOverAttempt>>();
  // An outcome for an attempt this code no longer waits for (rebuilt on other code meanwhile) is dropped.
  const earlier = (options.localOutcomes ?? []).filter(({ seq, attempt }) => activator.pendingLocalActivity(seq)?.attempt === attempt);
  const finished: LocalActivityOutcome[] = [];
  let wake: (() => void) | undefined;
  const start = (command: LocalActivityCommand) => {
    // A runner that throws is a host fault; it still ends the attempt (as a failure), so the run never waits for good.
    const outcome = options.runLocalActivity(command).catch((error: unknown): Outcome => ({ failure: toFailureInfo(error) }));
    running.set(command.seq, { command, outcome });
    void outcome.then((settled) => {
      // Delivered only while the workflow is blocked, never mid-flight, so replay matches; once handed over, the run's.
      if (!running.delete(command.seq)) return;
      finished.push({ seq: command.seq, attempt: command.attempt, outcome: settled });
      wake?.();
    });
  };

  /** Set once an outcome handed over by an earlier activation is recorded: attempts asked for after it wait for the commit. */
  let recordedEarlier = false;

  await ownMacrotaskWithoutAsyncContext();
  for (const command of options.startFirst ?? []) start(command);
  applyInputs(activator, inputs, options.offer);
  for (;;) {
    await yieldMacrotask();
    leaveWithoutAsyncContext();
    for (const command of activator.commands.splice(0)) {
      if (command.type !== 'scheduleLocalActivity') emit(eventForCommand(command, activator.now, options.newRunId));
      else if (options.holdLocalAttempts || recordedEarlier) held.push({ command });
      else start(command);
    }
    if (activator.checkConditions()) continue;
    if (activator.settleBufferedUpdates()) continue;
    if (earlier.length === 0 && finished.length === 0 && running.size > 0) {
      // Until an attempt settles, or for one macrotask at most: time enough for work that waits on no I/O.
      await new Promise<void>((resolve) => {
        wake = resolve;
        void yieldMacrotask().then(resolve);
      });
      wake = undefined;
      await ownMacrotaskWithoutAsyncContext(); // woken in the macrotask of whatever finished the attempt
      leaveWithoutAsyncContext();
    }
    const fromEarlier = earlier.length > 0;
    const next = earlier.shift() ?? finished.shift();
    if (!next) break;
    recordedEarlier ||= fromEarlier;
    const { activityType } = activator.pendingLocalActivity(next.seq)!;
    const data: LocalActivityMarkerData = { activityType, attempt: next.attempt, outcome: next.outcome };
    emit({ type: 'MarkerRecorded', markerName: 'LocalActivity', seq: next.seq, data });
    activator.enter(() => activator.resolveLocalActivity(next.seq, next.outcome));
  }
  activator.endActivation();
  const localAttempts = [...held, ...running.values()];
  running.clear(); // what settles from now on goes to the run, through the handed-over promises
  // A child cancelled in the activation that started it was never sent: nothing of it is recorded.
  if (activator.unsentChildren.size === 0) return { produced, localAttempts };
  return { produced: produced.filter((event) => !(event.type === 'ChildWorkflowInitiated' && activator.unsentChildren.has(event.seq))), localAttempts };
}

/**
 * Replays one recorded activation: `inputs` are delivered, then the code's commands are matched in order
 * against `recorded` (the activation's command events and markers). Throws `NonDeterminismError` on the
 * first divergence. `endEventId` names the event that closes the activation, for the diff.
 */
export async function replayActivation(activator: Activator, inputs: HistoryEvent[], recorded: HistoryEvent[], endEventId: number): Promise<void> {
  activator.isReplaying = true;
  activator.replayData = collectReplayData(recorded);
  const issued: RecordedCommand[] = [];
  /** The close command, matched last: update completions of the same activation are recorded before it. */
  let close: RecordedCommand | undefined;
  /** Timers the code started here that history does not have: cancelled in this activation, so not recorded. */
  const unrecordedTimers = new Set<string>();
  const recordedTimerSeqs = new Set(recorded.flatMap((event) => (event.type === 'TimerStarted' ? [event.seq] : [])));
  /** Children the code started here that history does not have: cancelled in this activation, so never started. */
  const unrecordedChildren = new Set<number>();
  const recordedChildSeqs = new Set(recorded.flatMap((event) => (event.type === 'ChildWorkflowInitiated' ? [event.seq] : [])));
  let cursor = 0;
  const diverged = (expected: string, at: HistoryEvent | undefined) =>
    new NonDeterminismError({ eventId: at?.eventId ?? endEventId, expected, recorded: at ? describeEvent(at) : 'the end of the activation' });

  await ownMacrotaskWithoutAsyncContext();
  applyInputs(activator, inputs);
  for (;;) {
    await yieldMacrotask();
    leaveWithoutAsyncContext();
    for (const command of activator.commands.splice(0)) {
      if (command.type === 'scheduleLocalActivity') continue;
      if (command.type === 'startTimer' && !recordedTimerSeqs.has(command.seq) && activator.flags.use(EngineFlag.TimerPairsDropped, true)) {
        unrecordedTimers.add(command.timerId);
        continue;
      }
      if (command.type === 'cancelTimer' && unrecordedTimers.delete(command.timerId)) continue;
      if (command.type === 'startChild' && !recordedChildSeqs.has(command.seq) && activator.flags.use(EngineFlag.ChildCancelledBeforeStart, true)) {
        unrecordedChildren.add(command.seq);
        continue;
      }
      if (isCloseCommand(command)) close = command;
      else issued.push(command);
    }
    // Match what the code issued, in order, up to the next local activity outcome.
    while (cursor < recorded.length && !isLocalActivityMarker(recorded[cursor]!)) {
      const event = recorded[cursor]!;
      const command = issued[0];
      // Skipped only once the code issued something else here: with nothing issued yet, the code may still reach
      // ctx.patched() after a condition unblocks it (versioning.test.ts, messages.test.ts).
      if (isPatchMarker(event) && command && (!isPatchCommand(command) || compareCommandWithEvent(command, event) !== undefined)) {
        cursor++; // the code no longer calls deprecatePatch here: allowed
        continue;
      }
      if (!command) break;
      if (isDeprecatedPatchCommand(command) && compareCommandWithEvent(command, event) !== undefined) {
        issued.shift();
        continue;
      }
      const mismatch = compareCommandWithEvent(command, event);
      if (mismatch !== undefined) throw diverged(describeCommand(command), event);
      issued.shift();
      cursor++;
    }
    while (issued.length > 0 && isDeprecatedPatchCommand(issued[0]!)) issued.shift();
    if (issued.length > 0) throw diverged(describeCommand(issued[0]!), recorded[cursor]);
    if (activator.checkConditions()) continue;
    if (activator.settleBufferedUpdates()) continue;
    while (cursor < recorded.length && isPatchMarker(recorded[cursor]!)) cursor++; // blocked, and no deprecatePatch call left here: allowed
    const next = recorded[cursor];
    if (next === undefined) break;
    if (close && isCloseEvent(next)) {
      const mismatch = compareCommandWithEvent(close, next);
      if (mismatch !== undefined) throw diverged(describeCommand(close), next);
      close = undefined;
      cursor++;
      continue;
    }
    if (!isLocalActivityMarker(next)) throw diverged('nothing', next);
    const data = next.data as LocalActivityMarkerData;
    const pendingType = activator.pendingLocalActivity(next.seq!)?.activityType;
    if (pendingType === undefined) throw diverged('no local activity', next);
    // Matched by seq, so a reorder of local activities (or Cloudflare steps) would hand one's result to another.
    if (pendingType !== data.activityType) throw diverged(`LocalActivity(${pendingType}, seq ${next.seq})`, next);
    cursor++;
    activator.enter(() => activator.resolveLocalActivity(next.seq!, data.outcome));
  }
  activator.endActivation(); // a rejection the replayed code leaves unhandled was handled live: the activation completed
  if (cursor < recorded.length) throw diverged('nothing', recorded[cursor]);
  if (close) throw diverged(describeCommand(close), undefined);
  // A timer left unrecorded must have been cancelled in its activation, as when it was recorded.
  if (unrecordedTimers.size > 0) throw diverged(`StartTimer(${[...unrecordedTimers].join(', ')})`, undefined);
  // Likewise a child left unrecorded must have been cancelled before its activation ended.
  const started = [...unrecordedChildren].filter((seq) => !activator.unsentChildren.has(seq));
  if (started.length > 0) throw diverged(`StartChild(seq ${started.join(', ')})`, undefined);
}

/** Splits recorded events of one activation into inputs and command events. */
export function splitActivation(events: HistoryEvent[]): { inputs: HistoryEvent[]; recorded: HistoryEvent[] } {
  const inputs: HistoryEvent[] = [];
  const recorded: HistoryEvent[] = [];
  for (const event of events) {
    if (event.type === 'WorkflowTaskFailed' || event.type === 'WorkflowTaskCompleted') continue;
    (isCommandEvent(event) ? recorded : inputs).push(event);
  }
  return { inputs, recorded };
}

function collectReplayData(recorded: HistoryEvent[]): { patches: Set<string>; sideEffects: Map<number, unknown> } {
  const patches = new Set<string>();
  const sideEffects = new Map<number, unknown>();
  for (const event of recorded) {
    if (event.type !== 'MarkerRecorded') continue;
    if (event.markerName === 'Patch') patches.add((event.data as { patchId: string }).patchId);
    if (event.markerName === 'SideEffect' && event.seq !== undefined) sideEffects.set(event.seq, event.data);
  }
  return { patches, sideEffects };
}

function isLocalActivityMarker(event: HistoryEvent): event is MarkerRecorded {
  return event.type === 'MarkerRecorded' && event.markerName === 'LocalActivity';
}

function isPatchMarker(event: HistoryEvent): boolean {
  return event.type === 'MarkerRecorded' && event.markerName === 'Patch';
}

function isPatchCommand(command: RecordedCommand): boolean {
  return command.type === 'recordMarker' && command.markerName === 'Patch';
}

function isDeprecatedPatchCommand(command: RecordedCommand): boolean {
  return isPatchCommand(command) && (command as { data: { deprecated: boolean } }).data.deprecated;
}

/**
 * A handler's own copy of a message's arguments, live: what it does to them never reaches the event being recorded.
 * Replayed events were just read from the store, so they are the handler's already (no copy per event on replay).
 */
function argumentsOf(activator: Activator, args: unknown[]): unknown[] {
  return activator.isReplaying ? args : copyPayload(args);
}
