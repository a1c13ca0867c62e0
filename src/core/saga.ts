// The saga pattern: register a compensation before each step; on failure run them in reverse.
import { brandClass } from './brand';
import { CancellationScope } from './cancellation-scope';
import type { WorkflowContext } from './context';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from './failure';

/** A compensation: gets a context that is shielded from cancellation, so cleanup runs even when the workflow is cancelled. */
export type Compensation = (ctx: WorkflowContext) => Promise<unknown>;

export interface SagaOptions {
  /** Run compensations one after another (default) or all at once. */
  parallelCompensation?: boolean;
  /** Keep compensating after one fails (default true); the failures are reported together. */
  continueWithError?: boolean;
}

/** Compensations that failed; `cause` is the first failure, `details.failures` lists them all. */
export class CompensationError extends ApplicationFailure {
  static {
    brandClass(this, 'CompensationError');
  }

  constructor(readonly failures: FailureInfo[], cause: Error) {
    super(`${failures.length} compensation(s) failed`, 'CompensationFailed', true, { failures }, cause);
  }
}

/**
 * @example
 * // bound the retries of each step: with unlimited retries a failing step never lets compensation start
 * const acts = (ctx: WorkflowContext) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '30s', retry: { maximumAttempts: 3 } });
 * const { reserveInventory, charge } = acts(ctx);
 * const saga = new Saga(ctx);
 * try {
 *   saga.addCompensation((ctx) => acts(ctx).releaseInventory(order));
 *   await reserveInventory(order);
 *   saga.addCompensation((ctx) => acts(ctx).refund(order));
 *   await charge(order);
 * } catch (err) {
 *   await saga.compensate(); // LIFO; throws CompensationError if a compensation fails
 *   throw err;
 * }
 */
export class Saga {
  static {
    brandClass(this, 'Saga');
  }

  readonly #ctx: WorkflowContext;
  readonly #options: Required<SagaOptions>;
  readonly #compensations: Compensation[] = [];

  constructor(ctx: WorkflowContext, options: SagaOptions = {}) {
    this.#ctx = ctx;
    this.#options = { parallelCompensation: options.parallelCompensation ?? false, continueWithError: options.continueWithError ?? true };
  }

  addCompensation(compensation: Compensation): void {
    this.#compensations.push(compensation);
  }

  /** Runs the registered compensations, last registered first, in a non-cancellable scope. */
  async compensate(): Promise<void> {
    const compensations = this.#compensations.splice(0).reverse();
    const errors: unknown[] = [];
    await CancellationScope.nonCancellable(this.#ctx, async (ctx) => {
      if (this.#options.parallelCompensation) {
        const results = await Promise.allSettled(compensations.map((compensation) => compensation(ctx)));
        for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
        return;
      }
      for (const compensation of compensations) {
        try {
          await compensation(ctx);
        } catch (error) {
          errors.push(error);
          if (!this.#options.continueWithError) break;
        }
      }
    });
    if (errors.length > 0) throw new CompensationError(errors.map((error) => toFailureInfo(error)), errors[0] instanceof Error ? errors[0] : new Error(String(errors[0])));
  }
}
