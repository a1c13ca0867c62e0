// What one workflow id's execution needs from the host that holds it: storage for its runs, a clock and timers,
// ids, local activities, and someone to carry out effects (activities, messages to other executions). Nothing more:
// every rule about the runs of a workflow id lives in execution.ts, once for every host.
import type { PayloadConverter } from '../payloads/envelope';
import type { LocalActivityCommand } from '../activation';
import type { PendingActivityState } from '../activity-state';
import type { WorkflowDefinition } from '../definitions';
import type { FailureInfo } from '../failure';
import type { HistoryEvent, Outcome, WorkflowStatus } from '../history';
import type { KeepLogLine } from '../log';
import type { SpanSink } from '../tracing/span';
import type { WorkflowRun } from '../run';
import type { RunCommit, RunHost } from '../run-host';
import type { RunState } from '../run-state';
import type { RunEffect, RunRef } from '../run-transitions';

/** A value a synchronous store (SQLite, memory) returns as is and an asynchronous one (IndexedDB) as a promise. */
export type MaybePromise<T> = T | Promise<T>;

/** A log line as a store keeps it: its JSON text, and its place among the lines the store keeps. */
export interface StoredLogLine {
  /** Grows with each line kept; a reader asks for what follows the last one it saw. */
  seq: number;
  line: string;
}

/** A run of the workflow id as the store lists it. */
export interface StoredRunRef {
  runId: string;
  /** Its place in the id's chain of runs; indexes only grow (retention never renumbers). */
  chainIndex: number;
  status: WorkflowStatus;
}

/** What still describes a run whose state cannot be read. */
export interface StoredRunSummary {
  workflowType: string;
  status: WorkflowStatus;
  startTime: number;
  closeTime?: number;
  historyLength: number;
}

/** Where the runs of one workflow id live. `commit` is one atomic write (DESIGN §3). */
export interface ExecutionStore {
  /** The runs of this workflow id, oldest first. */
  listRuns(): MaybePromise<StoredRunRef[]>;
  /** A run's state; throws when what is stored cannot be read (the run is then kept as unloadable, never fatal). */
  loadState(runId: string): MaybePromise<RunState | undefined>;
  summaryOf(runId: string): MaybePromise<StoredRunSummary | undefined>;
  /** Events after `afterEventId`, at most `limit` of them and, where the store can measure, about `maxChars` of JSON. */
  readHistory(runId: string, afterEventId: number, limit?: number, maxChars?: number): MaybePromise<HistoryEvent[]>;
  commit(runId: string, chainIndex: number, commit: RunCommit): MaybePromise<void>;
  /** A run's kept log lines after `afterSeq`, oldest first, at most `limit` (RunCommit.logs). */
  readLogs(runId: string, afterSeq: number, limit: number): MaybePromise<StoredLogLine[]>;
  /** Removes a run and its history (a terminate of a run that cannot be loaded; retention is the host's). */
  deleteRun(runId: string): MaybePromise<void>;
  /** A run that cannot be loaded has nothing that could fire: the host stops waking for it. */
  forgetDeadlines?(runId: string): void;
}

export interface ExecutionHost {
  readonly workflowId: string;
  /** The workflow type's definition in the code deployed now. */
  definitionOf(workflowType: string): WorkflowDefinition | undefined;
  /** The deployed code's version, recorded with blocked runs (read on each use: a deploy may change it). */
  codeVersion(): string | undefined;
  now(): number;
  newId(): string;
  store: ExecutionStore;
  /** `keepLog` takes each line the attempt's `ctx.log` writes, for its run's kept lines. */
  runLocalActivity(command: LocalActivityCommand, run: RunRef, keepLog?: KeepLogLine): Promise<Outcome>;
  /**
   * Carries out a run's effects once their commit is written. On a close, the execution has already started the run
   * it hands over to (continue-as-new, a retry); the host tells the parent and applies the children's close policies.
   */
  effects(run: WorkflowRun, effects: RunEffect[]): void;
  /** Calls `fire` after `ms` of this host's time (a long-poll's end); returns what cancels it. */
  setTimer(ms: number, fire: () => void): () => void;
  /** Takes finished spans (docs/observability.md, Traces); absent: no span is made. */
  spans?: SpanSink;
  /** How workflow code's new values are written (docs/payloads.md). Default `json`. */
  payloadConverter?: PayloadConverter;
  /** Set when the store keeps large rows in a blob store (RunHost.blobs). */
  blobs?: RunHost['blobs'];
  /** Tells the operator what the execution found and dealt with (a run that cannot be loaded, one deleted). */
  report(message: string, error?: unknown): void;
  /** Whether this host still runs the attempt (an execution reopened after a failed commit): not lost, it reports. */
  attemptInFlight?(runId: string, activityId: string, attempt: number): boolean;
  /** What an attempt lost with the previous instance records (default: a retryable `ActivityLostOnRestart`). */
  lostAttemptFailure?(run: WorkflowRun, activity: PendingActivityState): FailureInfo;
}
