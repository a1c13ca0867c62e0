// Cloudflare's `step` on Duro's engine. step.do is an inline local activity named for the step (a marker per
// attempt, backoff on durable timers, replay returns the recorded result without calling back); step.sleep and
// sleepUntil are durable timers; step.waitForEvent waits for a signal named for the event's type. Each step is logged
// for the `__cloudflare_steps` query (progress.ts), and a step.do with `{ rollback }` is remembered (rollback.ts).
import { ActivityFailure, ApplicationFailure, isCancellation, toFailureInfo, type FailureInfo } from '../core/failure';
import type { ActivityContext } from '../core/activity';
import type { WorkflowContext } from '../core/context';
import { MAX_DURATION_MS } from '../core/duration';
import { EventInbox, type WorkflowStepEvent } from './event-inbox';
import { stepAttemptError, stepError, timedOutMessage, WorkflowTimeoutError } from './errors';
import { StepLog, type StepProgress } from './progress';
import { parseRollbackOptions, Rollbacks, type RollbackStepRunner, type WorkflowStepRollbackOptions } from './rollback';
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
   * occurrence; after a restart the recorded result is returned and `callback` is not called again. With
   * `{ rollback }`, the rollback runs (as a step, with `rollbackConfig`) if the instance fails after this step started.
   * @example const user = await step.do('load user', { retries: { limit: 3, delay: '5 seconds' } }, () => loadUser(id));
   */
  do<T>(name: string, callback: StepCallback<T>, rollback?: WorkflowStepRollbackOptions): Promise<T>;
  do<T>(name: string, config: WorkflowStepConfig, callback: StepCallback<T>, rollback?: WorkflowStepRollbackOptions): Promise<T>;
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

/** What one run's `step` keeps besides its steps' counts: the log the query reads, and the rollbacks. */
export interface InstanceState {
  readonly log: StepLog;
  readonly rollbacks: Rollbacks;
}

export function createInstanceState(ctx: WorkflowContext): InstanceState {
  return { log: new StepLog(() => ctx.now(), () => ctx.info().historyLength), rollbacks: new Rollbacks() };
}

/** The `step` of one run of a workflow: its own count of each step name, its own event inbox. */
export function createStep(ctx: WorkflowContext, instance: InstanceState): WorkflowStep {
  const counts = new Map<string, number>();
  const inbox = new EventInbox(ctx);
  const { log, rollbacks } = instance;
  const occurrence = (kind: string, name: string) => {
    const key = `${kind}:${name}`;
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    return count;
  };
  const forward = (where: string, name: string) => {
    checkStepName(name, where);
    // Cloudflare's engine refuses new steps once rollbacks started (a branch of run still going after it failed).
    if (rollbacks.isRollingBack) throw fatal('Cannot execute steps during rollback phase');
  };

  return {
    do<T>(name: string, ...rest: unknown[]): Promise<T> {
      const [config, callback, options] = (typeof rest[0] === 'function' ? [undefined, ...rest] : rest) as [WorkflowStepConfig | undefined, StepCallback<T>, unknown];
      forward('step.do', name);
      if (typeof callback !== 'function') throw new TypeError(`Step "${name}" requires a callback function`);
      const resolved = resolveStepConfig(name, config);
      const rollback = parseRollbackOptions(name, options);
      if (rollback) resolveStepConfig(name, rollback.rollbackConfig); // its config is checked now, as Cloudflare checks it
      const count = occurrence('do', name);
      const progress = log.start('step', name, count);
      const registered = rollback && rollbacks.register(rollback, { step: { name, count }, attempt: 1, config: resolved.shown });
      const attempted = (attempt: number) => {
        progress.attempts = attempt;
        if (registered) registered.stepContext.attempt = attempt;
      };
      const result = log.track(progress, runStep(ctx, name, { name, count }, resolved, callback, attempted));
      return registered ? result.then((output) => ((registered.output = output), output)) : result;
    },

    async sleep(name: string, duration: WorkflowSleepDuration): Promise<void> {
      forward('step.sleep', name);
      const ms = durationMs(duration, `step.sleep('${name}')`);
      await log.track(log.start('sleep', name, occurrence('sleep', name)), ctx.sleep(ms));
    },

    async sleepUntil(name: string, timestamp: Date | number): Promise<void> {
      forward('step.sleepUntil', name);
      const at = timestamp instanceof Date ? timestamp.getTime() : timestamp;
      if (typeof at !== 'number' || !Number.isFinite(at)) throw new TypeError(`step.sleepUntil('${name}'): the time is a Date or ms since the epoch`);
      // Cloudflare's engine refuses a time already past, with these words.
      if (at < ctx.now()) throw new Error("You can't sleep until a time in the past, time-traveler");
      await log.track(log.start('sleep', name, occurrence('sleep', name)), ctx.sleep(at - ctx.now()));
    },

    async waitForEvent<T>(name: string, options: { type: string; timeout?: WorkflowTimeoutDuration }): Promise<WorkflowStepEvent<T>> {
      forward('step.waitForEvent', name);
      if (typeof options?.type !== 'string' || options.type === '') throw new TypeError(`step.waitForEvent('${name}'): options.type names the event`);
      const timeoutMs = durationMs(options.timeout || DEFAULT_EVENT_TIMEOUT, `step.waitForEvent('${name}') timeout`);
      const waited = async () => {
        const event = await inbox.take(options.type, timeoutMs);
        if (!event) throw new WorkflowTimeoutError(timedOutMessage(timeoutMs));
        return event as WorkflowStepEvent<T>;
      };
      return log.track(log.start('waitForEvent', name, occurrence('waitForEvent', name)), waited());
    },
  } as WorkflowStep;
}

/**
 * Runs one rollback as a step (Cloudflare runs it through its step machinery): its marker is named
 * `rollback:<step name>-<count>`, its context (seen by a delay function) names `<step name>-<count>`, count 1.
 */
export function rollbackStepRunner(log: StepLog): RollbackStepRunner {
  return (ctx, step, rollbackConfig, fn) => {
    const target = `${step.name}-${step.count}`;
    const progress: StepProgress = log.start('rollback', step.name, step.count);
    const attempted = (attempt: number) => void (progress.attempts = attempt);
    return log.track(progress, runStep(ctx, `rollback:${target}`, { name: target, count: 1 }, resolveStepConfig(target, rollbackConfig), fn, attempted));
  };
}

function fatal(message: string): Error {
  const error = new Error(message);
  error.name = 'WorkflowFatalError';
  return error;
}

/** A step: a local activity named `activityType`, whose callback sees `step` as its step. */
async function runStep<T>(ctx: WorkflowContext, activityType: string, step: { name: string; count: number }, config: ResolvedStepConfig, callback: StepCallback<T>, onAttemptDone: (attempt: number) => void): Promise<T> {
  const attemptOf = (activity: ActivityContext): WorkflowStepContext => ({ step: { ...step }, attempt: activity.info.attempt, config: config.shown });
  try {
    return await ctx.executeLocalActivity<T>(activityType, (activity) => callStep(attemptOf(activity), config, callback), {
      startToCloseTimeout: config.timeoutMs,
      // Cloudflare's retries (limit, delay, constant/linear/exponential backoff), which no retry policy can express.
      nextRetryDelay: (attempt, failure) => retryDelay(config, attempt, failure),
      onAttemptDone,
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
