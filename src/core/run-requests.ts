// What reaches a run's queue, and the rules for requests that must not simply be recorded: duplicates (receivers
// dedupe, DESIGN §4), outcomes of stale activity attempts, and whatever was still queued when the run closed.
import { completeAttempt, failAttempt, observeAttempt } from './activity-state';
import { WorkflowClosedError } from './client-errors';
import { isCloseEvent, passOverUnknownEvent, type NewEvent, type Outcome } from './history';
import type { UpdateOutcome } from './update-outcome';
import type { RunState } from './run-state';
import type { StepContext } from './run-transitions';

export type RunRequest =
  | { kind: 'input'; event: NewEvent; at: number; done?: () => void; fail?: (error: Error) => void }
  | { kind: 'activity'; activityId: string; attempt: number; outcome: Outcome; at: number }
  | { kind: 'localOutcome'; seq: number; attempt: number; outcome: Outcome }
  /** An activation that starts the local attempts the run owes and nothing runs (rebuilding the workflow first if it must). */
  | { kind: 'resumeLocal' }
  | { kind: 'update'; updateId: string; name: string; args: unknown[]; at: number; respond: (outcome: UpdateOutcome) => void; fail?: (error: Error) => void; acceptedOnly: boolean }
  | { kind: 'deadlines' }
  | { kind: 'persist' }
  | { kind: 'terminate'; reason?: string; at: number; done: () => void; fail: (error: Error) => void };

/**
 * A request queued before the run closed. A signal, update, cancel or terminate was not taken: it is refused with
 * `WorkflowClosedError` (an update: `closedAs`), so the host can hand it to the run that follows (continue-as-new,
 * a retry) when it was addressed to the workflow id, or tell the sender it was not delivered.
 */
export function answerAfterClose(state: RunState, request: RunRequest, step: StepContext): void {
  const closed = () => new WorkflowClosedError(state.workflowId, state.status);
  if (request.kind === 'update') {
    request.respond({ updateId: request.updateId, closedAs: state.status });
  } else if (request.kind === 'input' && isExternalAck(request.event)) {
    // The signal or cancel this run sent was delivered after it closed: nothing to record, but stop re-sending.
    delete state.externals[request.event.seq];
    step.changes.touch('externals', request.event.seq);
  } else if (request.kind === 'input' && isDuplicate(state, request.event)) {
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
export function isDuplicate(state: RunState, event: NewEvent): boolean {
  if (isCloseEvent(event)) return false; // a close changes nothing here
  switch (event.type) {
    case 'SignalReceived': return event.requestId !== undefined && state.signalRequestIds[event.requestId] !== undefined;
    case 'WorkflowExecutionCancelRequested': return state.cancelRequested;
    case 'ChildWorkflowStarted': return state.children[event.seq]?.phase !== 'starting';
    case 'ChildWorkflowStartFailed':
    case 'ChildWorkflowClosed': return state.children[event.seq] === undefined;
    case 'ExternalSignalDelivered':
    case 'ExternalSignalFailed':
    case 'ExternalCancelDelivered':
    case 'ExternalCancelFailed': return state.externals[event.seq] === undefined;
    case 'WorkflowExecutionStarted':
    case 'WorkflowTaskCompleted':
    case 'WorkflowTaskFailed':
    case 'ActivityTaskScheduled':
    case 'ActivityTaskStarted':
    case 'ActivityTaskCompleted':
    case 'ActivityTaskFailed':
    case 'ActivityTaskTimedOut':
    case 'ActivityTaskCancelRequested':
    case 'ActivityTaskCanceled':
    case 'TimerStarted':
    case 'TimerFired':
    case 'TimerCanceled':
    case 'MarkerRecorded':
    case 'UpdateAccepted':
    case 'UpdateCompleted':
    case 'SearchAttributesUpserted':
    case 'MemoUpserted':
    case 'ChildWorkflowInitiated':
    case 'ExternalSignalInitiated':
    case 'ExternalCancelInitiated':
      return false;
    default:
      passOverUnknownEvent(event);
      return false;
  }
}

/** An attempt's outcome: stale attempts are ignored; failures may be retried without touching history. */
export function resolveAttempt(state: RunState, request: Extract<RunRequest, { kind: 'activity' }>, step: StepContext, addInput: (event: NewEvent) => void): void {
  const activity = state.activities[request.activityId];
  if (!activity || activity.attempt !== request.attempt || activity.phase !== 'running') return;
  step.changes.touch('activities', request.activityId);
  const { outcome } = request;
  const observe = observeAttempt(activity, 'result' in outcome ? 'completed' : 'failed', step.now, 'failure' in outcome ? outcome.failure : undefined);
  const resolution = 'result' in outcome ? completeAttempt(activity, outcome.result) : failAttempt(activity, outcome.failure, step.now);
  step.attempts.push(observe(resolution));
  if ('events' in resolution) for (const event of resolution.events) addInput(event);
}

function isExternalAck(event: NewEvent): event is Extract<NewEvent, { type: 'ExternalSignalDelivered' | 'ExternalSignalFailed' | 'ExternalCancelDelivered' | 'ExternalCancelFailed' }> {
  return event.type === 'ExternalSignalDelivered' || event.type === 'ExternalSignalFailed' || event.type === 'ExternalCancelDelivered' || event.type === 'ExternalCancelFailed';
}
