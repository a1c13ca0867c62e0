// How each recorded event moves a run's pending state, and which effects it implies. Pure functions
// over RunState; every entry they change is touched, so the host writes exactly what changed.
import { attemptTraceparent } from './tracing/trace-context';
import type { HandedOverAttempt } from './activation';
import {
  activityWakeAt, canceledBeforeRunning, dueTimeout, failAttempt, newPendingActivity, observeAttempt, scheduleToCloseTimedOut, type AttemptObservation,
  startAttempt, timeoutFailure, type ActivityTask,
} from './activity-state';
import { TimeoutType, type FailureInfo } from './failure';
import { upserted } from './objects';
import { nextRetryDelay } from './retry-policy';
import { handsOver } from './run-chain';
import { isCloseEvent, passOverUnknownEvent, statusOfCloseEvent, type HistoryEvent, type NewEvent } from './history';
import { EARLIER_RUN, outcomeOfCloseEvent, type PendingChanges, type PendingChildState, type PendingExternalState, type RunOutcome, type RunState } from './run-state';

export interface RunRef {
  workflowId: string;
  runId: string;
  workflowType: string;
}

/** Things a run asks its host to do once the step that caused them is committed. */
export type RunEffect =
  | { type: 'dispatchActivity'; task: ActivityTask }
  | { type: 'cancelActivity'; activityId: string; attempt: number }
  | { type: 'startChild'; child: PendingChildState; parent: { workflowId: string; runId: string } }
  | { type: 'external'; request: PendingExternalState }
  | { type: 'closed'; outcome: RunOutcome; closeEvent: HistoryEvent; children: PendingChildState[] };

/** What a transition needs besides the state. */
export interface StepContext {
  now: number;
  changes: PendingChanges;
  effects: RunEffect[];
  /** Queues an input for the next step (an event this one implies but must not record itself). */
  requeue(event: NewEvent): void;
  /** Activity attempts this step resolved (for metrics). */
  attempts: AttemptObservation[];
  /** A fresh run id (for the next attempt of a retried workflow). */
  newRunId(): string;
  /** Local attempts the step's activation ended without, for the run to follow (or start) once the step commits. */
  localAttempts: HandedOverAttempt[];
}

export function runRefOf(state: RunState): RunRef {
  return { workflowId: state.workflowId, runId: state.runId, workflowType: state.workflowType };
}

/** Keeps pending state in step with one recorded event. */
export function applyEventToState(state: RunState, event: HistoryEvent, step: StepContext): void {
  const { changes, effects } = step;
  if (isCloseEvent(event)) return; // a close changes nothing here
  switch (event.type) {
    case 'WorkflowExecutionStarted':
      // Ids an earlier run of the chain recorded: a signal marked 0 (no event of this run), an update EARLIER_RUN.
      for (const requestId of event.earlierRequests?.signalRequestIds ?? []) {
        state.signalRequestIds[requestId] = 0;
        changes.touch('signalRequestIds', requestId);
      }
      for (const updateId of Object.keys(event.earlierRequests?.updates ?? {})) {
        state.completedUpdates[updateId] = EARLIER_RUN;
        changes.touch('completedUpdates', updateId);
      }
      return;
    case 'ActivityTaskScheduled': {
      const activity = newPendingActivity(event);
      state.activities[event.activityId] = activity;
      changes.touch('activities', event.activityId);
      // A paused run records the activity but sends it only once unpaused.
      if (!state.paused) effects.push({ type: 'dispatchActivity', task: dispatchedTask(state, startAttempt(activity, step.now, runRefOf(state))) });
      return;
    }
    case 'ActivityTaskCancelRequested': {
      const activity = state.activities[event.activityId];
      if (!activity) return;
      activity.cancelRequested = true;
      changes.touch('activities', event.activityId);
      if (activity.phase === 'running') effects.push({ type: 'cancelActivity', activityId: activity.activityId, attempt: activity.attempt });
      else step.requeue(canceledBeforeRunning(activity)[0]!);
      return;
    }
    case 'ActivityTaskCompleted':
    case 'ActivityTaskFailed':
    case 'ActivityTaskTimedOut':
    case 'ActivityTaskCanceled':
      delete state.activities[event.activityId];
      changes.touch('activities', event.activityId);
      return;
    case 'TimerStarted':
      state.timers[event.timerId] = { timerId: event.timerId, fireAt: event.fireAt };
      changes.touch('timers', event.timerId);
      return;
    case 'TimerFired':
    case 'TimerCanceled':
      delete state.timers[event.timerId];
      changes.touch('timers', event.timerId);
      return;
    case 'ChildWorkflowInitiated': {
      const child: PendingChildState = { seq: event.seq, workflowType: event.workflowType, workflowId: event.options.workflowId, input: event.input, options: event.options, parentClosePolicy: event.options.parentClosePolicy, phase: 'starting' };
      state.children[event.seq] = child;
      changes.touch('children', event.seq);
      effects.push({ type: 'startChild', child, parent: { workflowId: state.workflowId, runId: state.runId } });
      return;
    }
    case 'ChildWorkflowStarted': {
      const child = state.children[event.seq];
      if (!child) return;
      Object.assign(child, { phase: 'started', runId: event.runId });
      changes.touch('children', event.seq);
      return;
    }
    case 'ChildWorkflowStartFailed':
    case 'ChildWorkflowClosed':
      delete state.children[event.seq];
      changes.touch('children', event.seq);
      return;
    case 'ExternalSignalInitiated':
    case 'ExternalCancelInitiated': {
      const request: PendingExternalState = { seq: event.seq, kind: event.type === 'ExternalSignalInitiated' ? 'signal' : 'cancel', workflowId: event.workflowId };
      if (event.runId !== undefined) request.runId = event.runId;
      if (event.childSeq !== undefined) request.childSeq = event.childSeq;
      if (event.type === 'ExternalSignalInitiated') Object.assign(request, { signalName: event.signalName, args: event.args });
      state.externals[event.seq] = request;
      changes.touch('externals', event.seq);
      effects.push({ type: 'external', request });
      return;
    }
    case 'ExternalSignalDelivered':
    case 'ExternalSignalFailed':
    case 'ExternalCancelDelivered':
    case 'ExternalCancelFailed':
      delete state.externals[event.seq];
      changes.touch('externals', event.seq);
      return;
    case 'SearchAttributesUpserted':
      state.searchAttributes = upserted(state.searchAttributes, event.searchAttributes);
      return;
    case 'MemoUpserted':
      state.memo = upserted(state.memo, event.memo);
      return;
    case 'UpdateAccepted':
      state.inFlightUpdates.push(event.updateId);
      return;
    case 'UpdateCompleted':
      state.inFlightUpdates = state.inFlightUpdates.filter((id) => id !== event.updateId);
      state.completedUpdates[event.updateId] = event.eventId;
      changes.touch('completedUpdates', event.updateId);
      return;
    case 'SignalReceived':
      if (event.requestId === undefined) return;
      state.signalRequestIds[event.requestId] = event.eventId;
      changes.touch('signalRequestIds', event.requestId);
      return;
    case 'WorkflowExecutionCancelRequested':
      state.cancelRequested = true;
      return;
    case 'MarkerRecorded':
      // A local attempt's outcome is recorded: it is no longer owed.
      if (event.markerName === 'LocalActivity' && event.seq !== undefined && state.localAttempts) {
        delete state.localAttempts[event.seq];
        if (Object.keys(state.localAttempts).length === 0) delete state.localAttempts;
      }
      return;
    case 'WorkflowTaskCompleted':
    case 'WorkflowTaskFailed':
    case 'ActivityTaskStarted':
      return; // nothing of the run's state follows from these
    default:
      passOverUnknownEvent(event);
      return;
  }
}

/**
 * Everything due at `now`: timers fire, activity attempts time out (and are retried or fail for good),
 * backoffs end (the next attempt is dispatched). Returns the close event when a workflow timeout passed.
 */
export function collectDeadlines(state: RunState, step: StepContext, addInput: (event: NewEvent) => void): NewEvent | undefined {
  const { now, effects, changes } = step;
  if (state.executionDeadline !== undefined && now >= state.executionDeadline) return { type: 'WorkflowExecutionTimedOut', timeoutType: TimeoutType.workflowExecution };
  if (state.runDeadline !== undefined && now >= state.runDeadline) return { type: 'WorkflowExecutionTimedOut', timeoutType: TimeoutType.workflowRun };
  if (state.blocked?.retryAt !== undefined && now >= state.blocked.retryAt) delete state.blocked;
  if (state.delayedUntil !== undefined && now >= state.delayedUntil) delete state.delayedUntil;
  // Paused: no timer fires and no attempt starts; attempts already running keep their timeouts.
  const paused = state.paused !== undefined;
  const dueTimers = paused ? [] : Object.values(state.timers).filter((timer) => timer.fireAt <= now).sort((a, b) => a.fireAt - b.fireAt || Number(a.timerId) - Number(b.timerId));
  for (const timer of dueTimers) addInput({ type: 'TimerFired', timerId: timer.timerId });
  for (const activity of Object.values(state.activities)) {
    const timeout = dueTimeout(activity, now);
    const isHeld = !paused && activity.phase === 'scheduled' && activity.attempt === 0;
    const isRetryDue = !paused && timeout === undefined && activity.phase === 'backoff' && activity.retryAt !== undefined && now >= activity.retryAt;
    if (timeout === undefined && !isRetryDue && !isHeld) continue;
    changes.touch('activities', activity.activityId);
    if (isRetryDue || (isHeld && timeout === undefined)) {
      effects.push({ type: 'dispatchActivity', task: dispatchedTask(state, startAttempt(activity, now, runRefOf(state))) });
      continue;
    }
    if (activity.phase === 'running') effects.push({ type: 'cancelActivity', activityId: activity.activityId, attempt: activity.attempt });
    const wasRunning = activity.phase === 'running';
    // The failure history records is the one the attempt's metrics and span report.
    const failure = timeoutFailure(activity, timeout!);
    const observe = observeAttempt(activity, 'timedOut', now, failure);
    let events: NewEvent[];
    if (timeout === TimeoutType.scheduleToClose) {
      events = scheduleToCloseTimedOut(activity);
      if (wasRunning) step.attempts.push(observe({ events }));
    } else {
      const resolution = failAttempt(activity, failure, now, true);
      step.attempts.push(observe(resolution));
      events = attemptEvents(resolution);
    }
    for (const event of events) addInput(event);
  }
  return undefined;
}

function attemptEvents(resolution: { retryAt: number } | { events: NewEvent[] }): NewEvent[] {
  return 'events' in resolution ? resolution.events : [];
}

/** The earliest time the run needs attention: the host arms its alarm for it. */
export function nextWakeAt(state: RunState): number | undefined {
  if (state.status !== 'running') return undefined;
  let min: number | undefined;
  const consider = (time: number | undefined) => {
    if (time !== undefined && (min === undefined || time < min)) min = time;
  };
  const paused = state.paused !== undefined;
  if (!paused) for (const timer of Object.values(state.timers)) consider(timer.fireAt);
  for (const activity of Object.values(state.activities)) {
    if (!paused || activity.phase === 'running') consider(activityWakeAt(activity));
  }
  consider(state.runDeadline);
  consider(state.executionDeadline);
  consider(state.blocked?.retryAt);
  consider(state.delayedUntil);
  return min;
}

/** Records the close: pending work is dropped (running attempts cancelled), and the host learns what follows. */
export function closeRun(state: RunState, event: HistoryEvent, step: StepContext): void {
  const { changes, effects } = step;
  state.status = statusOfCloseEvent(event)!;
  state.closeTime = step.now;
  state.closeEvent = event;
  for (const activity of Object.values(state.activities)) {
    if (activity.phase === 'running') effects.push({ type: 'cancelActivity', activityId: activity.activityId, attempt: activity.attempt });
  }
  const children = Object.values(state.children);
  for (const collection of ['activities', 'timers', 'children'] as const) {
    changes.touchAll(state, collection);
    state[collection] = {};
  }
  delete state.blocked;
  delete state.localAttempts; // still running: their outcomes find the run closed
  // The parent hears of the execution's close, not of a run handing over to the next (continue-as-new, a retry).
  if (state.parent && !handsOver(event)) state.parentNotificationPending = true;
  // Recorded with the close, so a host that dies before reaching the children still owes them (outbox).
  const childrenToClose = children.flatMap((child) => (child.parentClosePolicy === 'ABANDON' ? [] : [{ workflowId: child.workflowId, policy: child.parentClosePolicy, ...(child.phase === 'starting' && { starting: true }) }]));
  if (childrenToClose.length > 0) state.childrenToClose = childrenToClose;
  effects.push({ type: 'closed', outcome: outcomeOfCloseEvent(event)!, closeEvent: event, children });
}

/**
 * Temporal's workflow retry: a run that failed, or hit its run timeout, under a retry policy is followed by the
 * next attempt after the policy's backoff — unless the failure is non-retryable, attempts are used up, or the
 * next attempt would start after the execution deadline. The decision is written on the close event before it is
 * recorded (a recorded event is final: its JSON is made once, for the size check and the store alike).
 */
export function planWorkflowRetry(state: RunState, event: NewEvent, step: Pick<StepContext, 'now' | 'newRunId'>): void {
  // A run asked to cancel that then failed (its cleanup threw) is not started again.
  if (!state.retry || state.cancelRequested) return;
  let failure: FailureInfo;
  if (event.type === 'WorkflowExecutionFailed') failure = event.failure;
  else if (event.type === 'WorkflowExecutionTimedOut' && event.timeoutType === TimeoutType.workflowRun) {
    failure = { kind: 'timeout', type: 'TimeoutFailure', message: 'workflow run timed out', nonRetryable: false, timeoutType: event.timeoutType };
  } else return;
  const backoffMs = nextRetryDelay(state.retry.policy, state.retry.attempt, failure);
  if (backoffMs === undefined) return;
  if (state.executionDeadline !== undefined && step.now + backoffMs >= state.executionDeadline) return;
  event.retry = { newRunId: step.newRunId(), backoffMs };
}

/**
 * The task with what the run adds to it: the `traceparent` of its attempt's span (trace-context.ts), and how the
 * attempt reads its input and writes its result (the run's converter, when its payloads carry marks).
 */
function dispatchedTask(state: RunState, task: ActivityTask): ActivityTask {
  task.traceparent = attemptTraceparent(state, task.activityId, task.attempt);
  if (state.payloadConverter !== undefined) task.payloadConverter = state.payloadConverter;
  return task;
}
