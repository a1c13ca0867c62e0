// In-memory history and run state, with the same commit contract as the durable hosts. What is kept is what a
// durable store keeps: each event, the run's state and each log line as a row of JSON text, or, with payload codecs
// configured, as sealed bytes (opened on every read), so tests go through the pipeline production uses. A value JSON
// would change (a Date, an undefined) is not kept as it was. With a blob store, history rows over the threshold are
// kept there and the row holds a reference (history-blobs.ts).
import type { ExecutionStore, StoredLogLine, StoredRunRef, StoredRunSummary } from '../core/execution/execution-host';
import type { HistoryEvent } from '../core/history';
import { Limits, type RunCommit, type RunState } from '../core/internals';
import type { RowBlobs } from '../core/payloads/row-blobs';
import { afterSealing, RowCodecs, type SealedRow } from '../core/payloads/row-codecs';
import { HistoryBlobs, isBlobReference, type KeptRow } from './history-blobs';

interface StoredRun {
  workflowId: string;
  chainIndex: number;
  /** What lists and describes a run without opening its rows (no payloads). */
  summary: StoredRunSummary;
  /** One row per event, in order: event i + 1 at index i. */
  history: KeptRow[];
  state: SealedRow;
  /** Its latest Limits.logLinesKept log lines. */
  logs: Array<{ seq: number; line: SealedRow }>;
}

type Maybe<T> = T | Promise<T>;

export class MemoryRunStore {
  readonly #runs = new Map<string, StoredRun>();
  readonly #onCommit: () => void;
  readonly #rows: RowCodecs;
  /** The claim check, when the environment has a blob store. */
  readonly #blobs: HistoryBlobs | undefined;
  #logSeq = 0;

  constructor(onCommit: () => void = () => undefined, rows = new RowCodecs(), blobs?: RowBlobs) {
    this.#onCommit = onCommit;
    this.#rows = rows;
    this.#blobs = blobs && new HistoryBlobs(blobs, (key) => this.#isReferenced(key));
  }

  readHistory(runId: string, afterEventId = 0, limit?: number): Maybe<HistoryEvent[]> {
    const rows = (this.#runs.get(runId)?.history ?? []).slice(afterEventId, limit === undefined ? undefined : afterEventId + limit);
    const stored = rows.map((row, i) => [row, `h/${runId}/${afterEventId + i + 1}`] as const);
    const parse = (texts: string[]) => texts.map((text) => JSON.parse(text) as HistoryEvent);
    const blobs = this.#blobs;
    if (!blobs || !rows.some(isBlobReference)) return afterSealing(this.#rows.openAll(stored), parse);
    // A missing or changed blob rejects with a PayloadUnavailableError: the run replaying it is blocked, not failed.
    const read = Promise.all(stored.map(async ([row, identity]) => [isBlobReference(row) ? await blobs.read(row) : row, identity] as const));
    return read.then((opened) => afterSealing(this.#rows.openAll(opened), parse));
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
      const history = rest.slice(0, events.length);
      const write = (kept: KeptRow[]) => {
        const stored = this.#runs.get(runId) ?? { workflowId: state.workflowId, chainIndex, summary: summaryOf(state, 0), history: [], state: stateRow!, logs: [] };
        stored.history.push(...kept);
        stored.state = stateRow!;
        stored.summary = summaryOf(state, stored.history.length);
        for (const line of rest.slice(events.length)) stored.logs.push({ seq: ++this.#logSeq, line });
        if (stored.logs.length > Limits.logLinesKept) stored.logs.splice(0, stored.logs.length - Limits.logLinesKept);
        this.#runs.set(runId, stored);
        this.#onCommit();
      };
      // Only history rows go to the blob store (state and log rows stay inline, as in the Durable Object's store).
      const places = this.#blobs?.taken(history, events.map((event) => event.type)) ?? [];
      if (places.length === 0) return write(history);
      return this.#blobs!.offload(state.workflowId, history, places, write);
    });
  }

  /** Removes a run; the blobs its history references go too, unless another run still references them. */
  deleteRun(runId: string): Maybe<void> {
    const keys = this.#runs.get(runId)?.history.filter(isBlobReference).map((reference) => reference.key) ?? [];
    this.#runs.delete(runId);
    if (this.#blobs && keys.length > 0) return this.#blobs.deleteUnreferenced(keys);
  }

  #isReferenced(key: string): boolean {
    for (const run of this.#runs.values()) if (run.history.some((row) => isBlobReference(row) && row.key === key)) return true;
    return false;
  }

  /** A run's kept log lines after `afterSeq`, oldest first. */
  readLogs(runId: string, afterSeq = 0, limit = Number.POSITIVE_INFINITY): Maybe<StoredLogLine[]> {
    const kept = (this.#runs.get(runId)?.logs ?? []).filter((line) => line.seq > afterSeq).slice(0, limit);
    return afterSealing(this.#rows.openAll(kept.map(({ line }) => [line, `l/${runId}`])), (lines) => kept.map(({ seq }, i) => ({ seq, line: lines[i]! })));
  }

  /** A run's events at once: rows are JSON text unless codecs or a blob store are configured (then use readHistory). */
  history(runId: string): HistoryEvent[] {
    const events = this.readHistory(runId);
    if (events instanceof Promise) throw new Error('The store seals its rows (payload codecs) or keeps some in a blob store: read history with readHistory, which opens them');
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

  /**
   * Every row as kept (text, sealed bytes, or for a history row in the blob store its reference), by its place: what
   * a test of encryption at rest or of the claim check inspects.
   */
  storedRows(): Array<[identity: string, row: KeptRow]> {
    return [...this.#runs.entries()].flatMap(([runId, run]) => [
      [`r/${runId}`, run.state] as [string, KeptRow],
      ...run.history.map((row, i) => [`h/${runId}/${i + 1}`, row] as [string, KeptRow]),
      ...run.logs.map(({ line }) => [`l/${runId}`, line] as [string, KeptRow]),
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
      deleteRun: (runId) => this.deleteRun(runId),
    };
  }
}

function summaryOf(state: RunState, historyLength: number): StoredRunSummary {
  const { workflowType, status, startTime, closeTime } = state;
  return { workflowType, status, startTime, ...(closeTime !== undefined && { closeTime }), historyLength };
}
