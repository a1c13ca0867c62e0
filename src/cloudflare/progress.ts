// What a Cloudflare-style instance has done so far, for the built-in query `__cloudflare_steps`: every step.do, sleep,
// waitForEvent and rollback in the order it started, with its state. Rebuilt by replay like all workflow state, so a
// query answers the same before and after an eviction; it records nothing in history.
import { defineQuery } from '../core/definitions';
import type { RollbackOutcome } from './rollback';

export type StepKind = 'step' | 'sleep' | 'waitForEvent' | 'rollback';

/** One step as the query shows it. Times are workflow time (ms since the epoch). */
export interface StepProgress {
  type: StepKind;
  name: string;
  /** The occurrence of this name in the run (Cloudflare's `ctx.step.count`). */
  count: number;
  status: 'running' | 'complete' | 'errored';
  start: number;
  /**
   * How many history events came before the activation in which the step started: `restart({ from })` goes back to
   * the last activation that ended there (the step, and any quick step recorded with it in that activation, run again).
   */
  afterEvent: number;
  end?: number;
  /** Attempts made (step.do and rollbacks). */
  attempts?: number;
  error?: { name: string; message: string };
}

/** The answer of `__cloudflare_steps`. */
export interface InstanceProgress {
  /** Steps started so far. */
  total: number;
  /** Those still running (several when run awaits steps in parallel). */
  running: StepProgress[];
  /** All steps in start order, or the last `last` of them. */
  steps: StepProgress[];
  /** Set once rollbacks started. */
  rollback?: RollbackOutcome;
}

export interface StepsQueryOptions {
  /** Only the last `last` steps (a run of 30 000 steps answers in a payload of its own size otherwise). */
  last?: number;
}

/**
 * The query every Cloudflare-style workflow answers: which steps ran, which are running, how rollbacks went.
 * @example const { running } = await handle.query(stepsQuery, { last: 20 });
 */
export const stepsQuery = defineQuery<InstanceProgress, [options?: StepsQueryOptions]>('__cloudflare_steps');

/** The steps of one run. */
export class StepLog {
  readonly #steps: StepProgress[] = [];
  readonly #running = new Set<StepProgress>();

  readonly #now: () => number;
  readonly #historyLength: () => number;

  constructor(now: () => number, historyLength: () => number) {
    this.#now = now;
    this.#historyLength = historyLength;
  }

  start(type: StepKind, name: string, count: number): StepProgress {
    const step: StepProgress = { type, name, count, status: 'running', start: this.#now(), afterEvent: this.#historyLength() };
    this.#steps.push(step);
    this.#running.add(step);
    return step;
  }

  /** Ends `step` with the outcome of `promise`, which it returns unchanged. */
  async track<T>(step: StepProgress, promise: Promise<T>): Promise<T> {
    try {
      const value = await promise;
      this.#end(step, 'complete');
      return value;
    } catch (error) {
      const { name, message } = error instanceof Error ? error : new Error(String(error));
      step.error = { name, message };
      this.#end(step, 'errored');
      throw error;
    }
  }

  snapshot(options: StepsQueryOptions | undefined, rollback: RollbackOutcome | undefined): InstanceProgress {
    const last = options?.last;
    const steps = last !== undefined && Number.isInteger(last) && last >= 0 ? this.#steps.slice(Math.max(0, this.#steps.length - last)) : this.#steps;
    const progress: InstanceProgress = { total: this.#steps.length, running: [...this.#running].map(copy), steps: steps.map(copy) };
    if (rollback) progress.rollback = rollback;
    return progress;
  }

  #end(step: StepProgress, status: 'complete' | 'errored'): void {
    step.status = status;
    step.end = this.#now();
    this.#running.delete(step);
  }
}

function copy(step: StepProgress): StepProgress {
  return { ...step, ...(step.error && { error: { ...step.error } }) };
}
