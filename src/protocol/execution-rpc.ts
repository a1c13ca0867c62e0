// What the Worker (API routes) and other objects may ask of one workflow id's execution over RPC, whatever host
// holds it. Replies are plain data; refusals are `Problem`s the API turns into problem+json as they are.
import type { WorkflowDescription } from '../core/describe';
import type { AttemptRef, ChildClosedNotice, ChildStartedNotice, ParentClosePolicyRequest, ResultReply, SignalWithStartRequest, StartReply, StartRequest, UpdateReply, UpdateRequest, UpdateWithStartRequest } from '../core/execution/requests';
import type { FailureInfo } from '../core/failure';
import type { LogPage } from '../core/execution/execution';
import type { HistoryEvent } from '../core/history';
import type { Reply } from './reply';

export type { IdConflictPolicy, IdReusePolicy } from '../core/start-policy';

export type {
  AttemptRef, ChildClosedNotice, ChildStartedNotice, ParentClosePolicyRequest, ResultReply, SignalWithStartRequest, StartReply, StartRequest, UpdateReply, UpdateRequest, UpdateWithStartRequest,
} from '../core/execution/requests';
export type { PendingActivityView, WorkflowDescription } from '../core/describe';
export type { LogPage } from '../core/execution/execution';

export interface HistoryPage {
  events: HistoryEvent[];
  /** Ask with `after = nextEventId - 1` for what follows; equal to the last event id + 1. */
  nextEventId: number;
}

/** What the API asks of one WorkflowExecution object (addressed by workflowId). Refusals come back as problems, never throws. */
export interface ExecutionApi {
  /**
   * Starts a run. With `waitMs`, then waits up to that long for it (following continue-as-new) to close, and answers
   * with its `outcome` too: a caller that wants the result gets it in one call (`POST /v1/workflows?wait=`).
   */
  start(req: StartRequest & { waitMs?: number }): Promise<Reply<StartReply & { outcome?: ResultReply }>>;
  signalWithStart(req: SignalWithStartRequest): Promise<Reply<StartReply>>;
  updateWithStart(req: UpdateWithStartRequest): Promise<Reply<StartReply & UpdateReply>>;
  /** `atOnce`: the state as it stands, without waiting for the activation in progress to end. */
  describe(opts: { runId?: string; atOnce?: boolean }): Promise<Reply<WorkflowDescription>>;
  /** Waits up to `waitMs` for the run (or, with `followRuns`, the last run of its continue-as-new chain) to close. */
  result(opts: { runId?: string; waitMs: number; followRuns: boolean }): Promise<Reply<ResultReply>>;
  history(opts: { runId?: string; afterEventId?: number; limit?: number }): Promise<Reply<HistoryPage>>;
  /** The run's kept log lines after `afterSeq` (docs/programming-model.md, Logs). */
  logs(opts: { runId?: string; afterSeq?: number; limit?: number }): Promise<Reply<LogPage>>;
  /** `followRuns`: a `runId` that handed over (continue-as-new, a retry) means the run it handed over to. */
  signal(opts: { name: string; args: unknown[]; requestId?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>>;
  query(opts: { name: string; args: unknown[]; runId?: string }): Promise<Reply<{ result: unknown }>>;
  update(opts: UpdateRequest & { runId?: string }): Promise<Reply<UpdateReply>>;
  cancel(opts: { reason?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>>;
  terminate(opts: { reason?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>>;
  pause(opts: { reason?: string; runId?: string }): Promise<Reply<null>>;
  /** A new run re-running from the end of an earlier activation; the old run is terminated. */
  reset(opts: { eventId: number; reason?: string; runId?: string }): Promise<Reply<{ runId: string }>>;
  unpause(opts: { runId?: string }): Promise<Reply<null>>;
  activityHeartbeat(ref: AttemptRef, details: unknown): Promise<Reply<{ cancelRequested: boolean }>>;
  /** `logs`: the attempt's lines, kept with the run (dropped when they do not read as lines). */
  activityComplete(ref: AttemptRef, outcome: ({ result: unknown } | { failure: FailureInfo }) & { logs?: unknown[] }): Promise<Reply<null>>;
}

/** The RPC surface of an execution: the API's, plus what other executions send (outbox receivers). */
export interface WorkflowExecutionRpc extends ExecutionApi {
  childClosed(notice: ChildClosedNotice): Promise<Reply<null>>;
  childStarted(notice: ChildStartedNotice): Promise<Reply<null>>;
  applyParentClosePolicy(request: ParentClosePolicyRequest): Promise<Reply<null>>;
}
