// The client's calls over Duro's REST API (docs/api.md), through DuroClient.
import { DuroApiError, startBody, type DuroClient } from '../../../client/duro-client';
import { WorkflowUpdateFailedError, WorkflowUpdateRejectedError } from '../../core/client-errors';
import type { FailureInfo } from '../../core/failure';
import type { Outcome } from '../../core/history';
import type { BackendHandle, TemporalBackend } from './backend';

export function httpBackend(client: DuroClient): TemporalBackend {
  const path = (workflowId: string, suffix: string, runId?: string) =>
    `/v1/workflows/${encodeURIComponent(workflowId)}${suffix}${runId === undefined ? '' : `?runId=${encodeURIComponent(runId)}`}`;
  return {
    start: async (workflowType, options) => ({ runId: (await client.start(workflowType, options)).runId! }),
    execute: async (workflowType, options) => (await client.startAndWait(workflowType, options)).result,
    signalWithStart: async (workflowType, options, signal, args) =>
      client.request<{ runId: string }>('POST', '/v1/workflows/signal-with-start', { ...startBody(workflowType, options, client.payloads), signalName: signal, signalArgs: client.payloads.writeArgs(args, `Arguments of signal '${signal}'`), requestId: crypto.randomUUID() }),
    updateWithStart: async (workflowType, options, update) => {
      const reply = await rejections(update.name, client.request<{ runId: string; outcome: Outcome }>('POST', '/v1/workflows/update-with-start', {
        ...startBody(workflowType, options, client.payloads), updateName: update.name, updateArgs: client.payloads.writeArgs(update.args, `Arguments of update '${update.name}'`), updateId: update.updateId,
      }));
      if ('failure' in reply.outcome) throw new WorkflowUpdateFailedError(update.name, reply.outcome.failure);
      return { runId: reply.runId, result: client.payloads.read(reply.outcome.result) };
    },
    handle: (workflowId, runId) => client.getHandle(workflowId, runId) as BackendHandle,
    update: async (workflowId, runId, update, wait) => {
      const reply = await rejections(update.name, client.request<{ outcome?: Outcome }>('POST', path(workflowId, `/updates/${encodeURIComponent(update.name)}`, runId), {
        args: client.payloads.writeArgs(update.args, `Arguments of update '${update.name}'`), updateId: update.updateId, wait,
      }));
      if (reply.outcome === undefined) return undefined;
      if ('failure' in reply.outcome) throw new WorkflowUpdateFailedError(update.name, reply.outcome.failure);
      return client.payloads.read(reply.outcome.result);
    },
    list: (filter) => client.list(filter),
    count: async (filter) => (await client.count(filter)).count,
  };
}

async function rejections<T>(name: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (error instanceof DuroApiError && error.type === 'duro:update-rejected') {
      const failure = (error.problem.failure as FailureInfo | undefined) ?? { kind: 'application', type: error.type, message: error.problem.detail, nonRetryable: true };
      throw new WorkflowUpdateRejectedError(name, failure);
    }
    throw error;
  }
}
