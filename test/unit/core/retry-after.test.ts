// A busy activity server's Retry-After holds back the next attempt; the retry policy still applies otherwise.
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../durable-objects/activity-dispatcher';
import { failAttempt, newPendingActivity, startAttempt } from '../../../src/core/activity-state';
import { resolveRetryPolicy } from '../../../src/core/retry-policy';

function runningActivity(now: number) {
  const activity = newPendingActivity({
    type: 'ActivityTaskScheduled', eventId: 2, timestamp: now, seq: 1, activityId: '1', activityType: 'charge', input: null,
    options: { taskQueue: 'payments', startToCloseTimeoutMs: 10_000, retry: resolveRetryPolicy(), cancellationType: 'TRY_CANCEL' },
  });
  startAttempt(activity, now, { workflowId: 'w', runId: 'r', workflowType: 't' });
  return activity;
}

const busy = (retryAfterMs?: number) => ({ kind: 'application' as const, type: 'ActivityServerBusy', message: '429', nonRetryable: false, ...(retryAfterMs !== undefined && { details: { retryAfterMs } }) });

describe('Retry-After', () => {
  it('delays the next attempt to at least Retry-After', () => {
    const now = 1_000_000;
    expect(failAttempt(runningActivity(now), busy(30_000), now)).toEqual({ retryAt: now + 30_000 });
  });

  it('never shortens the policy backoff', () => {
    const now = 1_000_000;
    expect(failAttempt(runningActivity(now), busy(10), now)).toEqual({ retryAt: now + 1_000 });
    expect(failAttempt(runningActivity(now), busy(), now)).toEqual({ retryAt: now + 1_000 });
  });

  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-25T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
