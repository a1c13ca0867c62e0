// Runs activity implementations in-process with an activity context: every host uses it for local
// activities, and the test environment for all activities. Time comes from the host's clock.
import { activityLog } from './activity-log';
import type { KeepLogLine } from './log';
import type { ActivityContext, ActivityFunction, ActivityImplementations, ActivityInfo } from './activity';
import type { LocalActivityCommand } from './activation';
import { callActivity, CompleteAsyncError, type ActivityArguments } from './activity-ambient';
import { ApplicationFailure, CancelledFailure, toFailureInfo, type FailureInfo } from './failure';
import type { Outcome } from './history';
import { LazyAbort } from './lazy-abort';
import { copyRetryPolicy } from './retry-policy';
import type { PayloadConverter } from './payloads/envelope';
import { RunPayloads } from './payloads/run-payloads';
import type { RunRef } from './run-transitions';

/** The host's clock: real time in Workers and browsers, virtual time in tests. */
export interface HostClock {
  now(): number;
  /** Calls `fire` at time `at`; returns a function that cancels it. */
  setTimer(at: number, fire: () => void): () => void;
}

export interface AttemptHooks {
  heartbeat(details: unknown): { cancelRequested: boolean } | undefined;
  onProgress(): void;
  /** Takes each line the attempt's `ctx.log` writes, where its run keeps them (the attempt runs beside the run). */
  keepLog?: KeepLogLine | undefined;
}

/** What an attempt needs of an AbortController: `signal` and `abort`. */
export type AttemptAbort = Pick<AbortController, 'signal' | 'abort'>;

/** What an attempt passes to the implementation: the input, and how (an ActivityTask is one). */
export interface ActivityCall {
  input: unknown;
  arguments?: ActivityArguments | undefined;
  /** An inline local activity's own function, run instead of the implementation registered under its type. */
  implementation?: ActivityFunction | undefined;
  /** How `input` is read and the result written (the task's; absent: plain JSON). */
  payloadConverter?: PayloadConverter | undefined;
  /** The host's payload limit, larger with a blob store (the task's; absent: Limits.maxPayloadBytes). */
  maxPayloadBytes?: number | undefined;
}

/** Runs one attempt; resolves with its outcome. `controller` aborts it (cancellation, timeout). */
export async function runActivityAttempt(
  activities: ActivityImplementations,
  clock: HostClock,
  info: ActivityInfo,
  call: ActivityCall,
  heartbeatDetails: unknown,
  controller: AttemptAbort,
  hooks: AttemptHooks,
): Promise<Outcome | undefined> {
  // Own properties only: an inherited name such as `toString` is not an activity.
  const fn = call.implementation ?? (Object.hasOwn(activities, info.activityType) ? activities[info.activityType] : undefined);
  if (!fn) {
    const known = Object.keys(activities).join(', ') || 'none';
    return { failure: toFailureInfo(ApplicationFailure.nonRetryable(`Activity '${info.activityType}' is not registered (registered: ${known})`, 'ActivityNotRegistered')) };
  }
  const payloads = RunPayloads.forTask(call);
  hooks.onProgress();
  try {
    const ctx = attemptContext(info, payloads.read(heartbeatDetails), controller, clock, hooks, payloads);
    const result = await callActivity(fn, payloads.read(call.input), call.arguments, ctx);
    if (ctx.completesLater) return undefined; // completed later through the task token
    return { result: payloads.write(result, `Result of activity '${info.activityType}'`) };
  } catch (error) {
    // Completes later, as after doNotCompleteOnReturn(); a local activity's caller makes that its failure.
    if (error instanceof CompleteAsyncError) return undefined;
    const payloadError = error instanceof Error && error.name === 'PayloadError';
    return { failure: toFailureInfo(payloadError ? ApplicationFailure.nonRetryable(error.message, 'PayloadTooLarge') : error) };
  } finally {
    hooks.onProgress();
  }
}

/**
 * The `ctx` of one attempt: a plain object whose members close over the attempt, not `this`, so an activity may
 * destructure it (`async (input, { heartbeat, sleep }) => …`) or spread it, as with serveActivities' context.
 * Methods, not arrow properties, so a bundler keeping names adds no call per attempt.
 */
function attemptContext(info: ActivityInfo, heartbeatDetails: unknown, controller: AttemptAbort, clock: HostClock, hooks: AttemptHooks, payloads: RunPayloads): ActivityContext & { readonly completesLater: boolean } {
  let completesLater = false;
  return {
    info,
    heartbeatDetails,
    log: activityLog(info, hooks.keepLog),
    get cancellationSignal() {
      return controller.signal;
    },
    heartbeat(details?: unknown) {
      hooks.onProgress();
      const reply = hooks.heartbeat(details === undefined ? details : payloads.write(details, 'Heartbeat details', payloads.leaving()));
      if (!reply || reply.cancelRequested) controller.abort(new CancelledFailure('Activity cancelled'));
    },
    sleep(ms: number) {
      return clockSleep(clock, ms, controller.signal);
    },
    doNotCompleteOnReturn() {
      if (info.isLocal) throw ApplicationFailure.nonRetryable('Local activities cannot complete asynchronously', 'AsyncCompletionNotSupported');
      completesLater = true;
    },
    get completesLater() {
      return completesLater;
    },
  };
}

/** Hooks of a local attempt: heartbeats are accepted and go nowhere (a local activity has no heartbeat timeout). */
const localHooks = (onProgress: () => void, keepLog: KeepLogLine | undefined): AttemptHooks => ({ heartbeat: acceptHeartbeat, onProgress, keepLog });
const acceptHeartbeat = () => ({ cancelRequested: false });

/**
 * A local activity attempt, bounded on the host's clock by its start-to-close timeout and by what is left of its
 * schedule-to-close timeout, which counts from the first attempt's scheduling across the retries, as in Temporal.
 * `maxPayloadBytes`: the host's payload limit (RunHost.blobs), which its result may reach.
 */
export function runLocalActivityAttempt(activities: ActivityImplementations, clock: HostClock, command: LocalActivityCommand, run: RunRef, onProgress: () => void, keepLog?: KeepLogLine, maxPayloadBytes?: number): Promise<Outcome> {
  const controller = new LazyAbort();
  const info = localActivityInfo(command, run, clock.now());
  const limit = localAttemptLimit(command, info.startedAt);
  if (limit) info.deadline = limit.deadline;
  const attempt = runActivityAttempt(activities, clock, info, { input: command.input, arguments: command.options.arguments, implementation: command.implementation, payloadConverter: command.payloadConverter, maxPayloadBytes }, undefined, controller, localHooks(onProgress, keepLog));
  if (info.deadline === undefined) return attempt.then(orAsyncNotSupported);
  const deadline = info.deadline;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const cancelTimer = clock.setTimer(deadline, () => {
      if (settled) return;
      settled = true;
      controller.abort(new CancelledFailure('local activity timed out'));
      resolve({ failure: limit!.failure });
    });
    const settle = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      cancelTimer();
      resolve(outcome);
    };
    // A rejection is a host fault (its onProgress threw): reported as the attempt's failure, as before.
    attempt.then((outcome) => settle(orAsyncNotSupported(outcome)), (error: unknown) => settle({ failure: toFailureInfo(error) }));
  });
}

/** Which timeout ends a local attempt first, when, and the failure it ends with (schedule-to-close is final). */
function localAttemptLimit(command: LocalActivityCommand, startedAt: number): { deadline: number; failure: FailureInfo } | undefined {
  const { startToCloseTimeoutMs, scheduleToCloseTimeoutMs } = command.options;
  const byStart = startToCloseTimeoutMs === undefined ? undefined : startedAt + startToCloseTimeoutMs;
  const bySchedule = scheduleToCloseTimeoutMs === undefined ? undefined : command.scheduledAt + scheduleToCloseTimeoutMs;
  const timedOut = (timeoutType: 'START_TO_CLOSE' | 'SCHEDULE_TO_CLOSE', ms: number): FailureInfo => ({
    kind: 'timeout', type: 'TimeoutFailure', message: `Local activity '${command.activityType}' timed out after ${ms} ms (${timeoutType})`, nonRetryable: timeoutType === 'SCHEDULE_TO_CLOSE', timeoutType,
  });
  if (bySchedule !== undefined && (byStart === undefined || bySchedule < byStart)) return { deadline: bySchedule, failure: timedOut('SCHEDULE_TO_CLOSE', scheduleToCloseTimeoutMs!) };
  if (byStart !== undefined) return { deadline: byStart, failure: timedOut('START_TO_CLOSE', startToCloseTimeoutMs!) };
  return undefined;
}

/** What a local attempt knows of itself: the command's options, and this attempt's start on the host's clock. */
function localActivityInfo(command: LocalActivityCommand, run: RunRef, now: number): ActivityInfo {
  const { options } = command;
  const info: ActivityInfo = {
    activityId: `local-${command.seq}`, activityType: command.activityType, taskQueue: 'local', ...run, attempt: command.attempt, isLocal: true,
    scheduledAt: command.scheduledAt, startedAt: now, retryPolicy: copyRetryPolicy(options.retry),
  };
  if (options.startToCloseTimeoutMs !== undefined) info.startToCloseTimeoutMs = options.startToCloseTimeoutMs;
  if (options.scheduleToCloseTimeoutMs !== undefined) info.scheduleToCloseTimeoutMs = options.scheduleToCloseTimeoutMs;
  return info;
}

function orAsyncNotSupported(outcome: Outcome | undefined): Outcome {
  return outcome ?? { failure: toFailureInfo(ApplicationFailure.nonRetryable('Local activities cannot complete asynchronously', 'AsyncCompletionNotSupported')) };
}

function clockSleep(clock: HostClock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // Always a CancelledFailure, as ActivityContext.sleep promises: a bare abort() would surface as an AbortError (cancellation.test.ts).
    const cancelled = () => (signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Activity cancelled'));
    if (signal.aborted) return reject(cancelled());
    const cancel = clock.setTimer(clock.now() + ms, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    const onAbort = () => {
      cancel();
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

