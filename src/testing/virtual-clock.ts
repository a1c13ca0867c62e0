// A clock that moves only when told to: time skipping for tests.

interface ScheduledTimer {
  at: number;
  order: number;
  fire: () => void;
}

export class VirtualClock {
  #now: number;
  #timers: ScheduledTimer[] = [];
  #order = 0;

  constructor(start: number) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  /** Calls `fire` once the clock reaches `at`; returns a function that cancels it. */
  setTimer(at: number, fire: () => void): () => void {
    const timer: ScheduledTimer = { at, order: this.#order++, fire };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  nextTimerAt(): number | undefined {
    let min: number | undefined;
    for (const timer of this.#timers) if (min === undefined || timer.at < min) min = timer.at;
    return min;
  }

  /** Moves to `time` (never backwards), firing due timers in time order. */
  advanceTo(time: number): void {
    if (time > this.#now) this.#now = time;
    const due = this.#timers.filter((t) => t.at <= this.#now).sort((a, b) => a.at - b.at || a.order - b.order);
    this.#timers = this.#timers.filter((t) => t.at > this.#now);
    for (const timer of due) timer.fire();
  }
}
