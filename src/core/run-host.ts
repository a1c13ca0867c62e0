// What a run needs from its host (DESIGN §3 "Hosts"): a clock, run ids, a store whose `commit` is one atomic write,
// local activities run inline, and someone to carry out effects once their commit is written.
import type { PayloadConverter } from './payloads/envelope';
import type { LocalActivityCommand } from './activation';
import type { AttemptObservation } from './activity-state';
import type { HistoryEvent, Outcome } from './history';
import type { KeepLogLine } from './log';
import type { SpanSink } from './tracing/span';
import type { PendingChange, RunState } from './run-state';
import type { RunEffect, RunRef } from './run-transitions';

/** What one step writes, atomically: new events and the entries of pending state that changed. */
export interface RunCommit {
  events: HistoryEvent[];
  /** The whole state, for stores that keep it in one piece (memory); durable stores write `changes`. */
  state: RunState;
  changes: PendingChange[];
  /** When the run next needs attention (its alarm), or undefined. */
  wakeAt: number | undefined;
  /** Activity attempts this step resolved, for metrics (retries are not in history). */
  attempts: AttemptObservation[];
  /** The JSON text of each event, made once when it was recorded and measured: stores write it as is. */
  encoded?: ReadonlyMap<HistoryEvent, string>;
  /**
   * Log lines written since the last commit (JSON text, oldest first): stores keep the run's latest
   * Limits.logLinesKept of them, outside history, and remove them with the run.
   */
  logs?: string[];
}

/** Where a run keeps its history and state. One `commit` is one atomic write. */
export interface RunStore {
  /** Events of a run in order, from `afterEventId` (exclusive) on; at most `limit` of them where the store can cut. */
  readHistory(runId: string, afterEventId?: number, limit?: number): HistoryEvent[] | Promise<HistoryEvent[]>;
  commit(runId: string, commit: RunCommit): void | Promise<void>;
}

/** `Run` is what the host is handed back with effects: the WorkflowRun (a parameter, so this seam imports no run). */
export interface RunHost<Run = unknown> {
  now(): number;
  newRunId(): string;
  /** Version of the deployed code, recorded with blocked runs (`CF_VERSION_METADATA` in Workers). */
  codeVersion?: string;
  store: RunStore;
  /** `keepLog` takes each line the attempt's `ctx.log` writes, for the run's kept lines. */
  runLocalActivity(command: LocalActivityCommand, run: RunRef, keepLog?: KeepLogLine): Promise<Outcome>;
  effects(run: Run, effects: RunEffect[]): void;
  /** Takes the spans each committed step finished (docs/observability.md, Traces); absent: no span is made. */
  spans?: SpanSink;
  /** How workflow code's new values are written (decision 019). Default `json`. */
  payloadConverter?: PayloadConverter;
  /**
   * Set when the store keeps rows over a threshold in a blob store (the claim check): payloads may then be this large
   * (Limits.maxBlobPayloadBytes) and an event over `blobThresholdBytes` counts as its reference in the history's size.
   */
  blobs?: { maxPayloadBytes: number; thresholdBytes: number };
}
