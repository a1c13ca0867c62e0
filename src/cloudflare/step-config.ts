// Cloudflare's step configuration: its defaults, its durations ('1 minute', ms numbers) and its backoff formulas,
// resolved once per step.do (docs/decisions/015-cloudflare-workflows-steps.md has the sources).
import { toMs } from '../core/duration';

/** A duration as Cloudflare takes it: milliseconds, or `'<n> second|minute|hour|day|week|month|year[s]'`. */
export type WorkflowDurationLabel = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
export type WorkflowSleepDuration = `${number} ${WorkflowDurationLabel}${'s' | ''}` | number;
export type WorkflowDelayDuration = WorkflowSleepDuration;
export type WorkflowTimeoutDuration = WorkflowSleepDuration;
export type WorkflowBackoff = 'constant' | 'linear' | 'exponential';

/** What a step callback (and a delay function) learns of the step: its name, its occurrence, the attempt, its config. */
export interface WorkflowStepContext {
  step: { name: string; count: number };
  /** 1 for the first attempt, 2 for the first retry. */
  attempt: number;
  config: WorkflowStepConfig;
}

/** A delay computed from the failed attempt: its result is fed into `backoff` as the base delay. */
export type WorkflowDelayFunction = (input: { ctx: WorkflowStepContext; error: Error }) => WorkflowDelayDuration | Promise<WorkflowDelayDuration>;

export interface WorkflowStepConfig {
  /** `limit` retries after the first attempt (so `limit + 1` attempts), `delay` apart, grown by `backoff`. */
  retries?: { limit: number; delay: WorkflowDelayDuration | WorkflowDelayFunction; backoff?: WorkflowBackoff };
  /** How long one attempt may run. */
  timeout?: WorkflowTimeoutDuration;
}

/** A step's config with Cloudflare's defaults applied, in ms where Duro needs numbers. */
export interface ResolvedStepConfig {
  limit: number;
  delay: number | WorkflowDelayFunction;
  backoff: WorkflowBackoff;
  timeoutMs: number;
  /** The config as the callback sees it: defaults applied, the delay as given (a function left out). */
  shown: WorkflowStepConfig;
}

/**
 * Cloudflare's documented defaults (developers.cloudflare.com/workflows/build/sleeping-and-retrying): 5 retries,
 * 10 s apart, exponential, 10 minutes an attempt. Its local engine (workers-sdk workflows-shared) uses a 1 s delay.
 */
export const DEFAULT_STEP_CONFIG = { retries: { limit: 5, delay: 10_000, backoff: 'exponential' }, timeout: '10 minutes' } as const;

const BACKOFFS: ReadonlySet<string> = new Set(['constant', 'linear', 'exponential']);

/** Fills in Cloudflare's defaults: a `retries` object replaces the default one, but a missing `backoff` stays exponential. */
export function resolveStepConfig(name: string, config: WorkflowStepConfig | undefined): ResolvedStepConfig {
  if (config !== undefined && (typeof config !== 'object' || config === null)) throw new TypeError(`step.do('${name}'): the config is an object`);
  const retries = config?.retries ?? DEFAULT_STEP_CONFIG.retries;
  const { limit, delay } = retries;
  const backoff = retries.backoff ?? DEFAULT_STEP_CONFIG.retries.backoff;
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`step.do('${name}'): retries.limit must be a non-negative integer`);
  if (!BACKOFFS.has(backoff)) throw new TypeError(`step.do('${name}'): retries.backoff must be constant, linear or exponential`);
  const timeout = config?.timeout ?? DEFAULT_STEP_CONFIG.timeout;
  const timeoutMs = durationMs(timeout, `step.do('${name}') timeout`);
  if (timeoutMs <= 0) throw new TypeError(`step.do('${name}'): timeout must be longer than 0`);
  const shownRetries = typeof delay === 'function' ? { limit, backoff } : { limit, delay, backoff };
  return {
    limit,
    delay: typeof delay === 'function' ? delay : durationMs(delay, `step.do('${name}') retries.delay`),
    backoff,
    timeoutMs,
    shown: { retries: shownRetries as WorkflowStepConfig['retries'] & object, timeout },
  };
}

/**
 * The delay before the retry after `attemptsMade` attempts, from a base delay: Cloudflare's formulas
 * (workflows-shared lib/retries.ts): constant `base`, linear `base × n`, exponential `base × 2^(n-1)`.
 * @example backoffDelay(10_000, 'exponential', 3) // 40000
 */
export function backoffDelay(baseMs: number, backoff: WorkflowBackoff, attemptsMade: number): number {
  switch (backoff) {
    case 'constant': return baseMs;
    case 'linear': return baseMs * attemptsMade;
    case 'exponential': return baseMs * 2 ** (attemptsMade - 1);
  }
}

const MONTH_OR_YEAR = /^\s*(\d+(?:\.\d+)?)\s*(month|year)s?\s*$/i;
const MONTH_OR_YEAR_MS = { month: 30 * 86_400_000, year: 365 * 86_400_000 } as const;

/** Cloudflare's durations in ms: a number is ms; a month is 30 days and a year 365, as its engine counts them. */
export function durationMs(duration: WorkflowSleepDuration | string, field: string): number {
  if (typeof duration === 'string') {
    const match = MONTH_OR_YEAR.exec(duration);
    if (match) return toMs(Number(match[1]) * MONTH_OR_YEAR_MS[match[2]!.toLowerCase() as 'month' | 'year'], field);
  }
  return toMs(duration, field);
}
