// Web Locks per workflow id, so two tabs (or workers) of one origin never drive the same execution at once.
// Without `navigator.locks` (Node, old browsers) every claim succeeds: a single driver is assumed.

/** The slice of the Web Locks API used here (the repo's tsconfig has no DOM lib). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable?: true; signal?: AbortSignal }, callback: (lock: unknown) => Promise<void> | void): Promise<unknown>;
  /** What is held and waited for (every browser has it; a manager without it is asked by a brief `ifAvailable` request). */
  query?(): Promise<{ held?: Array<{ name?: string }> }>;
}

/** Who drives a workflow id: this context, another tab or worker of the origin, or nobody right now. */
export type Driver = 'here' | 'elsewhere' | 'none';

export class RunLocks {
  readonly #prefix: string;
  readonly #locks: LockManagerLike | undefined;
  /** Held locks by workflow id: calling the function lets the lock go. */
  readonly #held = new Map<string, () => void>();
  readonly #claiming = new Map<string, Promise<boolean>>();
  /** Ends the waits of {@link whenFree} (on close). */
  readonly #waits = new AbortController();

  constructor(dbName: string, locks = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks) {
    this.#prefix = `duro:${dbName}:`;
    this.#locks = locks;
  }

  holds(workflowId: string): boolean {
    return this.#held.has(workflowId);
  }

  /** Who holds the lock of `workflowId`; without Web Locks, this context is the only possible driver. */
  async driverOf(workflowId: string): Promise<Driver> {
    if (this.#held.has(workflowId)) return 'here';
    if (!this.#locks) return 'none';
    const name = this.#prefix + workflowId;
    if (this.#locks.query) return (await this.#locks.query()).held?.some((lock) => lock.name === name) ? 'elsewhere' : 'none';
    let free = false;
    await this.#locks.request(name, { ifAvailable: true }, (lock) => void (free = lock !== null)).catch(() => undefined);
    return free ? 'none' : 'elsewhere';
  }

  /** Takes the lock of `workflowId` if no one holds it; says whether this context now holds it. */
  claim(workflowId: string): Promise<boolean> {
    if (this.#held.has(workflowId)) return Promise.resolve(true);
    if (!this.#locks) {
      this.#held.set(workflowId, () => undefined);
      return Promise.resolve(true);
    }
    // Two claims of one id at once in this context share the request (the second would find the lock taken).
    const pending = this.#claiming.get(workflowId) ?? this.#request(this.#locks, workflowId).finally(() => this.#claiming.delete(workflowId));
    this.#claiming.set(workflowId, pending);
    return pending;
  }

  #request(locks: LockManagerLike, workflowId: string): Promise<boolean> {
    return new Promise<boolean>((answer) => {
      locks.request(this.#prefix + workflowId, { ifAvailable: true }, (lock) => {
        if (!lock) return answer(false);
        // Held until released: the lock lives as long as the promise the callback returns.
        return new Promise<void>((release) => {
          this.#held.set(workflowId, release);
          answer(true);
        });
      }).catch(() => answer(false));
    });
  }

  /**
   * Resolves once the lock of `workflowId`, held elsewhere now, has been free for a moment: this context queues for it
   * (without keeping it), so it hears at once when the tab or worker that drives the workflow goes away, instead of
   * polling. Never resolves after {@link releaseAll}; resolves at once without Web Locks.
   */
  whenFree(workflowId: string): Promise<void> {
    if (!this.#locks) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#locks!.request(this.#prefix + workflowId, { signal: this.#waits.signal }, () => resolve()).catch(() => undefined);
    });
  }

  release(workflowId: string): void {
    this.#held.get(workflowId)?.();
    this.#held.delete(workflowId);
  }

  releaseAll(): void {
    this.#waits.abort();
    for (const workflowId of [...this.#held.keys()]) this.release(workflowId);
  }
}
