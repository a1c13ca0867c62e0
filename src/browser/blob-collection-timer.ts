// The browser host's timer for deleting payload blobs that nothing references (a step whose commit never happened,
// a deleted run): it collects on resumeAll, then sleeps until the next queued deletion is due (an hour after the put
// of a commit that failed). Only with a blob store: without one, nothing would ever take a key off the queue.
import type { IndexedDbRunStore } from './indexeddb-store';

/** setTimeout takes at most 2^31 − 1 ms; a later deletion re-arms when this fires. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class BlobCollectionTimer {
  readonly #store: IndexedDbRunStore;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(store: IndexedDbRunStore, onError: (error: unknown) => void) {
    this.#store = store;
    this.#onError = onError;
  }

  /** Deletes what is due now, then arms for what is due next. Never rejects: failures go to `onError`. */
  async collect(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#store.collectBlobs(Date.now());
    } catch (error) {
      // The keys were postponed: arm() waits for them. A timer stopped meanwhile (its database closed) reports nothing.
      if (!this.#stopped) this.#onError(error);
    }
    await this.arm();
  }

  /** Arms for the earliest queued deletion (a failed commit just left one). Never rejects. */
  async arm(): Promise<void> {
    try {
      const at = await this.#store.nextBlobCollection();
      if (this.#stopped) return;
      clearTimeout(this.#timer);
      this.#timer = at === undefined ? undefined : setTimeout(() => void this.collect(), Math.min(MAX_TIMEOUT_MS, Math.max(0, at - Date.now())));
    } catch (error) {
      if (!this.#stopped) this.#onError(error);
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
