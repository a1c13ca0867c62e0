// In-memory history and run state, with the same commit contract as the durable hosts.
import type { HistoryEvent } from '../core/history';
import type { RunCommit, RunStore } from '../core/internals';

export class MemoryRunStore implements RunStore {
  readonly #histories = new Map<string, HistoryEvent[]>();
  readonly #states = new Map<string, RunCommit['state']>();
  #onCommit: () => void;

  constructor(onCommit: () => void = () => undefined) {
    this.#onCommit = onCommit;
  }

  readHistory(runId: string, afterEventId = 0, limit?: number): HistoryEvent[] {
    // A copy, as a real store would hand out: replay must not share objects with the live run.
    return structuredClone((this.#histories.get(runId) ?? []).slice(afterEventId, limit === undefined ? undefined : afterEventId + limit));
  }

  commit(runId: string, { events, state }: RunCommit): void {
    const history = this.#histories.get(runId) ?? [];
    for (const event of events) {
      const expected = (history.at(-1)?.eventId ?? 0) + 1;
      if (event.eventId !== expected) throw new Error(`History of ${runId} would fork: event ${event.eventId} appended after ${expected - 1}`);
      history.push(structuredClone(event));
    }
    this.#histories.set(runId, history);
    this.#states.set(runId, structuredClone(state));
    this.#onCommit();
  }

  history(runId: string): HistoryEvent[] {
    return this.readHistory(runId);
  }

  /** Every run stored, in the order they first committed. */
  runIds(): string[] {
    return [...this.#histories.keys()];
  }
}
