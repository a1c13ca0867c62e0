// The local activity attempts a run owes (`state.localAttempts`) and which of them this object's host runs: an
// attempt an activation handed over still running is followed to its outcome; one held until a commit or a resume,
// or lost with the host that ran it, is started by the next activation (decision 017).
import type { LocalActivityCommand } from './activation';
import type { Outcome } from './history';
import type { RunRequest } from './run-requests';
import type { RunState } from './run-state';

export interface LocalAttemptsOwner {
  readonly state: RunState;
  /** Whether the run may activate now (open, not blocked, not delayed) and is not paused. */
  mayStartAttempts(): boolean;
  enqueue(request: RunRequest): void;
}

export class LocalAttempts {
  readonly #owner: LocalAttemptsOwner;
  /** Attempts this object's host runs, by seq → attempt. */
  readonly #running = new Map<number, number>();

  constructor(owner: LocalAttemptsOwner) {
    this.#owner = owner;
  }

  /**
   * Brings a running attempt's outcome to the run's next step, unless the run closed meanwhile. The attempt counts as
   * running until a step takes its outcome (`taken`), so no activation starts it again while the outcome waits.
   */
  follow(command: LocalActivityCommand, outcome: Promise<Outcome>): void {
    const { seq, attempt } = command;
    this.#running.set(seq, attempt);
    void outcome.then((settled) => {
      if (this.#owner.state.status === 'running') this.#owner.enqueue({ kind: 'localOutcome', seq, attempt, outcome: settled });
      else this.taken(seq, attempt);
    });
  }

  /** A step took the outcome of this attempt (to record it, or to drop it when the run no longer owes it). */
  taken(seq: number, attempt: number): void {
    if (this.#running.get(seq) === attempt) this.#running.delete(seq);
  }

  /** seq → attempt of the attempts this object's host runs. */
  get running(): ReadonlyMap<number, number> {
    return this.#running;
  }

  /**
   * Asks for an activation when the run owes an attempt nothing runs (held until a commit or a resume, lost with the
   * host that ran it): the activation starts it (`startFirst`), rebuilding the code in memory if it must.
   */
  startOwed(): void {
    const owed = this.#owner.state.localAttempts;
    if (!owed || !this.#owner.mayStartAttempts()) return;
    const idle = Object.entries(owed).some(([seq, { attempt }]) => this.#running.get(Number(seq)) !== attempt);
    if (idle) this.#owner.enqueue({ kind: 'resumeLocal' });
  }
}
