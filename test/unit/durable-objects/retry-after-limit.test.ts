// Issue 15: an activity server's Retry-After of 400 digits or of year 9999 is a retryable failure whose delay is
// capped (at 100 years by the reply, at the retry policy's maximumInterval by the activity), never a parked run.
import { describe, expect, it } from 'vitest';
import { ActivityDispatcher } from '../../../durable-objects/activity-dispatcher';
import { failAttempt, newPendingActivity, startAttempt } from '../../../src/core/activity-state';
import { MAX_DURATION_MS } from '../../../src/core/duration';
import type { FailureInfo } from '../../../src/core/failure';
import type { ActivityTask } from '../../../src/core/internals';
import { resolveRetryPolicy } from '../../../src/core/retry-policy';

const task: ActivityTask = {
  workflowId: 'order-1', runId: 'run-1', workflowType: 'order', activityId: '3', activityType: 'charge', taskQueue: 'payments',
  input: { amount: 42 }, attempt: 2, scheduledAt: 1_000, startedAt: 2_000, deadline: Date.now() + 60_000,
};

function busyWith(retryAfter: string) {
  const fetcher = { fetch: async () => new Response('', { status: 503, headers: { 'retry-after': retryAfter } }) };
  return new ActivityDispatcher({ secret: 's', endpointOf: () => ({ url: 'https://activities.test/run', fetcher, concurrency: 4 }) });
}

function runningActivity(now: number) {
  const activity = newPendingActivity({
    type: 'ActivityTaskScheduled', eventId: 2, timestamp: now, seq: 1, activityId: '1', activityType: 'charge', input: null,
    options: { taskQueue: 'payments', startToCloseTimeoutMs: 10_000, retry: resolveRetryPolicy({ maximumInterval: '10m' }), cancellationType: 'TRY_CANCEL' },
  });
  startAttempt(activity, now, { workflowId: 'w', runId: 'r', workflowType: 't' });
  return activity;
}

describe('ActivityDispatcher: a Retry-After past the limit', () => {
  it.each([
    ['400 digits', '9'.repeat(400)],
    ['year 9999', 'Fri, 31 Dec 9999 23:59:59 GMT'],
  ])('takes a 503 with Retry-After of %s as a retryable failure delayed 100 years at most, then the maximumInterval', async (_label, retryAfter) => {
    const outcome = await busyWith(retryAfter).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'ActivityServerBusy', nonRetryable: false, details: { retryAfterMs: MAX_DURATION_MS } } });
    const failure = (outcome as { failure: FailureInfo }).failure;
    expect(failure.message.length).toBeLessThan(400); // the header is quoted shortened
    const now = 1_000_000;
    expect(failAttempt(runningActivity(now), failure, now)).toEqual({ retryAt: now + 10 * 60_000 });
  });
});
