// The Temporal-style client's calls answered in process by Duro's TestWorkflowEnvironment (time skipping): awaiting a
// result skips virtual time as awaiting it through the environment does. Lists read the environment's memory store.
import type { WorkflowStatus } from '../../core/history';
import type { TestWorkflowEnvironment as DuroTestEnvironment } from '../../testing/environment';
import { executionRecordOf, type ExecutionRecord } from '../../visibility/record';
import type { BackendHandle, TemporalBackend } from '../client/backend';
import type { ListFilter } from '../client/list-query';

export function environmentBackend(env: DuroTestEnvironment): TemporalBackend {
  const records = async (filter: ListFilter): Promise<ExecutionRecord[]> =>
    (await env.store.states()).map(executionRecordOf).filter((record) => matches(filter, record)).sort((a, b) => b.startTime - a.startTime);
  return {
    start: async (workflowType, options) => ({ runId: (await env.start(workflowType, options)).runId }),
    signalWithStart: async (workflowType, options, signal, args) => ({ runId: (await env.signalWithStart(workflowType, options, signal, ...args)).handle.runId }),
    updateWithStart: async (workflowType, options, update) => {
      const { handle, result } = await env.updateWithStart(workflowType, options, update.name, { args: update.args, updateId: update.updateId });
      return { runId: handle.runId, result };
    },
    handle: (workflowId, runId) => lazyHandle(env, workflowId, runId),
    update: async (workflowId, runId, update, wait) => {
      if (wait === 'completed') return env.getHandle(workflowId).executeUpdate(update.name, { args: update.args, updateId: update.updateId });
      const execution = env.existingExecution(workflowId);
      await env.flowUntil(execution.update({ name: update.name, args: env.payloads.writeArgs(update.args, `Arguments of update '${update.name}'`), updateId: update.updateId, wait, ...(runId !== undefined && { runId }) }), workflowId);
      return undefined;
    },
    list: (filter) => ({
      async *[Symbol.asyncIterator]() {
        yield* await records(filter);
      },
    }),
    count: async (filter) => (await records(filter)).length,
  };
}

/** A handle that finds its workflow when used, as Temporal's does (WorkflowNotFoundError then, not now). */
function lazyHandle(env: DuroTestEnvironment, workflowId: string, runId: string | undefined): BackendHandle {
  // No run id: the latest run of the id (the environment's own getHandle takes the first).
  const handle = () => env.getHandle(workflowId, runId ?? env.existingExecution(workflowId).runIds().at(-1));
  return {
    result: async () => handle().result(),
    signal: async (name, ...args) => handle().signal(name, ...args),
    query: async (name, ...args) => handle().query(name, ...args),
    cancel: async (reason) => handle().cancel(reason),
    terminate: async (reason) => handle().terminate(reason),
    describe: async () => handle().describe(runId),
    fetchHistory: async () => handle().fetchHistory(runId),
  };
}

function matches(filter: ListFilter, record: ExecutionRecord): boolean {
  if (filter.workflowType !== undefined && record.workflowType !== filter.workflowType) return false;
  if (filter.status !== undefined && !([filter.status].flat() as WorkflowStatus[]).includes(record.status)) return false;
  if (filter.startedAfter !== undefined && record.startTime <= instant(filter.startedAfter)) return false;
  if (filter.startedBefore !== undefined && record.startTime >= instant(filter.startedBefore)) return false;
  for (const [key, value] of Object.entries(filter.search ?? {})) {
    const actual = record.searchAttributes[key];
    if (Array.isArray(actual) ? !actual.includes(String(value)) : actual !== value) return false;
  }
  return true;
}

function instant(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
}
