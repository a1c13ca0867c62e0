// The start parameters of a run the browser host begins itself: a start through `BrowserDuro.start`, or a child's.
import type { ParentRef, SearchAttributes } from '../core/history';
import { definedFields, type StartParams } from '../core/internals';
import type { ResolvedRetryPolicy } from '../core/retry-policy';

export interface NewRun {
  workflowType: string;
  workflowId: string;
  input: unknown;
  parent?: ParentRef | undefined;
  memo?: Record<string, unknown> | undefined;
  searchAttributes?: SearchAttributes | undefined;
  retryPolicy?: ResolvedRetryPolicy | undefined;
  runTimeoutMs?: number | undefined;
  executionTimeoutMs?: number | undefined;
}

/** A first run (attempt 1) with a fresh run id and seed; the execution deadline counts from `now`. */
export function newRunParams(run: NewRun, now = Date.now()): StartParams {
  const runId = crypto.randomUUID();
  return {
    workflowType: run.workflowType, workflowId: run.workflowId, runId, input: run.input, randomnessSeed: crypto.randomUUID(), attempt: 1, firstRunId: runId,
    ...definedFields({
      parent: run.parent, memo: run.memo, searchAttributes: run.searchAttributes, retryPolicy: run.retryPolicy, runTimeoutMs: run.runTimeoutMs,
      executionTimeoutMs: run.executionTimeoutMs, executionDeadline: run.executionTimeoutMs === undefined ? undefined : now + run.executionTimeoutMs,
    }),
  };
}
