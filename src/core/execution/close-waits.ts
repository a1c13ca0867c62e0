// Waits for a run's close (a result long-poll), bounded in time, and woken when the runs change (a new run, a deploy
// that replaced the run objects) so no wait holds on to a stale run.
import type { WorkflowRun } from '../run';
import type { ExecutionHost } from './execution-host';

export class CloseWaits {
  readonly #host: Pick<ExecutionHost, 'setTimer'>;
  readonly #waiting = new Set<() => void>();

  constructor(host: Pick<ExecutionHost, 'setTimer'>) {
    this.#host = host;
  }

  /** Resolves when `run` closes, `ms` pass, or the runs change; leaves no waiter behind (a long-poll per 30 s adds up). */
  untilClosedOr(run: WorkflowRun, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        cancelTimer();
        unsubscribe();
        this.#waiting.delete(done);
        resolve();
      };
      const cancelTimer = Number.isFinite(ms) ? this.#host.setTimer(ms, done) : () => undefined;
      const unsubscribe = run.onClose(done);
      this.#waiting.add(done);
    });
  }

  runsChanged(): void {
    for (const wake of [...this.#waiting]) wake();
  }
}
