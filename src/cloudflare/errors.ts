// Cloudflare's errors, and how a step's recorded failure turns back into the error `step.do` throws: the error the
// callback threw (its name and message, as Cloudflare rethrows it), a NonRetryableError, or a WorkflowTimeoutError.
import { brandClass } from '../core/brand';
import { ApplicationFailure, type FailureInfo } from '../core/failure';

/**
 * Thrown from a step, it ends the step at once, without retries; uncaught, it fails the instance
 * (`cloudflare:workflows`' error, branded so a second copy of Duro knows it too).
 * @example throw new NonRetryableError('order is missing a customerId');
 */
export class NonRetryableError extends Error {
  static {
    brandClass(this, 'cloudflare.NonRetryableError');
  }

  constructor(message: string, name = 'NonRetryableError') {
    super(message);
    this.name = name;
  }
}

/** A step attempt ran past its `timeout`, or `waitForEvent` past its own (the name Cloudflare's engine gives it). */
export class WorkflowTimeoutError extends Error {
  static {
    brandClass(this, 'cloudflare.WorkflowTimeoutError');
  }

  override name = 'WorkflowTimeoutError';
}

/** The message Cloudflare's engine gives a timeout. */
export function timedOutMessage(ms: number): string {
  return `Execution timed out after ${ms}ms`;
}

/**
 * Whether Cloudflare would take `error` as non-retryable: Duro's NonRetryableError; the runtime's own from
 * `cloudflare:workflows`, whose `name` is the one it was given (`new NonRetryableError(message, 'InvalidEmail')`), so
 * found by its class (its `__brand`, or a class named so in its prototype chain); or, across RPC, by name or message.
 */
export function isNonRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableError) return true;
  if (!(error instanceof Error)) return false;
  if (error.name === 'NonRetryableError' || error.message.startsWith('NonRetryableError')) return true;
  if ((error as { __brand?: unknown }).__brand === 'NonRetryableError') return true;
  for (let proto = Object.getPrototypeOf(error); proto && proto !== Error.prototype; proto = Object.getPrototypeOf(proto)) {
    if ((proto as { constructor?: { name?: string } }).constructor?.name === 'NonRetryableError') return true;
  }
  return false;
}

/** What a step callback's error is recorded as: a non-retryable one keeps its name and stops the retries. */
export function stepAttemptError(error: unknown): unknown {
  if (!isNonRetryable(error)) return error;
  const { name, message, stack } = error as Error;
  const failure = ApplicationFailure.nonRetryable(message, name);
  if (stack !== undefined) failure.stack = stack;
  return failure;
}

/** The error `step.do` throws for a step whose last attempt failed with `failure`. */
export function stepError(failure: FailureInfo, timeoutMs: number): Error {
  if (failure.kind === 'timeout') return new WorkflowTimeoutError(timedOutMessage(timeoutMs));
  if (failure.nonRetryable && failure.type === 'NonRetryableError') return new NonRetryableError(failure.message);
  const error = new Error(failure.message);
  error.name = failure.type;
  return error;
}
