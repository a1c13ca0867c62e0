// Deliveries that reach a Visibility shard together are applied in one transaction (decision 024): each execution
// still sends its own (decision 020), but a shard that many executions report to at once writes their metrics once
// per series and makes one durable write for all of them, instead of one per delivery. A batch that fails is applied
// again one delivery at a time, so one bad delivery fails alone.
import type { SequencedMessage } from '../src/visibility/record';

export interface Delivery {
  sender: string;
  messages: SequencedMessage[];
}

/** Deliveries per transaction at most: a transaction stays short, and so does the wait of the last one in it. */
const MAX_BATCH = 100;

interface Waiting extends Delivery {
  resolve(applied: number): void;
  reject(error: unknown): void;
}

export class DeliveryBatcher {
  readonly #applyAll: (deliveries: Delivery[]) => Promise<number[]>;
  #waiting: Waiting[] = [];
  #draining = false;

  /** `applyAll` applies deliveries in one transaction and answers each one's last seq applied, by place. */
  constructor(applyAll: (deliveries: Delivery[]) => Promise<number[]>) {
    this.#applyAll = applyAll;
  }

  /** Applies `sender`'s messages with whatever other deliveries arrive meanwhile; resolves with its last seq applied. */
  deliver(sender: string, messages: SequencedMessage[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ sender, messages, resolve, reject });
      if (!this.#draining) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#draining = true;
    try {
      // One turn of the event loop: deliveries already queued at this object come in (a timer does not hold the
      // input gate) and join the first.
      await new Promise((resolve) => setTimeout(resolve, 0));
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, MAX_BATCH);
        try {
          const applied = await this.#applyAll(batch);
          batch.forEach((delivery, i) => delivery.resolve(applied[i]!));
        } catch {
          for (const delivery of batch) {
            try {
              delivery.resolve((await this.#applyAll([delivery]))[0]!);
            } catch (error) {
              delivery.reject(error);
            }
          }
        }
      }
    } finally {
      this.#draining = false;
    }
  }
}
