// Cloudflare's `step` on Duro's engine. step.do is an inline local activity named for the step (a marker per
// attempt, backoff on durable timers, replay returns the recorded result without calling back); step.sleep and
// sleepUntil are durable timers; step.waitForEvent waits for a signal named for the event's type.
import { ActivityFailure, ApplicationFailure, isCancellation, toFailureInfo, type FailureInfo } from '../core/failure';
import type { ActivityContext } from '../core/activity';
import type { WorkflowContext } from '../core/context';
import { MAX_DURATION_MS } from '../core/duration';
import { EventInbox, type WorkflowStepEvent } from './event-inbox';
import { stepAttemptError, stepError, timedOutMessage, WorkflowTimeoutError } from './errors';
import {
  backoffDelay,
  DEFAULT_STEP_CONFIG,
  durationMs,
  resolveStepConfig,
  type ResolvedStepConfig,
  type WorkflowSleepDuration,
  type WorkflowStepConfig,
  type WorkflowStepContext,
  type WorkflowTimeoutDuration,
} from './step-config';

export type StepCallback<T> = (ctx: WorkflowStepContext) => Promise<T>;

/** The `step` a WorkflowEntrypoint's `run` gets. */
export interface WorkflowStep {
  /**
   * Runs `callback` as a durable step: retried per `config`, its result recorded under the step's name and
   * occurrence; after a restart the recorded result is returned and `callback` is not called again.
   * @example const user = await step.do('load user', { retries: { limit: 3, delay: '5 seconds' } }, () => loadUser(id));
   */
  do<T>(name: string, callback: StepCallback<T>): Promise<T>;
  do<T>(name: string, config: WorkflowStepConfig, callback: StepCallback<T>): Promise<T>;
  /** A durable sleep: `'1 hour'` or milliseconds. */
  sleep(name: string, duration: WorkflowSleepDuration): Promise<void>;
  /** A durable sleep until a time (a Date, or ms since the epoch); a time already past throws. */
  sleepUntil(name: string, timestamp: Date | number): Promise<void>;
  /** The next event of `type` sent to this instance (one sent earlier waits for it); throws WorkflowTimeoutError after `timeout` (24 hours). */
  waitForEvent<T = unknown>(name: string, options: { type: string; timeout?: WorkflowTimeoutDuration }): Promise<WorkflowStepEvent<T>>;
}

/** waitForEvent's default timeout, as in Cloudflare's engine. */
const DEFAULT_EVENT_TIMEOUT = '24 hours';
/** Cloudflare's limit on step names (workflows-shared lib/validators.ts). */
const MAX_STEP_NAME_LENGTH = 256;
// oxlint-disable-next-line no-control-regex -- control characters are what a step name must not hold
const CONTROL = /[\u0000-\u001f]/;

/** The `step` of one run of a workflow: its own count of each step name, its own event inbox. */
export function createStep(ctx: WorkflowContext): WorkflowStep {
  const counts = new Map<string, number>();
  const inbox = new EventInbox(ctx);
  const occurrence = (name: string) => {
    const count = (counts.get(name) ?? 0) + 1;
    counts.set(name, count);
    return count;
  };

  return {
    do<T>(name: string, configOrCallback: WorkflowStepConfig | StepCallback<T>, maybeCallback?: StepCallback<T>): Promise<T> {
      const [config, callback] = typeof configOrCallback === 'function' ? [undefined, configOrCallback] : [configOrCallback, maybeCallback];
      checkStepName(name, 'step.do');
      if (typeof callback !== 'function') throw new TypeError(`Step "${name}" requires a callback function`);
      return runStep(ctx, name, occurrence(name), resolveStepConfig(name, config), callback);
    },

    async sleep(name: string, duration: WorkflowSleepDuration): Promise<void> {
      checkStepName(name, 'step.sleep');
      await ctx.sleep(durationMs(duration, `step.sleep('${name}')`));
    },

    async sleepUntil(name: string, timestamp: Date | number): Promise<void> {
      checkStepName(name, 'step.sleepUntil');
      const at = timestamp instanceof Date ? timestamp.getTime() : timestamp;
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new TypeError(`step.sleepUntil('${name}'): the time is a Date or ms since the epoch`);
      // Cloudflare's engine refuses a time already past, with these words.
      if (at < ctx.now()) throw new Error("You can't sleep until a time in the past, time-traveler");
      await ctx.sleep(at - ctx.now());
    },

    async waitForEvent<T>(name: string, options: { type: string; timeout?: WorkflowTimeoutDuration }): Promise<WorkflowStepEvent<T>> {
      checkStepName(name, 'step.waitForEvent');
      if (typeof options?.type !== 'string' || options.type === '') throw new TypeError(`step.waitForEvent('${name}'): options.type names the event`);
      const timeoutMs = durationMs(options.timeout || DEFAULT_EVENT_TIMEOUT, `step.waitForEvent('${name}') timeout`);
      const event = await inbox.take(options.type, timeoutMs);
      if (!event) throw new WorkflowTimeoutError(timedOutMessage(timeoutMs));
      return event as WorkflowStepEvent<T>;
    },
  };
}

async function runStep<T>(ctx: WorkflowContext, name: string, count: number, config: ResolvedStepConfig, callback: StepCallback<T>): Promise<T> {
  const attemptOf = (activity: ActivityContext): WorkflowStepContext => ({ step: { name, count }, attempt: activity.info.attempt, config: config.shown });
  try {
    return await ctx.executeLocalActivity<T>(name, (activity) => callStep(attemptOf(activity), config, callback), {
      startToCloseTimeout: config.timeoutMs,
      // What the activity's info shows; the retries themselves follow nextRetryDelay.
      retry: { maximumAttempts: config.limit + 1, initialInterval: Math.max(1, typeof config.delay === 'number' ? config.delay : DEFAULT_STEP_CONFIG.retries.delay), backoffCoefficient: config.backoff === 'exponential' ? 2 : 1, maximumInterval: MAX_DURATION_MS },
      nextRetryDelay: (attempt, failure) => retryDelay(config, attempt, failure),
    });
  } catch (error) {
    if (error instanceof ActivityFailure && error.cause && !isCancellation(error)) throw stepError(toFailureInfo(error.cause), config.timeoutMs);
    throw error;
  }
}

/** One attempt: the callback, its failure made non-retryable when Cloudflare would not retry it, a delay function's answer recorded with it. */
async function callStep<T>(step: WorkflowStepContext, config: ResolvedStepConfig, callback: StepCallback<T>): Promise<T> {
  try {
    return await callback(step);
  } catch (error) {
    const recorded = stepAttemptError(error);
    if (recorded !== error || typeof config.delay !== 'function' || step.attempt > config.limit) throw recorded;
    throw await withComputedDelay(step, config.delay, error);
  }
}

/**
 * Runs a delay function inside the attempt, so its answer is recorded with the attempt's failure and replay reuses
 * it: the function may read the outside world, as Cloudflare's may. One that throws or answers nonsense ends the step.
 */
async function withComputedDelay(step: WorkflowStepContext, delay: Exclude<ResolvedStepConfig['delay'], number>, error: unknown): Promise<Error> {
  const failure = error instanceof Error ? error : new Error(String(error));
  let baseMs: number;
  try {
    baseMs = durationMs(await delay({ ctx: step, error: failure }), 'retries.delay');
  } catch (problem) {
    const why = problem instanceof Error ? problem.message : String(problem);
    return ApplicationFailure.nonRetryable(`The delay function for step "${step.step.name}-${step.step.count}" failed: ${why}`, 'NonRetryableDelayError');
  }
  const recorded = new ApplicationFailure(failure.message, failure.name, false, { retryDelayBaseMs: baseMs });
  if (failure.stack !== undefined) recorded.stack = failure.stack;
  return recorded;
}

/** Cloudflare's retry rule: `limit` retries after the first attempt, the backoff applied to the (base) delay. */
function retryDelay(config: ResolvedStepConfig, attemptsMade: number, failure: FailureInfo): number | undefined {
  if (attemptsMade > config.limit) return undefined;
  const base = typeof config.delay === 'number' ? config.delay : (recordedBase(failure) ?? DEFAULT_STEP_CONFIG.retries.delay);
  return Math.min(backoffDelay(base, config.backoff, attemptsMade), MAX_DURATION_MS);
}

function recordedBase(failure: FailureInfo): number | undefined {
  const details = failure.details as { retryDelayBaseMs?: unknown } | undefined;
  return typeof details?.retryDelayBaseMs === 'number' ? details.retryDelayBaseMs : undefined;
}

function checkStepName(name: string, where: string): void {
  if (typeof name !== 'string' || name.length > MAX_STEP_NAME_LENGTH || CONTROL.test(name)) {
    throw new TypeError(`${where}: the step name ${JSON.stringify(name)} must be text of at most ${MAX_STEP_NAME_LENGTH} characters without control characters`);
  }
}
