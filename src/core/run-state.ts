// The mutable, persisted state of one run beside its history: what is pending, what is owed to
// other executions (the outbox), and why the run may be blocked. Plain JSON, so any host can store it.
import type { PendingActivityState } from './activity-state';
import type { FailureInfo } from './failure';
import type { HistoryEvent, ParentClosePolicy, ParentRef, RecordedChildOptions, SearchAttributes, WorkflowStatus } from './history';
import type { NonDeterminismDiff } from './nondeterminism';

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
  reason: 'nonDeterminism' | 'activationFailure';
  message: string;
  diff?: NonDeterminismDiff;
  /** Code version that failed; a run blocked by non-determinism is retried only under another version. */
  codeVersion?: string;
  since: number;
  /** For activation failures: when to try again. */
  retryAt?: number;
}

export interface RunState {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: WorkflowStatus;
  startTime: number;
  closeTime?: number;
  parent?: ParentRef;
  /** Absolute deadlines from the run and execution timeouts. */
  runDeadline?: number;
  executionDeadline?: number;
  nextEventId: number;
  historySizeBytes: number;
  memo: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  activities: Record<string, PendingActivityState>;
  timers: Record<string, { timerId: string; fireAt: number }>;
  children: Record<string, PendingChildState>;
  externals: Record<string, PendingExternalState>;
  /** Updates accepted but not completed. */
  inFlightUpdates: string[];
  /** Updates completed in this run: a repeated updateId gets the recorded outcome instead of running again. */
  completedUpdateIds?: string[];
  /** requestIds of recorded signals, to drop duplicates. */
  signalRequestIds: string[];
  cancelRequested: boolean;
  /** Inputs were recorded but no activation has yet completed for them (blocked, or an activation failed). */
  hasUnprocessedInputs?: boolean;
  /** Consecutive activations that threw inside the engine. */
  activationFailures: number;
  blocked?: BlockedState;
  /** The event that closed the run, once closed. */
  closeEvent?: HistoryEvent;
  /** The parent has not yet acknowledged this run's close (outbox). */
  parentNotificationPending?: boolean;
}

/** How a closed run ended, in the API's terms. */
export interface RunOutcome {
  status: WorkflowStatus;
  result?: unknown;
  failure?: FailureInfo;
  /** Set when the run continued as new. */
  newRunId?: string;
}

export function outcomeOfCloseEvent(event: HistoryEvent): RunOutcome | undefined {
  switch (event.type) {
    case 'WorkflowExecutionCompleted': return { status: 'completed', result: event.result };
    case 'WorkflowExecutionFailed': return { status: 'failed', failure: event.failure };
    case 'WorkflowExecutionCanceled': return { status: 'canceled', failure: event.failure };
    case 'WorkflowExecutionTerminated': return { status: 'terminated', failure: { kind: 'terminated', type: 'TerminatedFailure', message: event.reason ?? 'terminated', nonRetryable: true } };
    case 'WorkflowExecutionTimedOut': return { status: 'timedOut', failure: { kind: 'timeout', type: 'TimeoutFailure', message: `workflow timed out (${event.timeoutType})`, nonRetryable: true, timeoutType: event.timeoutType } };
    case 'WorkflowExecutionContinuedAsNew': return { status: 'continuedAsNew', newRunId: event.newRunId };
    default: return undefined;
  }
}
