// Runs activity implementations in-process with an activity context: every host uses it for local
// activities, and the test environment for all activities. Time comes from the host's clock.
import type { ActivityContext, ActivityImplementations, ActivityInfo } from './activity';
import type { LocalActivityCommand } from './activation';
import { ApplicationFailure, CancelledFailure, toFailureInfo } from './failure';
import type { Outcome } from './history';
import { checkPayload } from './payload';
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
}

/** Runs one attempt; resolves with its outcome. `controller` aborts it (cancellation, timeout). */
export async function runActivityAttempt(
  activities: ActivityImplementations,
  clock: HostClock,
  info: ActivityInfo,
  input: unknown,
  heartbeatDetails: unknown,
  controller: AbortController,
  hooks: AttemptHooks,
): Promise<Outcome | undefined> {
  // Own properties only: an inherited name such as `toString` is not an activity.
  const fn = Object.hasOwn(activities, info.activityType) ? activities[info.activityType] : undefined;
  if (!fn) {
    const known = Object.keys(activities).join(', ') || 'none';
    return { failure: toFailureInfo(ApplicationFailure.nonRetryable(`Activity '${info.activityType}' is not registered (registered: ${known})`, 'ActivityNotRegistered')) };
  }
  const ctx: ActivityContext = {
    info,
    heartbeatDetails,
    cancellationSignal: controller.signal,
    heartbeat(details?: unknown) {
      hooks.onProgress();
      const reply = hooks.heartbeat(details);
      if (!reply || reply.cancelRequested) controller.abort(new CancelledFailure('Activity cancelled'));
    },
    sleep: (ms: number) => clockSleep(clock, ms, controller.signal),
    doNotCompleteOnReturn() {
      if (info.isLocal) throw ApplicationFailure.nonRetryable('Local activities cannot complete asynchronously', 'AsyncCompletionNotSupported');
      completesLater = true;
    },
  };
  let completesLater = false;
  hooks.onProgress();
  try {
    const result = await fn(input, ctx);
    if (completesLater) return undefined; // completed later through the task token
    checkPayload(result, `Result of activity '${info.activityType}'`);
    return { result };
  } catch (error) {
    const payloadError = error instanceof Error && error.name === 'PayloadError';
    return { failure: toFailureInfo(payloadError ? ApplicationFailure.nonRetryable(error.message, 'PayloadTooLarge') : error) };
  } finally {
    hooks.onProgress();
  }
}

/** A local activity attempt, bounded by its start-to-close timeout on the virtual clock. */
export async function runLocalActivityAttempt(activities: ActivityImplementations, clock: HostClock, command: LocalActivityCommand, run: RunRef, onProgress: () => void): Promise<Outcome> {
  const controller = new AbortController();
  const info: ActivityInfo = { activityId: `local-${command.seq}`, activityType: command.activityType, taskQueue: 'local', ...run, attempt: command.attempt, isLocal: true };
  const timeoutMs = command.options.startToCloseTimeoutMs ?? command.options.scheduleToCloseTimeoutMs;
  let cancelTimer = () => {};
  const timedOut = new Promise<Outcome>((resolve) => {
    if (timeoutMs === undefined) return;
    info.deadline = clock.now() + timeoutMs;
    cancelTimer = clock.setTimer(info.deadline, () => {
      controller.abort(new CancelledFailure('local activity timed out'));
      resolve({ failure: { kind: 'timeout', type: 'TimeoutFailure', message: `Local activity '${command.activityType}' timed out after ${timeoutMs} ms`, nonRetryable: false, timeoutType: 'START_TO_CLOSE' } });
    });
  });
  const hooks: AttemptHooks = { heartbeat: () => ({ cancelRequested: false }), onProgress };
  try {
    const attempt = runActivityAttempt(activities, clock, info, command.input, undefined, controller, hooks).then(
      (outcome): Outcome => outcome ?? { failure: toFailureInfo(ApplicationFailure.nonRetryable('Local activities cannot complete asynchronously', 'AsyncCompletionNotSupported')) },
    );
    return await Promise.race([attempt, timedOut]);
  } finally {
    cancelTimer();
  }
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
