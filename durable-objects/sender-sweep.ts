// A Visibility shard remembers, per sender (an execution object's outbox), the last message it applied, so that a
// delivery sent again after a lost acknowledgement is not applied twice. A sender re-sends only what it has not seen
// acknowledged, from its alarm, within minutes (its retries wait at most OUTBOX_RETRY_MAX_MS). Once a sender has been
// quiet far longer than that (its workflow closed and removed, or its object wiped) the row is forgotten; a sender
// heard from again after that simply starts a new row. Without this the table kept a row per execution object for good.
import type { VisibilityStore } from './visibility-store';

/** How long a sender that delivered nothing is remembered: days beyond the longest wait of a retry. */
export const SENDER_MEMORY_MS = 7 * 24 * 60 * 60_000;
/** How often a shard that is receiving deliveries looks at one page of its senders. */
export const SWEEP_EVERY_MS = 10_000;
/** Senders read per look: a shard receiving deliveries goes over up to 8.6 million senders a day (rows read are cheap). */
export const SWEEP_PAGE = 1_000;

export class SenderSweep {
  readonly #store: VisibilityStore;
  readonly #now: () => number;
  /** The first delivery of an instance looks at once: a shard that is evicted between deliveries still goes round. */
  #lastLookAt = -Infinity;

  constructor(store: VisibilityStore, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  /** Whether the next delivery should look (a timer is set for the look only then: most deliveries set none). */
  due(): boolean {
    return this.#now() - this.#lastLookAt >= SWEEP_EVERY_MS;
  }

  /**
   * After a delivery: looks at the next page of senders (the store keeps where the last look ended, so the sweep goes
   * round the table across instances) when the last look of this instance is SWEEP_EVERY_MS old. Never throws.
   */
  afterDelivery(): void {
    if (!this.due()) return;
    const now = this.#now();
    this.#lastLookAt = now;
    try {
      this.#store.forgetQuietSenders(now - SENDER_MEMORY_MS, SWEEP_PAGE);
    } catch (error) {
      // The rows stay for the next look; a delivery never fails for it.
      console.error('duro: forgetting quiet Visibility senders failed', error);
    }
  }
}
