// Batch operations (docs/api.md): cancel, terminate or signal every execution a list filter matches.
// Each shard takes the executions it indexes at the moment the batch starts and works through them from its
// alarm; progress is the sum over the shards.
import type { ListFilter } from './filter';

export type BatchOperation = 'cancel' | 'terminate' | 'signal';

export interface BatchSpec {
  batchId: string;
  operation: BatchOperation;
  filter: ListFilter;
  reason?: string;
  signalName?: string;
  args?: unknown[];
  createdAt: number;
}

export interface BatchFailure {
  workflowId: string;
  runId: string;
  type: string;
  detail: string;
}

export interface BatchProgress {
  batchId: string;
  operation: BatchOperation;
  status: 'running' | 'completed';
  /** Executions the filter matched when the batch started. */
  matched: number;
  succeeded: number;
  failed: number;
  /** Already closed (or gone) when their turn came: nothing to do. */
  skipped: number;
  /** The first failures, for a look at what went wrong. */
  failures: BatchFailure[];
  createdAt: number;
  completedAt?: number;
}

/**
 * What a batch keeps of one execution's failure: the stable problem type, and its detail only when it is one of
 * Duro's own refusals. An internal error or an execution that could not be reached is said in general words (its
 * message may be a storage error's raw text); the caller logs the error itself.
 */
export function batchFailureOf(item: { workflowId: string; runId: string }, refusal: { type: string; detail: string } | undefined): BatchFailure {
  const { workflowId, runId } = item;
  if (refusal === undefined) return { workflowId, runId, type: 'duro:unreachable', detail: 'The execution could not be reached; the Visibility object\'s log has the error' };
  if (refusal.type === 'duro:internal') return { workflowId, runId, type: refusal.type, detail: 'The execution failed with an internal error; its log has the details' };
  return { workflowId, runId, type: refusal.type, detail: refusal.detail };
}

/** Failures kept per batch and shard. */
export const MAX_KEPT_FAILURES = 20;

/** Adds the shards' parts of one batch up; undefined when no shard knows it. */
export function mergeBatchProgress(parts: Array<BatchProgress | undefined>): BatchProgress | undefined {
  const known = parts.filter((part): part is BatchProgress => part !== undefined);
  const [first] = known;
  if (!first) return undefined;
  const running = known.some((part) => part.status === 'running');
  const merged: BatchProgress = {
    batchId: first.batchId,
    operation: first.operation,
    status: running ? 'running' : 'completed',
    matched: 0,
    succeeded: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    createdAt: first.createdAt,
  };
  for (const part of known) {
    merged.matched += part.matched;
    merged.succeeded += part.succeeded;
    merged.failed += part.failed;
    merged.skipped += part.skipped;
    merged.failures.push(...part.failures);
  }
  merged.failures = merged.failures.slice(0, MAX_KEPT_FAILURES);
  if (!running) merged.completedAt = Math.max(...known.map((part) => part.completedAt ?? part.createdAt));
  return merged;
}
