// What the Worker (API routes) and other objects may ask of one workflow id's execution over RPC, whatever host
// holds it. Replies are plain data; refusals are `Problem`s the API turns into problem+json as they are.
import type { WorkflowDescription } from '../core/describe';
import type { FailureInfo } from '../core/failure';
import type { HistoryEvent, Outcome, ParentRef, SearchAttributes } from '../core/history';
import type { ResolvedRetryPolicy } from '../core/retry-policy';
import type { IdConflictPolicy, IdReusePolicy } from '../core/start-policy';
import type { Reply } from './reply';

export type { IdConflictPolicy, IdReusePolicy } from '../core/start-policy';

export interface StartRequest {
  workflowType: string;
  workflowId: string;
  input?: unknown;
  idReusePolicy?: IdReusePolicy;
  idConflictPolicy?: IdConflictPolicy;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  startDelayMs?: number;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The workflow's retry policy, defaults applied. */
  retryPolicy?: ResolvedRetryPolicy;
  /** Set when a workflow starts this one as its child. */
  parent?: ParentRef;
}

export interface StartReply {
  workflowId: string;
  runId: string;
  /** False when an existing run was returned (`useExisting`). */
  started: boolean;
}

export type { PendingActivityView, WorkflowDescription } from '../core/describe';

export type ResultReply =
  | { status: 'running'; runId: string }
  | { status: 'completed'; runId: string; result: unknown }
  /** Only with `followRuns: false`: this run handed over to `newRunId`. */
  | { status: 'continuedAsNew'; runId: string; newRunId: string }
  | { status: 'failed' | 'canceled' | 'terminated' | 'timedOut'; runId: string; failure: FailureInfo };

export interface HistoryPage {
  events: HistoryEvent[];
  /** Ask with `after = nextEventId - 1` for what follows; equal to the last event id + 1. */
  nextEventId: number;
}

export interface UpdateRequest {
  name: string;
  args: unknown[];
  updateId?: string;
  wait: 'accepted' | 'completed';
}

export interface UpdateReply {
  updateId: string;
  /** Absent when waiting only for acceptance. */
  outcome?: Outcome;
}

/** Identifies one attempt of one activity; parsed from a verified task token. */
export interface AttemptRef {
  runId: string;
  activityId: string;
  attempt: number;
}

/** What the API asks of one WorkflowExecution object (addressed by workflowId). Refusals come back as problems, never throws. */
export interface ExecutionApi {
  start(req: StartRequest): Promise<Reply<StartReply>>;
  signalWithStart(req: StartRequest & { signalName: string; signalArgs: unknown[]; requestId?: string }): Promise<Reply<StartReply>>;
  updateWithStart(req: StartRequest & { update: UpdateRequest }): Promise<Reply<StartReply & UpdateReply>>;
  describe(opts: { runId?: string }): Promise<Reply<WorkflowDescription>>;
  /** Waits up to `waitMs` for the run (or, with `followRuns`, the last run of its continue-as-new chain) to close. */
  result(opts: { runId?: string; waitMs: number; followRuns: boolean }): Promise<Reply<ResultReply>>;
  history(opts: { runId?: string; afterEventId?: number; limit?: number }): Promise<Reply<HistoryPage>>;
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
  activityComplete(ref: AttemptRef, outcome: { result: unknown } | { failure: FailureInfo }): Promise<Reply<null>>;
}
