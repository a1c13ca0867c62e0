// The pending state of one remote activity: attempts, backoff, heartbeats and timeouts.
// Retries live here, not in history (DESIGN §3): history gets only the final outcome.
import type { PayloadConverter } from './payloads/envelope';
import type { ActivityInfo } from './activity';
import { ActivityFailure, CancelledFailure, fromFailureInfo, TimeoutFailure, TimeoutType, toFailureInfo, type FailureInfo } from './failure';
import type { ActivityTaskScheduled, NewEvent, RecordedActivityOptions } from './history';
import { clampMs } from './duration';
import { Limits } from './limits';
import { copyRetryPolicy, nextRetryDelay, type ResolvedRetryPolicy } from './retry-policy';

export interface PendingActivityState {
  activityId: string;
  activityType: string;
  input: unknown;
  options: RecordedActivityOptions;
  scheduledAt: number;
  /** The attempt running or about to run (1-based); 0 before the first dispatch. */
  attempt: number;
  phase: 'scheduled' | 'running' | 'backoff';
  attemptStartedAt?: number;
  /**
   * When the running attempt was due: the activity's schedule for the first attempt, the end of its backoff for a
   * retry (kept for its schedule-to-start metric; absent from a state an older Duro stored).
   */
  attemptDueAt?: number;
  retryAt?: number;
  lastHeartbeatAt?: number;
  heartbeatDetails?: unknown;
  lastFailure?: FailureInfo;
  /**
   * The failures of its attempts so far, oldest first, at most `Limits.attemptFailuresKept` (the latest ones): why
   * attempt 2 failed, which history does not keep (it records only the final attempt, as Temporal's does).
   */
  attemptFailures?: AttemptFailure[];
  cancelRequested: boolean;
  /** The running attempt was accepted for asynchronous completion (202): a restart does not lose it. */
  completesLater?: boolean;
}

/** One failed attempt, as `attemptFailures` keeps it: the failure's kind, type and message (no stack, details or cause). */
export interface AttemptFailure {
  attempt: number;
  /** When the attempt failed (ms since the epoch). */
  at: number;
  kind: FailureInfo['kind'];
  type: string;
  message: string;
  timeoutType?: string;
}

/** What a host sends to run one attempt (DESIGN §4, the activity protocol). */
export interface ActivityTask {
  workflowId: string;
  runId: string;
  workflowType: string;
  activityId: string;
  activityType: string;
  taskQueue: string;
  input: unknown;
  attempt: number;
  scheduledAt: number;
  startedAt: number;
  /** Absolute time by which this attempt must finish. */
  deadline?: number;
  heartbeatTimeoutMs?: number;
  /** The activity's options, for `ctx.info` (optional: a task from an older Duro has none of them). */
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  retryPolicy?: ResolvedRetryPolicy;
  heartbeatDetails?: unknown;
  /** `'positional'`: `input` is an argument list, and the implementation is called `fn(...input)` (docs/activities.md). */
  arguments?: 'positional';
  /** The W3C trace context of the attempt's span: the activity server's spans are its children. */
  traceparent?: string;
  /** How the attempt reads `input` and writes its result and heartbeat details: absent for runs that keep plain JSON. */
  payloadConverter?: PayloadConverter;
  /** The payload limit of the run's host, sent by hosts with a blob store (larger than Limits.maxPayloadBytes). */
  maxPayloadBytes?: number;
}

/** What the activity implementation sees of its task. */
export function activityInfoOf(task: ActivityTask, taskToken?: string): ActivityInfo {
  const info: ActivityInfo = {
    activityId: task.activityId,
    activityType: task.activityType,
    taskQueue: task.taskQueue,
    workflowId: task.workflowId,
    runId: task.runId,
    workflowType: task.workflowType,
    attempt: task.attempt,
    scheduledAt: task.scheduledAt,
    startedAt: task.startedAt,
    isLocal: false,
  };
  if (task.deadline !== undefined) info.deadline = task.deadline;
  if (task.heartbeatTimeoutMs !== undefined) info.heartbeatTimeoutMs = task.heartbeatTimeoutMs;
  if (task.startToCloseTimeoutMs !== undefined) info.startToCloseTimeoutMs = task.startToCloseTimeoutMs;
  if (task.scheduleToCloseTimeoutMs !== undefined) info.scheduleToCloseTimeoutMs = task.scheduleToCloseTimeoutMs;
  if (task.retryPolicy !== undefined) info.retryPolicy = task.retryPolicy;
  if (taskToken !== undefined) info.taskToken = taskToken;
  if (task.traceparent !== undefined) info.traceparent = task.traceparent;
  return info;
}

export function newPendingActivity(event: ActivityTaskScheduled): PendingActivityState {
  return {
    activityId: event.activityId,
    activityType: event.activityType,
    input: event.input,
    options: event.options,
    scheduledAt: event.timestamp,
    attempt: 0,
    phase: 'scheduled',
    cancelRequested: false,
  };
}

function scheduleToCloseDeadline(activity: PendingActivityState): number | undefined {
  const ms = activity.options.scheduleToCloseTimeoutMs;
  return ms === undefined ? undefined : activity.scheduledAt + ms;
}

/** The deadline of the running attempt: start-to-close or schedule-to-close, whichever is first. */
export function attemptDeadline(activity: PendingActivityState): number | undefined {
  const startToClose = activity.options.startToCloseTimeoutMs;
  const candidates = [scheduleToCloseDeadline(activity), startToClose === undefined || activity.attemptStartedAt === undefined ? undefined : activity.attemptStartedAt + startToClose];
  return minDefined(candidates);
}

function heartbeatDeadline(activity: PendingActivityState): number | undefined {
  const ms = activity.options.heartbeatTimeoutMs;
  if (ms === undefined || activity.phase !== 'running') return undefined;
  return (activity.lastHeartbeatAt ?? activity.attemptStartedAt ?? activity.scheduledAt) + ms;
}

/** When this activity next needs the engine's attention (a timeout or the end of a backoff). */
export function activityWakeAt(activity: PendingActivityState): number | undefined {
  switch (activity.phase) {
    case 'scheduled': return activity.cancelRequested ? undefined : scheduleToCloseDeadline(activity);
    case 'backoff': return minDefined([activity.retryAt, scheduleToCloseDeadline(activity)]);
    case 'running': return minDefined([attemptDeadline(activity), heartbeatDeadline(activity)]);
  }
}

/** Starts the next attempt; returns the task to dispatch. */
export function startAttempt(activity: PendingActivityState, now: number, run: { workflowId: string; runId: string; workflowType: string }): ActivityTask {
  // Read before `retryAt` goes: a retry was due when its backoff ended, a first attempt when it was scheduled.
  activity.attemptDueAt = activity.retryAt ?? activity.scheduledAt;
  activity.attempt += 1;
  activity.phase = 'running';
  activity.attemptStartedAt = now;
  delete activity.retryAt;
  delete activity.completesLater;
  delete activity.lastHeartbeatAt;
  const task: ActivityTask = {
    ...run,
    activityId: activity.activityId,
    activityType: activity.activityType,
    taskQueue: activity.options.taskQueue,
    input: activity.input,
    attempt: activity.attempt,
    scheduledAt: activity.scheduledAt,
    startedAt: now,
  };
  const deadline = attemptDeadline(activity);
  if (deadline !== undefined) task.deadline = deadline;
  if (activity.options.heartbeatTimeoutMs !== undefined) task.heartbeatTimeoutMs = activity.options.heartbeatTimeoutMs;
  if (activity.options.startToCloseTimeoutMs !== undefined) task.startToCloseTimeoutMs = activity.options.startToCloseTimeoutMs;
  if (activity.options.scheduleToCloseTimeoutMs !== undefined) task.scheduleToCloseTimeoutMs = activity.options.scheduleToCloseTimeoutMs;
  // A copy: an in-process runner hands the task's fields to the activity, which must not reach the recorded options.
  if (activity.options.retry !== undefined) task.retryPolicy = copyRetryPolicy(activity.options.retry);
  if (activity.heartbeatDetails !== undefined) task.heartbeatDetails = activity.heartbeatDetails;
  if (activity.options.arguments !== undefined) task.arguments = activity.options.arguments;
  return task;
}

/**
 * How one attempt ended, for metrics (retries live in pending state, so history alone cannot tell):
 * reported with the step that resolved it, written in the same commit.
 */
export interface AttemptObservation {
  activityType: string;
  outcome: 'completed' | 'failed' | 'timedOut' | 'canceled';
  /** From the attempt's start to its resolution. */
  latencyMs: number;
  /** The failure will be retried after a backoff. */
  retrying: boolean;
  /** A failed or timed-out attempt's failure type (`ApplicationFailure`'s type, `TimeoutFailure`…). */
  errorType?: string;
  /**
   * From when the attempt was due (scheduled, or its retry's time) to its start: Temporal's schedule-to-start latency.
   * Absent when the attempt started under an older Duro, which did not keep its due time.
   */
  scheduleToStartMs?: number;
  /** Which attempt, when it started and ended: for its span (tracing); the metrics do not keep them. */
  activityId?: string;
  attempt?: number;
  startedAt?: number;
  endedAt?: number;
  /** A failed or timed-out attempt's failure message, for its span. */
  errorMessage?: string;
}

/** Observes the running attempt of `activity` ending as `outcome`; call before resolving it (which forgets the start time). */
export function observeAttempt(activity: PendingActivityState, outcome: AttemptObservation['outcome'], now: number, failure?: { type: string; message: string }): (resolution: AttemptResolution) => AttemptObservation {
  const { attemptStartedAt, attemptDueAt: dueAt } = activity;
  const startedAt = attemptStartedAt ?? now;
  const latencyMs = Math.max(0, now - startedAt);
  const canceled = outcome !== 'completed' && activity.cancelRequested;
  const { activityId, attempt, activityType } = activity;
  return (resolution) => ({
    activityType, outcome: canceled ? 'canceled' : outcome, latencyMs, retrying: 'retryAt' in resolution,
    ...(failure !== undefined && !canceled && { errorType: failure.type }),
    ...(attemptStartedAt !== undefined && dueAt !== undefined && { scheduleToStartMs: Math.max(0, attemptStartedAt - dueAt) }),
    activityId, attempt, startedAt, endedAt: now,
    ...(failure !== undefined && { errorMessage: failure.message }),
  });
}

/** The outcome of an attempt for the pending state: either retry later, or final events for history. */
export type AttemptResolution = { retryAt: number } | { events: NewEvent[] };

export function completeAttempt(activity: PendingActivityState, result: unknown): AttemptResolution {
  return {
    events: [
      { type: 'ActivityTaskStarted', activityId: activity.activityId, attempt: activity.attempt },
      { type: 'ActivityTaskCompleted', activityId: activity.activityId, attempt: activity.attempt, result },
    ],
  };
}

/**
 * A failed attempt: retried after the policy's backoff unless it is non-retryable, attempts are used up,
 * the retry would start after the schedule-to-close deadline, or cancellation was requested.
 */
export function failAttempt(activity: PendingActivityState, failure: FailureInfo, now: number, timedOut = false): AttemptResolution {
  activity.lastFailure = failure;
  keepAttemptFailure(activity, failure, now);
  const started = { type: 'ActivityTaskStarted' as const, activityId: activity.activityId, attempt: activity.attempt };
  if (activity.cancelRequested) {
    return { events: [started, { type: 'ActivityTaskCanceled', activityId: activity.activityId, attempt: activity.attempt, details: failure.details }] };
  }
  let delay = nextRetryDelay(activity.options.retry, activity.attempt, failure);
  // A busy activity server (429/503 with Retry-After) says when to come back: never sooner, but never later than the
  // policy's maximumInterval either — a server cannot park the run (a Retry-After of year 9999, issue 15).
  const retryAfterMs = (failure.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  if (delay !== undefined && failure.type === 'ActivityServerBusy' && typeof retryAfterMs === 'number') delay = Math.max(delay, clampMs(retryAfterMs, activity.options.retry.maximumIntervalMs));
  const closeBy = scheduleToCloseDeadline(activity);
  if (delay !== undefined && closeBy !== undefined && now + delay >= closeBy) delay = undefined;
  if (delay !== undefined) {
    activity.phase = 'backoff';
    activity.retryAt = now + delay;
    delete activity.attemptStartedAt;
    delete activity.attemptDueAt;
    return { retryAt: activity.retryAt };
  }
  const final = toFailureInfo(new ActivityFailure(`Activity '${activity.activityType}' failed after ${activity.attempt} attempt(s): ${failure.message}`, activity.activityType, activity.activityId, activity.attempt, fromFailureInfo(failure)));
  return { events: [started, { type: timedOut ? 'ActivityTaskTimedOut' : 'ActivityTaskFailed', activityId: activity.activityId, attempt: activity.attempt, failure: final }] };
}

/** Which timeout, if any, has passed at `now`. */
export function dueTimeout(activity: PendingActivityState, now: number): TimeoutType | undefined {
  const scheduleToClose = scheduleToCloseDeadline(activity);
  if (scheduleToClose !== undefined && now >= scheduleToClose) return TimeoutType.scheduleToClose;
  if (activity.phase !== 'running') return undefined;
  const startToClose = activity.options.startToCloseTimeoutMs;
  if (startToClose !== undefined && activity.attemptStartedAt !== undefined && now >= activity.attemptStartedAt + startToClose) return TimeoutType.startToClose;
  const heartbeat = heartbeatDeadline(activity);
  if (heartbeat !== undefined && now >= heartbeat) return TimeoutType.heartbeat;
  return undefined;
}

export function timeoutFailure(activity: PendingActivityState, timeoutType: TimeoutType): FailureInfo {
  return toFailureInfo(new TimeoutFailure(`Activity '${activity.activityType}' attempt ${activity.attempt} timed out (${timeoutType})`, timeoutType, activity.heartbeatDetails));
}

/** Schedule-to-close ends the activity whatever the retry policy says. */
export function scheduleToCloseTimedOut(activity: PendingActivityState): NewEvent[] {
  const failure = toFailureInfo(
    new ActivityFailure(
      `Activity '${activity.activityType}' timed out (SCHEDULE_TO_CLOSE) after ${activity.attempt} attempt(s)`,
      activity.activityType,
      activity.activityId,
      activity.attempt,
      new TimeoutFailure('schedule-to-close timeout', TimeoutType.scheduleToClose, activity.heartbeatDetails),
    ),
  );
  return [
    { type: 'ActivityTaskStarted', activityId: activity.activityId, attempt: Math.max(activity.attempt, 1) },
    { type: 'ActivityTaskTimedOut', activityId: activity.activityId, attempt: Math.max(activity.attempt, 1), failure },
  ];
}

export function canceledBeforeRunning(activity: PendingActivityState): NewEvent[] {
  return [{ type: 'ActivityTaskCanceled', activityId: activity.activityId, attempt: activity.attempt, details: toFailureInfo(new CancelledFailure('cancelled before it ran')).message }];
}

function minDefined(values: Array<number | undefined>): number | undefined {
  let min: number | undefined;
  for (const value of values) if (value !== undefined && (min === undefined || value < min)) min = value;
  return min;
}

/** Adds the attempt's failure to the activity's bounded log, dropping the oldest past the limit. */
function keepAttemptFailure(activity: PendingActivityState, failure: FailureInfo, now: number): void {
  const kept: AttemptFailure = { attempt: activity.attempt, at: now, kind: failure.kind, type: failure.type, message: failure.message };
  if (failure.timeoutType !== undefined) kept.timeoutType = failure.timeoutType;
  const failures = [...(activity.attemptFailures ?? []), kept];
  activity.attemptFailures = failures.slice(Math.max(0, failures.length - Limits.attemptFailuresKept));
}
