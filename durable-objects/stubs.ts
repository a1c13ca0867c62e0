// How one object (or the Worker) reaches another: the RPC stub of each Durable Object by its name. The object
// modules that call each other import this file, never one another.
import type { WorkflowExecutionRpc } from '../src/protocol/execution-rpc';
import type { SchedulerRpc } from '../src/protocol/scheduler-rpc';
import type { VisibilityRpc } from '../src/protocol/visibility-rpc';
import { shardName } from '../src/visibility/shard';

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

export type { ChildClosedNotice, WorkflowExecutionRpc } from '../src/protocol/execution-rpc';
