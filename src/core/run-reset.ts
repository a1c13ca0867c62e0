// Reset (Temporal's, Cloudflare's restart-from-step): a new run whose history is an old run's up to the end of
// one activation, re-run from there with the current code; signals received after that point are re-applied.
import { storedEventBytes } from './history-size';
import { payloadConverterOf } from './payloads/run-payloads';
import { runTrace } from './tracing/trace-context';
import type { HistoryEvent } from './history';
import { payloadSize } from './payload';
import type { CarriedSignal } from './carried-signal';
import { PENDING_COLLECTIONS, PendingChanges, type RunState } from './run-state';
import { applyEventToState, type RunEffect, type StepContext } from './run-transitions';

export interface ResetPlan {
  /** The copied events, numbered as before, the start event carrying the new run id. */
  events: HistoryEvent[];
  /** Pending state as of the reset point (attempts, timers…), rebuilt from the copied events. */
  state: RunState;
  /** What the copied events left in flight and the new run must send (activity attempts, signals to others). */
  effects: RunEffect[];
  /** Signals the old run received after the reset point, to be recorded again. */
  signalsAfter: CarriedSignal[];
}

/** Why an event cannot be a reset point, or undefined when it can. */
export function badResetPoint(history: HistoryEvent[], eventId: number): string | undefined {
  const index = history.findIndex((event) => event.eventId === eventId);
  if (index < 0) return `The run has no event ${eventId}`;
  if (history[index]!.type !== 'WorkflowTaskCompleted') return `Event ${eventId} is ${history[index]!.type}; a reset point must be a WorkflowTaskCompleted (the end of an activation)`;
  const children = new Set<number>();
  for (const event of history.slice(0, index + 1)) {
    if (event.type === 'ChildWorkflowInitiated') children.add(event.seq);
    if (event.type === 'ChildWorkflowClosed' || event.type === 'ChildWorkflowStartFailed') children.delete(event.seq);
  }
  if (children.size > 0) return `Children are still running at event ${eventId}; their results would go to the old run`;
  return undefined;
}

/**
 * Builds the new run's history and state. Check `badResetPoint` first. `blobThresholdBytes`: the host's, when it keeps
 * large rows in a blob store (the stored size then counts them as their references).
 */
export function planReset(history: HistoryEvent[], eventId: number, newRunId: string, now: number, blobThresholdBytes?: number): ResetPlan {
  const index = history.findIndex((event) => event.eventId === eventId);
  const first = history[0];
  if (!first || first.type !== 'WorkflowExecutionStarted' || index < 0) throw new Error('not a resettable history');
  const events = history.slice(0, index + 1).map((event) => JSON.parse(JSON.stringify(event)) as HistoryEvent);
  events[0] = { ...first, runId: newRunId };
  const state: RunState = {
    workflowId: first.workflowId,
    runId: newRunId,
    workflowType: first.workflowType,
    status: 'running',
    startTime: now,
    nextEventId: eventId + 1,
    historySizeBytes: events.reduce((sum, event) => sum + payloadSize(event), 0),
    historyStoredBytes: events.reduce((sum, event) => sum + storedEventBytes(event.type, payloadSize(event), blobThresholdBytes), 0),
    memo: { ...first.memo },
    searchAttributes: { ...first.searchAttributes },
    activities: {}, timers: {}, children: {}, externals: {}, signalRequestIds: {}, completedUpdates: {},
    inFlightUpdates: [],
    cancelRequested: false,
    activationFailures: 0,
    trace: runTrace({ trace: first.trace, runId: newRunId }),
  };
  const converter = payloadConverterOf(first);
  if (converter !== undefined) state.payloadConverter = converter;
  if (first.parent) state.parent = first.parent;
  if (first.retryPolicy) state.retry = { policy: first.retryPolicy, attempt: first.attempt };
  if (first.executionDeadline !== undefined) state.executionDeadline = first.executionDeadline;
  if (first.runTimeoutMs !== undefined) state.runDeadline = now + first.runTimeoutMs;
  const step: StepContext = { now, changes: new PendingChanges(), effects: [], attempts: [], localAttempts: [], newRunId: notClosing, requeue: () => undefined };
  for (const event of events) applyEventToState(state, event, step);
  // Only what is still pending at the reset point is sent again.
  const effects = step.effects.filter((effect) =>
    effect.type === 'dispatchActivity' ? state.activities[effect.task.activityId] !== undefined
      : effect.type === 'external' ? state.externals[effect.request.seq] !== undefined
        : false);
  const signalsAfter = history.slice(index + 1).flatMap((event): CarriedSignal[] =>
    event.type === 'SignalReceived' ? [{ signalName: event.signalName, args: event.args, ...(event.requestId !== undefined && { requestId: event.requestId }) }] : []);
  return { events, state, effects, signalsAfter };
}

/** Every pending entry of a state, as a commit of a brand-new run writes them. */
export function allEntriesOf(state: RunState) {
  const changes = new PendingChanges();
  for (const collection of PENDING_COLLECTIONS) changes.touchAll(state, collection);
  return changes.take(state);
}

/** Folding a reset's copied history never closes the run (the point is a completed workflow task). */
function notClosing(): never {
  throw new Error('a reset point cannot close the run');
}
