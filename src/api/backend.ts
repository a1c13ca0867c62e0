// What the API needs from whatever runs the workflows: the Durable Object host in a Worker, or any other host
// (tests drive the API over TestWorkflowEnvironment). Routes hold no engine logic; they validate and translate.
import type { Reply } from '../protocol/reply';
import { problem, ProblemType } from './problems';

/** The RPC surface of one WorkflowExecution object, addressed by workflowId. */
export type { ExecutionApi as ExecutionStub } from '../protocol/execution-rpc';
import type { ExecutionApi as ExecutionStub } from '../protocol/execution-rpc';
import type { SchedulerRpc } from '../protocol/scheduler-rpc';
import type { VisibilityRpc } from '../protocol/visibility-rpc';

/** One shard of the Visibility index (list, count, batch operations, metrics). */
export type VisibilityShard = Pick<VisibilityRpc, 'list' | 'countByStatus' | 'metrics' | 'startBatch' | 'batchProgress'>;

export interface ApiBackend {
  execution(workflowId: string): ExecutionStub;
  /** Registered workflow types, for the 404 on an unknown workflowType at start. */
  hasWorkflowType(name: string): boolean;
  /** Secret that signs task tokens (DURO_ACTIVITY_SECRET). */
  activitySecret: string;
  /** DURO_API_TOKEN: when set, required as a bearer token; when not, only local hosts are served. */
  apiToken?: string;
  /** DURO_DEBUG: replies keep the stack traces of failures (src/api/stack-traces.ts); without it they lose them. */
  debug?: boolean;
  /** Every Visibility shard; absent when the deployment binds none (list, count, batch and metrics answer 501). */
  visibilityShards?(): VisibilityShard[];
  /** The Scheduler object; absent when the deployment binds none (the schedule routes answer 501). */
  scheduler?(): SchedulerRpc;
}

/**
 * A backend with no workflow registered: every start is a 404 `duro:workflow-type-not-found` and every execution
 * a 404 `duro:workflow-not-found`. What a Worker serves before `createDuro` gives it real workflows.
 */
export function emptyBackend(): ApiBackend {
  const notFound = async (): Promise<Reply<never>> => ({ ok: false, problem: problem(ProblemType.workflowNotFound, 'No workflows are registered in this deployment') });
  const stub: ExecutionStub = {
    start: notFound, signalWithStart: notFound, updateWithStart: notFound, describe: notFound, result: notFound, history: notFound, logs: notFound, signal: notFound, query: notFound,
    update: notFound, cancel: notFound, terminate: notFound, pause: notFound, unpause: notFound, reset: notFound, activityHeartbeat: notFound, activityComplete: notFound,
  };
  return { execution: () => stub, hasWorkflowType: () => false, activitySecret: '' };
}
