// The event history of one run: the only source of truth. Plain, serializable records.
import type { PayloadConverter } from './payloads/envelope';
import type { RunTrace } from './tracing/trace-context';
import type { FailureInfo, TimeoutType } from './failure';
import type { ResolvedRetryPolicy } from './retry-policy';

export type SearchAttributes = Record<string, string | number | boolean | string[] | null>;

/** How an activity reacts when its cancellation scope is cancelled (Temporal's `ActivityCancellationType`). */
export const ActivityCancellationType = {
  /** Request cancellation and fail the call at once with `CancelledFailure`. */
  tryCancel: 'TRY_CANCEL',
  /** Request cancellation and wait until the activity confirms (or times out). */
  waitCancellationCompleted: 'WAIT_CANCELLATION_COMPLETED',
  /** Fail the call at once and do not tell the activity. */
  abandon: 'ABANDON',
} as const;
export type ActivityCancellationType = (typeof ActivityCancellationType)[keyof typeof ActivityCancellationType];

/** What happens to a running child when its parent closes. */
export const ParentClosePolicy = {
  terminate: 'TERMINATE',
  requestCancel: 'REQUEST_CANCEL',
  abandon: 'ABANDON',
} as const;
export type ParentClosePolicy = (typeof ParentClosePolicy)[keyof typeof ParentClosePolicy];

/** Activity options as recorded in history: milliseconds, defaults applied. */
export interface RecordedActivityOptions {
  taskQueue: string;
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  retry: ResolvedRetryPolicy;
  cancellationType: ActivityCancellationType;
  /** The input is the list of the call's positional arguments (a Temporal-style call); absent: the one input. */
  arguments?: 'positional';
}

export interface RecordedChildOptions {
  workflowId: string;
  parentClosePolicy: ParentClosePolicy;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  retryPolicy?: ResolvedRetryPolicy;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
}

/**
 * What `ctx.continueAsNew` changes for the next run, as recorded: each field given replaces the current run's value,
 * each one left out carries over (Temporal's continue-as-new).
 */
export interface RecordedContinueAsNewOptions {
  workflowType?: string;
  runTimeoutMs?: number;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The next run starts this long after the close (Temporal's `backoffStartInterval`). */
  backoffMs?: number;
}

export interface ParentRef {
  workflowId: string;
  runId: string;
  /** Sequence number of the child in the parent's history, to route results back. */
  seq: number;
}

/** Outcome of something that returns a value or fails. */
export type Outcome = { result: unknown } | { failure: FailureInfo };

type Base<T extends string, F> = { type: T; eventId: number; timestamp: number } & F;

export type WorkflowExecutionStarted = Base<'WorkflowExecutionStarted', {
  workflowType: string;
  workflowId: string;
  runId: string;
  input: unknown;
  /** Seeds `ctx.random()` and `ctx.uuid()`, so replay draws the same values. */
  randomnessSeed: string;
  attempt: number;
  firstRunId: string;
  continuedFromRunId?: string;
  parent?: ParentRef;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  /** Absolute deadline of the whole execution (all runs of the continue-as-new chain). */
  executionDeadline?: number;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The workflow's own retry policy (Temporal's): a failed or run-timed-out run is followed by attempt + 1. */
  retryPolicy?: ResolvedRetryPolicy;
  /**
   * Signal request ids and update ids that earlier runs of the chain recorded (the newest, up to
   * CHAIN_DEDUPE_WINDOW of each): a client re-sending one after a continue-as-new or a retry is not recorded again.
   */
  earlierRequests?: EarlierRequests;
  /** The trace the run's spans belong to, and their caller's span (a client's request, the parent's run span). */
  trace?: RunTrace;
  /**
   * 1 when the run's payloads carry marks (decision 019: `{"$duro":"rich",…}`), set on every run started since marks
   * exist. A run without it reads every payload as plain JSON, so a `$duro` key in its data is data.
   */
  payloadFormat?: 1;
  /**
   * How the run writes the values its code hands over (the host's converter when the run started): every later
   * activation and every replay write with it, so a deploy that changes the converter changes only new runs.
   */
  payloadConverter?: PayloadConverter;
}>;

/** Where an earlier run of the chain recorded an update, so a re-sent one is answered with that outcome. */
export interface EarlierUpdate {
  runId: string;
  /** The UpdateCompleted event in that run's history. */
  eventId: number;
}

export interface EarlierRequests {
  signalRequestIds: string[];
  updates: Record<string, EarlierUpdate>;
}

/** Set on a failed or timed-out close when the retry policy starts another attempt. */
export interface WorkflowRetry {
  newRunId: string;
  /** The next attempt starts this long after the close. */
  backoffMs: number;
}

/** On the event that ends an activation: the engine flags that activation relied on first (engine-flags.ts). */
export interface EndsActivation {
  flags?: string[];
}

export type WorkflowTaskCompleted = Base<'WorkflowTaskCompleted', { codeVersion?: string } & EndsActivation>;
export type WorkflowTaskFailed = Base<'WorkflowTaskFailed', {
  /** `workflowError`: workflow code threw an error that is not a Duro failure, or left a rejection unhandled. */
  reason: 'nonDeterminism' | 'activationFailure' | 'workflowError' | 'payloadUnavailable';
  message: string;
  /** For `workflowError`: what workflow code threw, stack included. */
  failure?: FailureInfo;
  codeVersion?: string;
}>;

export type ActivityTaskScheduled = Base<'ActivityTaskScheduled', {
  seq: number;
  activityId: string;
  activityType: string;
  input: unknown;
  options: RecordedActivityOptions;
}>;
export type ActivityTaskStarted = Base<'ActivityTaskStarted', { activityId: string; attempt: number }>;
export type ActivityTaskCompleted = Base<'ActivityTaskCompleted', { activityId: string; attempt: number; result: unknown }>;
export type ActivityTaskFailed = Base<'ActivityTaskFailed', { activityId: string; attempt: number; failure: FailureInfo }>;
export type ActivityTaskTimedOut = Base<'ActivityTaskTimedOut', { activityId: string; attempt: number; failure: FailureInfo }>;
export type ActivityTaskCancelRequested = Base<'ActivityTaskCancelRequested', { activityId: string }>;
export type ActivityTaskCanceled = Base<'ActivityTaskCanceled', { activityId: string; attempt: number; details?: unknown }>;

export type TimerStarted = Base<'TimerStarted', { seq: number; timerId: string; durationMs: number; fireAt: number }>;
export type TimerFired = Base<'TimerFired', { timerId: string }>;
export type TimerCanceled = Base<'TimerCanceled', { timerId: string }>;

/** Markers record what workflow code decided outside commands: local activity outcomes, side effects, patches. */
export type MarkerRecorded = Base<'MarkerRecorded', {
  markerName: MarkerName;
  seq?: number;
  data: unknown;
}>;
export type MarkerName = 'LocalActivity' | 'SideEffect' | 'Patch';

export type SignalReceived = Base<'SignalReceived', { signalName: string; args: unknown[]; requestId?: string }>;
export type UpdateAccepted = Base<'UpdateAccepted', { updateId: string; updateName: string; args: unknown[] }>;
export type UpdateCompleted = Base<'UpdateCompleted', { updateId: string; outcome: Outcome }>;
export type WorkflowExecutionCancelRequested = Base<'WorkflowExecutionCancelRequested', { reason?: string }>;
export type SearchAttributesUpserted = Base<'SearchAttributesUpserted', { searchAttributes: SearchAttributes }>;
/** Keys set in the run's memo; a key whose value is `null` is removed. */
export type MemoUpserted = Base<'MemoUpserted', { memo: Record<string, unknown> }>;

export type ChildWorkflowInitiated = Base<'ChildWorkflowInitiated', {
  seq: number;
  workflowType: string;
  input: unknown;
  options: RecordedChildOptions;
}>;
export type ChildWorkflowStarted = Base<'ChildWorkflowStarted', { seq: number; workflowId: string; runId: string }>;
export type ChildWorkflowStartFailed = Base<'ChildWorkflowStartFailed', { seq: number; workflowId: string; failure: FailureInfo }>;
/** The child closed; `status` says how, `outcome` carries its result or failure. */
export type ChildWorkflowClosed = Base<'ChildWorkflowClosed', {
  seq: number;
  workflowId: string;
  runId: string;
  status: 'completed' | 'failed' | 'canceled' | 'terminated' | 'timedOut';
  outcome: Outcome;
}>;

export type ExternalSignalInitiated = Base<'ExternalSignalInitiated', {
  seq: number;
  workflowId: string;
  runId?: string;
  signalName: string;
  args: unknown[];
  /** A child's signals are addressed by the child's seq, so they are sent only once the child exists. */
  childSeq?: number;
}>;
export type ExternalSignalDelivered = Base<'ExternalSignalDelivered', { seq: number }>;
export type ExternalSignalFailed = Base<'ExternalSignalFailed', { seq: number; failure: FailureInfo }>;
export type ExternalCancelInitiated = Base<'ExternalCancelInitiated', { seq: number; workflowId: string; runId?: string; childSeq?: number }>;
export type ExternalCancelDelivered = Base<'ExternalCancelDelivered', { seq: number }>;
export type ExternalCancelFailed = Base<'ExternalCancelFailed', { seq: number; failure: FailureInfo }>;

export type WorkflowExecutionCompleted = Base<'WorkflowExecutionCompleted', { result: unknown } & EndsActivation>;
export type WorkflowExecutionFailed = Base<'WorkflowExecutionFailed', { failure: FailureInfo; retry?: WorkflowRetry } & EndsActivation>;
export type WorkflowExecutionCanceled = Base<'WorkflowExecutionCanceled', { failure: FailureInfo } & EndsActivation>;
export type WorkflowExecutionTerminated = Base<'WorkflowExecutionTerminated', { reason?: string }>;
export type WorkflowExecutionTimedOut = Base<'WorkflowExecutionTimedOut', { timeoutType: TimeoutType; retry?: WorkflowRetry }>;
export type WorkflowExecutionContinuedAsNew = Base<'WorkflowExecutionContinuedAsNew', {
  newRunId: string;
  input: unknown;
  /** Signals received but not yet handled; delivered first in the new run. */
  bufferedSignals: Array<{ signalName: string; args: unknown[] }>;
  /** Absent on histories from before these options, whose next run carries everything over. */
  options?: RecordedContinueAsNewOptions;
} & EndsActivation>;

export type HistoryEvent =
  | WorkflowExecutionStarted
  | WorkflowTaskCompleted
  | WorkflowTaskFailed
  | ActivityTaskScheduled
  | ActivityTaskStarted
  | ActivityTaskCompleted
  | ActivityTaskFailed
  | ActivityTaskTimedOut
  | ActivityTaskCancelRequested
  | ActivityTaskCanceled
  | TimerStarted
  | TimerFired
  | TimerCanceled
  | MarkerRecorded
  | SignalReceived
  | UpdateAccepted
  | UpdateCompleted
  | WorkflowExecutionCancelRequested
  | SearchAttributesUpserted
  | MemoUpserted
  | ChildWorkflowInitiated
  | ChildWorkflowStarted
  | ChildWorkflowStartFailed
  | ChildWorkflowClosed
  | ExternalSignalInitiated
  | ExternalSignalDelivered
  | ExternalSignalFailed
  | ExternalCancelInitiated
  | ExternalCancelDelivered
  | ExternalCancelFailed
  | WorkflowExecutionCompleted
  | WorkflowExecutionFailed
  | WorkflowExecutionCanceled
  | WorkflowExecutionTerminated
  | WorkflowExecutionTimedOut
  | WorkflowExecutionContinuedAsNew;

export type EventType = HistoryEvent['type'];
export type EventOf<T extends EventType> = Extract<HistoryEvent, { type: T }>;
/** An event before the store numbers and stamps it. */
export type NewEvent = HistoryEvent extends infer E ? (E extends HistoryEvent ? Omit<E, 'eventId' | 'timestamp'> : never) : never;

/** Events written because workflow code issued a command; on replay they are matched against the commands. */
const COMMAND_EVENTS: ReadonlySet<EventType> = new Set<EventType>([
  'ActivityTaskScheduled',
  'ActivityTaskCancelRequested',
  'TimerStarted',
  'TimerCanceled',
  'MarkerRecorded',
  'UpdateCompleted',
  'SearchAttributesUpserted',
  'MemoUpserted',
  'ChildWorkflowInitiated',
  'ExternalSignalInitiated',
  'ExternalCancelInitiated',
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionContinuedAsNew',
]);

export function isCommandEvent(event: { type: EventType }): boolean {
  return COMMAND_EVENTS.has(event.type);
}

const CLOSE_EVENT_TYPES = [
  'WorkflowExecutionCompleted',
  'WorkflowExecutionFailed',
  'WorkflowExecutionCanceled',
  'WorkflowExecutionTerminated',
  'WorkflowExecutionTimedOut',
  'WorkflowExecutionContinuedAsNew',
] as const satisfies readonly EventType[];
type CloseEventType = (typeof CLOSE_EVENT_TYPES)[number];
const CLOSE_EVENTS: ReadonlySet<EventType> = new Set<EventType>(CLOSE_EVENT_TYPES);

/** The events that close a run; narrows `event`, so a switch after `if (isCloseEvent(e)) …` need not list them. */
export function isCloseEvent<E extends { type: EventType }>(event: E): event is Extract<E, { type: CloseEventType }> {
  return CLOSE_EVENTS.has(event.type);
}

/**
 * The `default` of an exhaustive switch over events: a new event type fails to compile at the call (its `event` is
 * no longer `never`); at run time (a history written by a newer Duro) the event is passed over.
 */
export function passOverUnknownEvent(_event: never): void {}

/** Status of a run as the API reports it. */
export const WorkflowStatus = {
  running: 'running',
  completed: 'completed',
  failed: 'failed',
  canceled: 'canceled',
  terminated: 'terminated',
  continuedAsNew: 'continuedAsNew',
  timedOut: 'timedOut',
} as const;
export type WorkflowStatus = (typeof WorkflowStatus)[keyof typeof WorkflowStatus];

export function statusOfCloseEvent(event: HistoryEvent): WorkflowStatus | undefined {
  switch (event.type) {
    case 'WorkflowExecutionCompleted': return WorkflowStatus.completed;
    case 'WorkflowExecutionFailed': return WorkflowStatus.failed;
    case 'WorkflowExecutionCanceled': return WorkflowStatus.canceled;
    case 'WorkflowExecutionTerminated': return WorkflowStatus.terminated;
    case 'WorkflowExecutionTimedOut': return WorkflowStatus.timedOut;
    case 'WorkflowExecutionContinuedAsNew': return WorkflowStatus.continuedAsNew;
    default: return undefined;
  }
}
