// The browser host's one setTimeout: armed for the earliest deadline (timer, activity timeout or retry, run
// deadline) of the runs a context drives, and re-armed after every commit — the Durable Object alarm's counterpart.
import type { WorkflowRun } from '../core/internals';

/** setTimeout takes at most 2^31 − 1 ms; a later deadline re-arms when this fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** A deadline a run was woken for but that is still due once the run is idle is fired again after this long. */
const REFIRE_MS = 1_000;

export class DeadlineTimer {
  readonly #runs: () => Iterable<WorkflowRun>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt: number | undefined;
  /** The deadline last handed to each run, so a run still busy with it is not woken again and again. */
  readonly #fired = new Map<string, number>();
  #stopped = false;

  constructor(runs: () => Iterable<WorkflowRun>) {
    this.#runs = runs;
  }

  /** Arms for the earliest deadline of the open runs (at once for one already due). */
  arm(): void {
    if (this.#stopped) return;
    const now = Date.now();
    let earliest: number | undefined;
    for (const run of this.#runs()) {
      let at = run.isClosed ? undefined : run.nextWakeAt();
      if (at !== undefined && at <= now && this.#fired.get(run.runId) === at) {
        // Already handed to the run: its queued step will see it, and its commit re-arms. A deadline due while a
        // step commits is not skipped (browser-duro.test.ts, 'fires a deadline that came due while …').
        if (run.isProcessing) continue;
        at = now + REFIRE_MS;
      }
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    if (earliest === this.#timerAt && this.#timer !== undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = earliest;
    if (earliest === undefined) return;
    this.#timer = setTimeout(() => this.#wake(), Math.min(MAX_TIMEOUT_MS, Math.max(0, earliest - now)));
  }

  /** A run closed or was replaced: nothing to remember about it. */
  forget(runId: string): void {
    this.#fired.delete(runId);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #wake(): void {
    this.#timer = undefined;
    this.#timerAt = undefined;
    const now = Date.now();
    for (const run of this.#runs()) {
      const at = run.isClosed ? undefined : run.nextWakeAt();
      if (at === undefined || at > now) continue;
      this.#fired.set(run.runId, at);
      run.fireDeadlines();
    }
    this.arm();
  }
}
