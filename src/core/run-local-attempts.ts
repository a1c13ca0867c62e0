// The local activity attempts a run owes (`state.localAttempts`) and which of them this object's host runs: an
// attempt an activation handed over still running is followed to its outcome; one held by a pause, or lost with the
// host that ran it, is started again once the run may go on (decision 017).
import type { LocalActivityCommand } from './activation';
import { toFailureInfo } from './failure';
import type { Outcome } from './history';
import type { LiveWorkflow } from './live-workflow';
import type { RunHost } from './run-host';
import type { RunRequest } from './run-requests';
import type { RunState } from './run-state';
import { runRefOf } from './run-transitions';

export interface LocalAttemptsOwner {
  readonly state: RunState;
  readonly live: LiveWorkflow;
  readonly host: Pick<RunHost, 'runLocalActivity'>;
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

  /** Brings a running attempt's outcome to the run's next step, unless the run closed meanwhile. */
  follow(command: LocalActivityCommand, outcome: Promise<Outcome>): void {
    const { seq, attempt } = command;
    this.#running.set(seq, attempt);
    void outcome.then((settled) => {
      if (this.#running.get(seq) === attempt) this.#running.delete(seq);
      if (this.#owner.state.status === 'running') this.#owner.enqueue({ kind: 'localOutcome', seq, attempt, outcome: settled });
    });
  }

  /**
   * Starts each attempt the run owes that this object does not run (held by a pause, lost with the host that ran it),
   * once its step committed (the outbox rule). The command comes from the code in memory: code no longer in memory
   * is rebuilt first (`resumeLocal`), and an attempt the code in memory no longer awaits is let go.
   */
  startOwed(): void {
    const { state, live } = this.#owner;
    const owed = state.localAttempts;
    if (!owed || !this.#owner.mayStartAttempts()) return;
    let rebuild = false;
    let forgotten = false;
    for (const [key, { attempt }] of Object.entries(owed)) {
      const seq = Number(key);
      if (this.#running.get(seq) === attempt) continue;
      const command = live.pendingLocalAttempt(seq);
      if (command?.attempt === attempt) this.#start(command);
      else if (!live.isLive) rebuild = true;
      else {
        delete owed[key];
        forgotten = true;
      }
    }
    if (forgotten && Object.keys(owed).length === 0) delete state.localAttempts;
    if (rebuild) this.#owner.enqueue({ kind: 'resumeLocal' });
    else if (forgotten) this.#owner.enqueue({ kind: 'persist' });
  }

  #start(command: LocalActivityCommand): void {
    // A runner that throws is a host fault; it still ends the attempt (as a failure), so the run never waits for good.
    const outcome = this.#owner.host.runLocalActivity(command, runRefOf(this.#owner.state)).catch((error: unknown): Outcome => ({ failure: toFailureInfo(error) }));
    this.follow(command, outcome);
  }
}
