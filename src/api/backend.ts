// What the API needs from whatever runs the workflows: the Durable Object host in a Worker, or any other host
// (tests drive the API over TestWorkflowEnvironment). Routes hold no engine logic; they validate and translate.
import type {
  AttemptRef, HistoryPage, Reply, ResultReply, StartReply, StartRequest, UpdateReply, UpdateRequest, WorkflowDescription,
} from '../../durable-objects/rpc-types';
import type { FailureInfo } from '../core/failure';
import { problem, ProblemType } from './problems';

/** The RPC surface of one WorkflowExecution object, addressed by workflowId. Refusals come back as problems, never throws. */
export interface ExecutionStub {
  start(req: StartRequest): Promise<Reply<StartReply>>;
  describe(opts: { runId?: string }): Promise<Reply<WorkflowDescription>>;
  /** Waits up to `waitMs` for the run (or, with `followRuns`, the last run of its continue-as-new chain) to close. */
  result(opts: { runId?: string; waitMs: number; followRuns: boolean }): Promise<Reply<ResultReply>>;
  history(opts: { runId?: string; afterEventId?: number; limit?: number }): Promise<Reply<HistoryPage>>;
  signal(opts: { name: string; args: unknown[]; requestId?: string; runId?: string }): Promise<Reply<null>>;
  query(opts: { name: string; args: unknown[]; runId?: string }): Promise<Reply<{ result: unknown }>>;
  update(opts: UpdateRequest & { runId?: string }): Promise<Reply<UpdateReply>>;
  cancel(opts: { reason?: string; runId?: string }): Promise<Reply<null>>;
  terminate(opts: { reason?: string; runId?: string }): Promise<Reply<null>>;
  activityHeartbeat(ref: AttemptRef, details: unknown): Promise<Reply<{ cancelRequested: boolean }>>;
  activityComplete(ref: AttemptRef, outcome: { result: unknown } | { failure: FailureInfo }): Promise<Reply<null>>;
}

export interface ApiBackend {
  execution(workflowId: string): ExecutionStub;
  /** Registered workflow types, for the 404 on an unknown workflowType at start. */
  hasWorkflowType(name: string): boolean;
  /** Secret that signs task tokens (DURO_ACTIVITY_SECRET). */
  activitySecret: string;
}

/**
 * A backend with no workflow registered: every start is a 404 `duro:workflow-type-not-found` and every execution
 * a 404 `duro:workflow-not-found`. What a Worker serves before `createDuro` gives it real workflows.
 */
export function emptyBackend(): ApiBackend {
  const notFound = async (): Promise<Reply<never>> => ({ ok: false, problem: problem(ProblemType.workflowNotFound, 'No workflows are registered in this deployment') });
  const stub: ExecutionStub = {
    start: notFound, describe: notFound, result: notFound, history: notFound, signal: notFound, query: notFound,
    update: notFound, cancel: notFound, terminate: notFound, activityHeartbeat: notFound, activityComplete: notFound,
  };
  return { execution: () => stub, hasWorkflowType: () => false, activitySecret: '' };
}
