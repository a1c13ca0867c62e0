// How one object (or the Worker) reaches another: the RPC stub of each Durable Object by its name, and the
// surface an execution object offers other execution objects. Types only besides the stubs, so the object
// modules that call each other import this file, never one another.
import type { Outcome } from '../src/core/history';
import type { ExecutionApi } from '../src/protocol/execution-rpc';
import type { Reply } from '../src/protocol/reply';
import type { SchedulerRpc } from '../src/protocol/scheduler-rpc';
import type { VisibilityRpc } from '../src/protocol/visibility-rpc';
import { shardName } from '../src/visibility/shard';

/** A child's close, told to its parent's object (re-sent from the child's outbox until acknowledged). */
export interface ChildClosedNotice {
  parentRunId: string;
  seq: number;
  workflowId: string;
  /** The run that closed (the last of the child's chain). */
  runId: string;
  /** The first run of the child's chain: what the start answered, for a parent that has not heard that answer yet. */
  firstRunId?: string;
  status: 'completed' | 'failed' | 'canceled' | 'terminated' | 'timedOut';
  outcome: Outcome;
}

/** The RPC surface: the API's, plus what other executions send (outbox receivers). */
export interface WorkflowExecutionRpc extends ExecutionApi {
  childClosed(notice: ChildClosedNotice): Promise<Reply<null>>;
  childStarted(notice: { parentRunId: string; seq: number; workflowId: string; runId: string }): Promise<Reply<null>>;
}

/** The RPC stub of the object that holds `workflowId`. */
export function executionStub(namespace: DurableObjectNamespace, workflowId: string): WorkflowExecutionRpc {
  return namespace.get(namespace.idFromName(workflowId)) as unknown as WorkflowExecutionRpc;
}

/** The stub of Visibility shard `shard`. */
export function visibilityStub(namespace: DurableObjectNamespace, shard: number): VisibilityRpc {
  return namespace.get(namespace.idFromName(shardName(shard))) as unknown as VisibilityRpc;
}

/** The deployment's one Scheduler object. */
export function schedulerStub(namespace: DurableObjectNamespace): SchedulerRpc {
  return namespace.get(namespace.idFromName('schedules')) as unknown as SchedulerRpc;
}
