// Temporal's retry policy: exponential backoff between attempts, bounded by attempts and error types.
import { MAX_DURATION_MS, toMs, type Duration } from './duration';
import type { FailureInfo } from './failure';

/** How failed attempts are retried. Every field is optional; the defaults are Temporal's. */
export interface RetryPolicy {
  /** Delay before the first retry. Default 1 s. */
  initialInterval?: Duration;
  /** Each delay is the previous one times this. Default 2. */
  backoffCoefficient?: number;
  /** Upper bound of one delay. Default 100 × initialInterval. */
  maximumInterval?: Duration;
  /** Attempts in total, the first included; 0 means unlimited. Default unlimited. */
  maximumAttempts?: number;
  /** Failure types that are never retried. */
  nonRetryableErrorTypes?: string[];
}

/**
 * A retry schedule of its own, in place of a policy's backoff: the delay in ms before the attempt after `attempt`
 * (1-based), or `undefined` to stop. It runs as workflow code (on replay too), so it must be deterministic. A
 * non-retryable failure or a cancellation is never retried, whatever it answers.
 */
export type RetryDelayFunction = (attempt: number, failure: FailureInfo) => number | undefined;

/** A retry policy with every default applied, in milliseconds. */
export interface ResolvedRetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
}

export function resolveRetryPolicy(policy: RetryPolicy = {}): ResolvedRetryPolicy {
  const initialIntervalMs = toMs(policy.initialInterval ?? 1_000, 'retry.initialInterval');
  const backoffCoefficient = policy.backoffCoefficient ?? 2;
  const maximumIntervalMs = policy.maximumInterval === undefined ? Math.min(100 * initialIntervalMs, MAX_DURATION_MS) : toMs(policy.maximumInterval, 'retry.maximumInterval');
  const maximumAttempts = policy.maximumAttempts ?? 0;
  if (initialIntervalMs <= 0) throw new TypeError('retry.initialInterval must be positive');
  if (!Number.isFinite(backoffCoefficient) || backoffCoefficient < 1) throw new TypeError('retry.backoffCoefficient must be at least 1');
  if (maximumIntervalMs < initialIntervalMs) throw new TypeError('retry.maximumInterval must be at least initialInterval');
  if (!Number.isInteger(maximumAttempts) || maximumAttempts < 0) throw new TypeError('retry.maximumAttempts must be a non-negative integer');
  return { initialIntervalMs, backoffCoefficient, maximumIntervalMs, maximumAttempts, nonRetryableErrorTypes: [...(policy.nonRetryableErrorTypes ?? [])] };
}

/** A copy for an activity's `ctx.info`: what the activity does to it does not reach the recorded options. */
export function copyRetryPolicy(policy: ResolvedRetryPolicy): ResolvedRetryPolicy {
  return { ...policy, nonRetryableErrorTypes: [...policy.nonRetryableErrorTypes] };
}

/**
 * The delay before the attempt after `attempt` (1-based), or `undefined` when the failure must not be retried:
 * it is non-retryable, its type is listed as non-retryable, or the attempts are used up.
 * @example nextRetryDelay(resolveRetryPolicy(), 3, failure) // 4000
 */
export function nextRetryDelay(policy: ResolvedRetryPolicy, attempt: number, failure: FailureInfo): number | undefined {
  if (failure.nonRetryable) return undefined;
  if (policy.nonRetryableErrorTypes.includes(failure.type)) return undefined;
  if (policy.maximumAttempts > 0 && attempt >= policy.maximumAttempts) return undefined;
  const delay = policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, attempt - 1);
  return Math.min(Math.round(delay), policy.maximumIntervalMs);
}
