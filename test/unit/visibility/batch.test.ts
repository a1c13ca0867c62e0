// A batch's progress is the sum of the parts the shards report for it.
import { describe, expect, it } from 'vitest';
import { batchFailureOf, MAX_KEPT_FAILURES, mergeBatchProgress, type BatchFailure, type BatchProgress } from '../../../src/visibility/batch';

const CREATED_AT = Date.UTC(2025, 0, 31, 12);

function part(overrides: Partial<BatchProgress> = {}): BatchProgress {
  return {
    batchId: 'batch-1', operation: 'cancel', status: 'completed',
    matched: 0, succeeded: 0, failed: 0, skipped: 0, failures: [],
    createdAt: CREATED_AT, completedAt: CREATED_AT + 1000,
    ...overrides,
  };
}

function failures(shard: string, n: number): BatchFailure[] {
  return Array.from({ length: n }, (_, i) => ({ workflowId: `${shard}-wf-${i}`, runId: `${shard}-run-${i}`, type: 'duro:workflow-closed', detail: 'already closed' }));
}

describe('mergeBatchProgress', () => {
  it('is undefined when no shard knows the batch', () => {
    expect(mergeBatchProgress([])).toBeUndefined();
    expect(mergeBatchProgress([undefined, undefined, undefined])).toBeUndefined();
  });

  it('adds up matched, succeeded, failed and skipped over the shards that know the batch', () => {
    const merged = mergeBatchProgress([
      part({ matched: 5, succeeded: 3, failed: 1, skipped: 1, failures: failures('a', 1) }),
      undefined,
      part({ matched: 7, succeeded: 6, failed: 0, skipped: 1 }),
      part({ matched: 2, succeeded: 0, failed: 2, skipped: 0, failures: failures('c', 2) }),
    ]);
    expect(merged).toMatchObject({ batchId: 'batch-1', operation: 'cancel', matched: 14, succeeded: 9, failed: 3, skipped: 2, createdAt: CREATED_AT });
    expect(merged!.failures).toEqual([...failures('a', 1), ...failures('c', 2)]);
  });

  it('is running while any shard is still running, with no completedAt', () => {
    const merged = mergeBatchProgress([part(), part({ status: 'running', completedAt: undefined }), part()]);
    expect(merged!.status).toBe('running');
    expect(merged).not.toHaveProperty('completedAt');
  });

  it('is completed when every shard is, at the latest shard’s completedAt', () => {
    const merged = mergeBatchProgress([
      part({ completedAt: CREATED_AT + 5_000 }),
      part({ completedAt: CREATED_AT + 9_000 }),
      undefined,
      part({ completedAt: CREATED_AT + 2_000 }),
    ]);
    expect(merged).toMatchObject({ status: 'completed', completedAt: CREATED_AT + 9_000 });
  });

  it('keeps at most MAX_KEPT_FAILURES failures, the first ones', () => {
    const parts = [part({ failures: failures('a', MAX_KEPT_FAILURES) }), part({ failures: failures('b', 5) })];
    const merged = mergeBatchProgress(parts);
    expect(merged!.failures).toEqual(failures('a', MAX_KEPT_FAILURES));
    expect(mergeBatchProgress([part({ failures: failures('a', 3) }), part({ failures: failures('b', MAX_KEPT_FAILURES) })])!.failures)
      .toEqual([...failures('a', 3), ...failures('b', MAX_KEPT_FAILURES - 3)]);
  });

  it('leaves the shards’ parts as they were', () => {
    const parts = [part({ matched: 1, failures: failures('a', 15) }), part({ matched: 2, failures: failures('b', 15) })];
    const before = structuredClone(parts);
    mergeBatchProgress(parts);
    expect(parts).toEqual(before);
  });
});

describe('batchFailureOf (issue 15: no raw storage error text in batch progress)', () => {
  const item = { workflowId: 'wf-1', runId: 'run-1' };

  it('keeps a refusal of Duro’s own as it is', () => {
    expect(batchFailureOf(item, { type: 'duro:limit-exceeded', detail: 'At most 2000 buffered signals' }))
      .toEqual({ ...item, type: 'duro:limit-exceeded', detail: 'At most 2000 buffered signals' });
  });

  it('says an internal error or an unreachable execution in general words, never the error’s message', () => {
    const internal = batchFailureOf(item, { type: 'duro:internal', detail: 'NOT NULL constraint failed: deadlines.wake_at: SQLITE_CONSTRAINT' });
    expect(internal.type).toBe('duro:internal');
    expect(internal.detail).not.toMatch(/SQLITE|constraint/i);
    const unreachable = batchFailureOf(item, undefined);
    expect(unreachable).toMatchObject({ ...item, type: 'duro:unreachable' });
    expect(unreachable.detail).toContain('log');
  });
});
