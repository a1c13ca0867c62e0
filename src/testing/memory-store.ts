// In-memory history and run state, with the same commit contract as the durable hosts. What is kept is what a
// durable store keeps: each event, the run's state and each log line as a row of JSON text, or, with payload codecs
// configured, as sealed bytes (opened on every read), so tests go through the pipeline production uses. A value JSON
// would change (a Date, an undefined) is not kept as it was.
import type { ExecutionStore, StoredLogLine, StoredRunRef, StoredRunSummary } from '../core/execution/execution-host';
import type { HistoryEvent } from '../core/history';
import { Limits, type RunCommit, type RunState } from '../core/internals';
import { afterSealing, RowCodecs, type SealedRow } from '../core/payloads/row-codecs';

interface StoredRun {
  workflowId: string;
  chainIndex: number;
  /** What lists and describes a run without opening its rows (no payloads). */
  summary: StoredRunSummary;
  /** One row per event, in order: event i + 1 at index i. */
  history: SealedRow[];
  state: SealedRow;
  /** Its latest Limits.logLinesKept log lines. */
  logs: Array<{ seq: number; line: SealedRow }>;
}

type Maybe<T> = T | Promise<T>;

export class MemoryRunStore {
  readonly #runs = new Map<string, StoredRun>();
  readonly #onCommit: () => void;
  readonly #rows: RowCodecs;
  #logSeq = 0;

  constructor(onCommit: () => void = () => undefined, rows = new RowCodecs()) {
    this.#onCommit = onCommit;
    this.#rows = rows;
  }

  readHistory(runId: string, afterEventId = 0, limit?: number): Maybe<HistoryEvent[]> {
    const rows = (this.#runs.get(runId)?.history ?? []).slice(afterEventId, limit === undefined ? undefined : afterEventId + limit);
    return afterSealing(this.#rows.openAll(rows.map((row, i) => [row, `h/${runId}/${afterEventId + i + 1}`])), (texts) => texts.map((text) => JSON.parse(text) as HistoryEvent));
  }

  /** Seals the commit's rows (at once without codecs), then keeps them: the same two phases as the durable stores. */
  commit(runId: string, chainIndex: number, { events, state, logs, encoded }: RunCommit): Maybe<void> {
    const known = this.#runs.get(runId);
    for (const [i, event] of events.entries()) {
      const expected = (known?.history.length ?? 0) + i + 1;
      if (event.eventId !== expected) throw new Error(`History of ${runId} would fork: event ${event.eventId} appended after ${expected - 1}`);
    }
    const rows: Array<readonly [string, string]> = [
      [JSON.stringify(state), `r/${runId}`],
      // What a durable store keeps: the JSON text, made once when the event was recorded.
      ...events.map((event) => [encoded?.get(event) ?? JSON.stringify(event), `h/${runId}/${event.eventId}`] as const),
      ...(logs ?? []).map((line) => [line, `l/${runId}`] as const),
    ];
    return afterSealing(this.#rows.sealAll(rows), ([stateRow, ...rest]) => {
      const stored = this.#runs.get(runId) ?? { workflowId: state.workflowId, chainIndex, summary: summaryOf(state, 0), history: [], state: stateRow!, logs: [] };
      stored.history.push(...rest.slice(0, events.length));
      stored.state = stateRow!;
      stored.summary = summaryOf(state, stored.history.length);
      for (const line of rest.slice(events.length)) stored.logs.push({ seq: ++this.#logSeq, line });
      if (stored.logs.length > Limits.logLinesKept) stored.logs.splice(0, stored.logs.length - Limits.logLinesKept);
      this.#runs.set(runId, stored);
      this.#onCommit();
    });
  }

  /** A run's kept log lines after `afterSeq`, oldest first. */
  readLogs(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Maybe<StoredLogLine[]> {
    const kept = (this.#runs.get(runId)?.logs ?? []).filter((line) => line.seq > afterSeq).slice(0, limit);
    return afterSealing(this.#rows.openAll(kept.map(({ line }) => [line, `l/${runId}`])), (lines) => kept.map(({ seq }, i) => ({ seq, line: lines[i]! })));
  }

  /** A run's events at once: rows are JSON text unless codecs are configured (then read them with readHistory). */
  history(runId: string): HistoryEvent[] {
    const events = this.readHistory(runId);
    if (events instanceof Promise) throw new Error('The store seals its rows (payload codecs): read history with readHistory, which opens them');
    return events;
  }

  /** Every run stored, in the order they first committed. */
  runIds(): string[] {
    return [...this.#runs.keys()];
  }

  /** The state of every run stored, as last committed (copies). */
  states(): Maybe<RunState[]> {
    const runs = [...this.#runs.entries()];
    return afterSealing(this.#rows.openAll(runs.map(([runId, run]) => [run.state, `r/${runId}`])), (texts) => texts.map((text) => JSON.parse(text) as RunState));
  }

  /** Every row as kept (text, or sealed bytes), by its place: what a test of encryption at rest inspects. */
  storedRows(): Array<[identity: string, row: SealedRow]> {
    return [...this.#runs.entries()].flatMap(([runId, run]) => [
      [`r/${runId}`, run.state] as [string, SealedRow],
      ...run.history.map((row, i) => [`h/${runId}/${i + 1}`, row] as [string, SealedRow]),
      ...run.logs.map(({ line }) => [`l/${runId}`, line] as [string, SealedRow]),
    ]);
  }

  /** The store of one workflow id's execution. */
  forWorkflow(workflowId: string): ExecutionStore {
    const runsOf = () => [...this.#runs.entries()].filter(([, run]) => run.workflowId === workflowId).sort(([, a], [, b]) => a.chainIndex - b.chainIndex);
    return {
      listRuns: (): StoredRunRef[] => runsOf().map(([runId, run]) => ({ runId, chainIndex: run.chainIndex, status: run.summary.status })),
      loadState: (runId) => {
        const stored = this.#runs.get(runId);
        return stored && afterSealing(this.#rows.open(stored.state, `r/${runId}`), (text) => JSON.parse(text) as RunState);
      },
      summaryOf: (runId) => {
        const stored = this.#runs.get(runId);
        return stored && { ...stored.summary };
      },
      readHistory: (runId, afterEventId, limit) => this.readHistory(runId, afterEventId, limit),
      readLogs: (runId, afterSeq, limit) => this.readLogs(runId, afterSeq, limit),
      commit: (runId, chainIndex, commit) => this.commit(runId, chainIndex, commit),
      deleteRun: (runId) => void this.#runs.delete(runId),
    };
  }
}

function summaryOf(state: RunState, historyLength: number): StoredRunSummary {
  const { workflowType, status, startTime, closeTime } = state;
  return { workflowType, status, startTime, ...(closeTime !== undefined && { closeTime }), historyLength };
}
