// What the Temporal-style client needs of a Duro deployment: a handful of calls that DuroClient answers over HTTP and the
// test environment answers in process. The facade (workflow-client.ts, handle.ts) maps Temporal's names onto them.
import type { HistoryEvent } from '../../core/history';
import type { WorkflowDescription } from '../../core/describe';
import type { InProcessStartOptions } from '../../core/start-options';
import type { ExecutionRecord } from '../../visibility/record';
import type { ListFilter } from './list-query';

/** A start in Duro's terms: the workflow type and its options, the workflow id always given. */
export type BackendStartOptions = InProcessStartOptions & { workflowId: string };

/** One execution of a backend: DuroClient's WorkflowHandle and the test environment's TestWorkflowHandle fit it. */
export interface BackendHandle {
  result(): Promise<unknown>;
  signal(name: string, ...args: unknown[]): Promise<void>;
  query(name: string, ...args: unknown[]): Promise<unknown>;
  cancel(reason?: string): Promise<void>;
  terminate(reason?: string): Promise<void>;
  describe(): Promise<WorkflowDescription>;
  fetchHistory(): Promise<HistoryEvent[]>;
}

/** Errors are Duro's (core/client-errors.ts): WorkflowNotFoundError, WorkflowUpdateRejectedError, … */
export interface TemporalBackend {
  start(workflowType: string, options: BackendStartOptions): Promise<{ runId: string }>;
  /** Starts and waits for the result, where the backend can do both in one call (HTTP: `POST /v1/workflows?wait=`). */
  execute?(workflowType: string, options: BackendStartOptions): Promise<unknown>;
  signalWithStart(workflowType: string, options: BackendStartOptions, signal: string, args: unknown[]): Promise<{ runId: string }>;
  /** Runs an update on the running workflow or starts it first; resolves once the update completed. */
  updateWithStart(workflowType: string, options: BackendStartOptions, update: { name: string; args: unknown[]; updateId: string }): Promise<{ runId: string; result: unknown }>;
  /** A handle on `runId` (default: the latest run); it does not check that the workflow exists. */
  handle(workflowId: string, runId?: string): BackendHandle;
  /** Runs an update; `accepted` resolves (undefined) once the validator passed, `completed` with the handler's result. */
  update(workflowId: string, runId: string | undefined, update: { name: string; args: unknown[]; updateId: string }, wait: 'accepted' | 'completed'): Promise<unknown>;
  list(filter: ListFilter): AsyncIterable<ExecutionRecord>;
  count(filter: ListFilter): Promise<number>;
}
