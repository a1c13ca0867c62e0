// In-memory history and run state, with the same commit contract as the durable hosts. Everything handed out or
// taken in is a copy, as a real store's would be: replay must not share objects with the live run. What is kept is
// what JSON keeps, as in SQLite and IndexedDB: a value JSON would change (a Date, an undefined) is not kept as it was.
import type { ExecutionStore, StoredLogLine, StoredRunRef } from '../core/execution/execution-host';
import type { HistoryEvent } from '../core/history';
import { Limits, type RunCommit, type RunState } from '../core/internals';

interface StoredRun {
  workflowId: string;
  chainIndex: number;
  history: HistoryEvent[];
  state: RunState;
  /** Its latest Limits.logLinesKept log lines. */
  logs: StoredLogLine[];
}

export class MemoryRunStore {
  readonly #runs = new Map<string, StoredRun>();
  readonly #onCommit: () => void;
  #logSeq = 0;

  constructor(onCommit: () => void = () => undefined) {
    this.#onCommit = onCommit;
  }

  readHistory(runId: string, afterEventId = 0, limit?: number): HistoryEvent[] {
    return structuredClone((this.#runs.get(runId)?.history ?? []).slice(afterEventId, limit === undefined ? undefined : afterEventId + limit));
  }

  commit(runId: string, chainIndex: number, { events, state, logs, encoded }: RunCommit): void {
    const stored = this.#runs.get(runId) ?? { workflowId: state.workflowId, chainIndex, history: [], state, logs: [] };
    for (const event of events) {
      const expected = (stored.history.at(-1)?.eventId ?? 0) + 1;
      if (event.eventId !== expected) throw new Error(`History of ${runId} would fork: event ${event.eventId} appended after ${expected - 1}`);
      // What a durable store keeps: the JSON text (made once when the event was recorded), read back.
      stored.history.push(JSON.parse(encoded?.get(event) ?? JSON.stringify(event)) as HistoryEvent);
    }
    stored.state = JSON.parse(JSON.stringify(state)) as RunState;
    for (const line of logs ?? []) stored.logs.push({ seq: ++this.#logSeq, line });
    if (stored.logs.length > Limits.logLinesKept) stored.logs.splice(0, stored.logs.length - Limits.logLinesKept);
    this.#runs.set(runId, stored);
    this.#onCommit();
  }

  /** A run's kept log lines after `afterSeq`, oldest first. */
  readLogs(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): StoredLogLine[] {
    const lines = (this.#runs.get(runId)?.logs ?? []).filter((kept) => kept.seq > afterSeq);
    return lines.slice(0, limit).map((kept) => ({ ...kept }));
  }

  history(runId: string): HistoryEvent[] {
    return this.readHistory(runId);
  }

  /** Every run stored, in the order they first committed. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** The state of every run stored, as last committed (copies). */
  states(): RunState[] {
    return [...this.#runs.values()].map((run) => structuredClone(run.state));
  }

  /** The store of one workflow id's execution. */
  forWorkflow(workflowId: string): ExecutionStore {
    const runsOf = () => [...this.#runs.entries()].filter(([, run]) => run.workflowId === workflowId).sort(([, a], [, b]) => a.chainIndex - b.chainIndex);
    return {
      listRuns: (): StoredRunRef[] => runsOf().map(([runId, run]) => ({ runId, chainIndex: run.chainIndex, status: run.state.status })),
      loadState: (runId) => {
        const stored = this.#runs.get(runId);
        return stored && structuredClone(stored.state);
      },
      summaryOf: (runId) => {
        const stored = this.#runs.get(runId);
        if (!stored) return undefined;
        const { workflowType, status, startTime, closeTime } = stored.state;
        return { workflowType, status, startTime, ...(closeTime !== undefined && { closeTime }), historyLength: stored.history.length };
      },
      readHistory: (runId, afterEventId, limit) => this.readHistory(runId, afterEventId, limit),
      readLogs: (runId, afterSeq, limit) => this.readLogs(runId, afterSeq, limit),
      commit: (runId, chainIndex, commit) => this.commit(runId, chainIndex, commit),
      deleteRun: (runId) => void this.#runs.delete(runId),
    };
  }
}
