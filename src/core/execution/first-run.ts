// The start parameters of a workflow id's first run of a chain (a start, a child's start, a schedule's action),
// made in one place for every host, and the request an in-process start (test environment, browser) stands for.
import type { RunPayloads } from '../payloads/run-payloads';
import { optionalMs } from '../duration';
import { definedFields } from '../objects';
import { resolveRetryPolicy } from '../retry-policy';
import type { StartParams } from '../run-chain';
import type { InProcessStartOptions } from '../start-options';
import type { StartRequest } from './requests';

export function firstRunParams(request: StartRequest, runId: string, randomnessSeed: string, now: number): StartParams {
  return {
    workflowType: request.workflowType,
    workflowId: request.workflowId,
    runId,
    input: request.input,
    randomnessSeed,
    attempt: 1,
    firstRunId: runId,
    ...definedFields({
      parent: request.parent,
      trace: request.trace,
      memo: request.memo,
      searchAttributes: request.searchAttributes,
      retryPolicy: request.retryPolicy,
      runTimeoutMs: request.runTimeoutMs,
      executionTimeoutMs: request.executionTimeoutMs,
      executionDeadline: request.executionTimeoutMs === undefined ? undefined : now + request.executionTimeoutMs,
    }),
  };
}

/** The start request of an in-process `start(workflow, options)`: durations in ms, the retry policy's defaults applied. */
export function startRequestOf(workflowType: string, workflowId: string, options: InProcessStartOptions, payloads: RunPayloads): StartRequest {
  return {
    workflowType,
    workflowId,
    input: payloads.write(options.input, 'Workflow input'),
    ...definedFields({
      idReusePolicy: options.idReusePolicy,
      idConflictPolicy: options.idConflictPolicy,
      memo: options.memo && payloads.writeRecord(options.memo, 'Memo'),
      searchAttributes: options.searchAttributes,
      retryPolicy: options.retryPolicy && resolveRetryPolicy(options.retryPolicy),
      runTimeoutMs: optionalMs(options.runTimeout),
      executionTimeoutMs: optionalMs(options.executionTimeout),
      startDelayMs: optionalMs(options.startDelay),
    }),
  };
}
