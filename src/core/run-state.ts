// The mutable, persisted state of one run beside its history: what is pending, what is owed to
// other executions (the outbox), and why the run may be blocked. Plain JSON, so any host can store it.
import type { PayloadConverter } from './payloads/envelope';
import type { RunTrace } from './tracing/trace-context';
import type { PendingActivityState } from './activity-state';
import type { FailureInfo, TimeoutType } from './failure';
import type { HistoryEvent, ParentClosePolicy, ParentRef, RecordedChildOptions, SearchAttributes, WorkflowStatus } from './history';
import type { NonDeterminismDiff } from './nondeterminism';
import type { ResolvedRetryPolicy } from './retry-policy';

export interface PendingChildState {
  seq: number;
  workflowType: string;
  workflowId: string;
  input: unknown;
  options: RecordedChildOptions;
  parentClosePolicy: ParentClosePolicy;
  runId?: string;
  phase: 'starting' | 'started';
}

export interface PendingExternalState {
  seq: number;
  kind: 'signal' | 'cancel';
  workflowId: string;
  runId?: string;
  childSeq?: number;
  signalName?: string;
  args?: unknown[];
}

export interface BlockedState {
  reason: 'nonDeterminism' | 'activationFailure' | 'workflowError' | 'payloadUnavailable';
  message: string;
  diff?: NonDeterminismDiff;
  /** Code version that failed; a run blocked by non-determinism is retried only under another version. */
  codeVersion?: string;
  since: number;
  /** For activation failures and unavailable payloads: when to try again. */
  retryAt?: number;
  /** For `workflowError`: what workflow code threw. */
  failure?: FailureInfo;
}

export interface RunState {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: WorkflowStatus;
  startTime: number;
  closeTime?: number;
  parent?: ParentRef;
  /** The trace the run's spans belong to (its start event's, or one of its chain's own); absent from older runs. */
  trace?: RunTrace;
  /**
   * How activity attempts write their results (sent with each task): set on runs whose payloads carry marks
   * (`payloadFormat` on their start event, decision 019); absent from older runs, which keep plain JSON.
   */
  payloadConverter?: PayloadConverter;
  /** Absolute deadlines from the run and execution timeouts. */
  runDeadline?: number;
  /** The workflow's retry policy and this run's attempt under it (1-based). */
  retry?: { policy: ResolvedRetryPolicy; attempt: number };
  executionDeadline?: number;
  nextEventId: number;
  historySizeBytes: number;
  /**
   * The history's size as stored, what its limit checks: `historySizeBytes` counts every event whole (what workflow code
   * sees, the same on replay), this counts an event kept in the blob store as its reference (history-size.ts). Absent
   * from runs recorded before it: their whole size.
   */
  historyStoredBytes?: number;
  memo: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  activities: Record<string, PendingActivityState>;
  timers: Record<string, { timerId: string; fireAt: number }>;
  children: Record<string, PendingChildState>;
  externals: Record<string, PendingExternalState>;
  /** Updates accepted but not completed. */
  inFlightUpdates: string[];
  /** Completed updates → eventId of their UpdateCompleted: a repeated updateId gets the recorded outcome. */
  completedUpdates: Record<string, number>;
  /** requestIds of recorded signals → eventId, to drop duplicates. */
  signalRequestIds: Record<string, number>;
  cancelRequested: boolean;
  /** Paused: no activity is sent and no timer fires until unpaused; inputs are still recorded. */
  paused?: { reason?: string; since: number };
  /** With a start delay: no activation runs before this time. */
  delayedUntil?: number;
  /**
   * Local activity attempts asked for whose outcome is not recorded yet, by seq. They run outside activations; one
   * lost with its host (a restart) is run again, as the code that asked for it is rebuilt from history.
   */
  localAttempts?: Record<string, { activityType: string; attempt: number }>;
  /** Inputs were recorded but no activation has yet completed for them (blocked, or an activation failed). */
  hasUnprocessedInputs?: boolean;
  /** Consecutive activations that threw inside the engine. */
  activationFailures: number;
  blocked?: BlockedState;
  /** The event that closed the run, once closed. */
  closeEvent?: HistoryEvent;
  /** The parent has not yet acknowledged this run's close (outbox). */
  parentNotificationPending?: boolean;
  /** Children this closed run must still terminate or cancel under their parent-close policy (outbox). */
  childrenToClose?: Array<{ workflowId: string; policy: 'TERMINATE' | 'REQUEST_CANCEL'; /** Its start had not been acknowledged. */ starting?: boolean }>;
}

/** How a closed run ended, in the API's terms. */
export interface RunOutcome {
  status: WorkflowStatus;
  result?: unknown;
  failure?: FailureInfo;
  /** The run that follows: set when the run continued as new, or failed or timed out and is retried. */
  newRunId?: string;
}

function workflowTimeoutFailure(timeoutType: TimeoutType): FailureInfo {
  return { kind: 'timeout', type: 'TimeoutFailure', message: `workflow timed out (${timeoutType})`, nonRetryable: true, timeoutType };
}

export function outcomeOfCloseEvent(event: HistoryEvent): RunOutcome | undefined {
  switch (event.type) {
    case 'WorkflowExecutionCompleted': return { status: 'completed', result: event.result };
    case 'WorkflowExecutionFailed': return { status: 'failed', failure: event.failure, ...(event.retry && { newRunId: event.retry.newRunId }) };
    case 'WorkflowExecutionCanceled': return { status: 'canceled', failure: event.failure };
    case 'WorkflowExecutionTerminated': return { status: 'terminated', failure: { kind: 'terminated', type: 'TerminatedFailure', message: event.reason ?? 'terminated', nonRetryable: true } };
    case 'WorkflowExecutionTimedOut': return { status: 'timedOut', failure: workflowTimeoutFailure(event.timeoutType), ...(event.retry && { newRunId: event.retry.newRunId }) };
    case 'WorkflowExecutionContinuedAsNew': return { status: 'continuedAsNew', newRunId: event.newRunId };
    default: return undefined;
  }
}

/** The parts of RunState that can grow large: stored as one row per entry, written only when they change. */
export const PENDING_COLLECTIONS = ['activities', 'timers', 'children', 'externals', 'signalRequestIds', 'completedUpdates'] as const;
export type PendingCollection = (typeof PENDING_COLLECTIONS)[number];

/** One entry written (`value`) or removed (`value` undefined) by a step. */
export interface PendingChange {
  collection: PendingCollection;
  key: string;
  value: unknown;
}

/** The run's small, whole-row part. */
export type RunRecord = Omit<RunState, PendingCollection>;

export function runRecordOf(state: RunState): RunRecord {
  const { activities: _a, timers: _t, children: _c, externals: _e, signalRequestIds: _s, completedUpdates: _u, ...record } = state;
  return record;
}

/** Reassembles a RunState from its record and its stored entries (the inverse of what commits write). */
export function runStateFrom(record: RunRecord, entries: Iterable<{ collection: PendingCollection; key: string; value: unknown }>): RunState {
  const state: RunState = { ...record, activities: {}, timers: {}, children: {}, externals: {}, signalRequestIds: {}, completedUpdates: {} };
  for (const entry of entries) (state[entry.collection] as Record<string, unknown>)[entry.key] = entry.value;
  return state;
}

/** In `completedUpdates`: the update was completed by an earlier run of the chain (its start event says which). */
export const EARLIER_RUN = -1;

/** Remembers which entries a step touched, so a commit writes only those. */

export class PendingChanges {
  readonly #touched = new Map<string, { collection: PendingCollection; key: string }>();

  touch(collection: PendingCollection, key: string | number): void {
    const id = `${collection}/${key}`;
    if (!this.#touched.has(id)) this.#touched.set(id, { collection, key: String(key) });
  }

  touchAll(state: RunState, collection: PendingCollection): void {
    for (const key of Object.keys(state[collection])) this.touch(collection, key);
  }

  /** The touched entries with their current values; clears the list. */
  take(state: RunState): PendingChange[] {
    const changes = [...this.#touched.values()].map(({ collection, key }) => ({ collection, key, value: (state[collection] as Record<string, unknown>)[key] }));
    this.#touched.clear();
    return changes;
  }
}

/**
 * Whether `state` still owes another workflow a message until it is answered (the outbox, DESIGN §4): a child start,
 * a signal or cancel to another workflow, its parent's notice of its close, its children's close policy.
 */
export function owesMessages(state: RunState): boolean {
  return state.parentNotificationPending === true || state.childrenToClose !== undefined || Object.keys(state.externals).length > 0
    || Object.values(state.children).some((child) => child.phase === 'starting');
}

/**
 * A run blocked until other code is deployed — by non-determinism, or by an engine crash that kept recurring — whose
 * recorded code version is not `codeVersion`: the new code gets its chance.
 */
export function blockedOnOtherCode(state: RunState, codeVersion: string | undefined): boolean {
  const blocked = state.blocked;
  return blocked !== undefined && blocked.retryAt === undefined && codeVersion !== undefined && blocked.codeVersion !== codeVersion;
}
