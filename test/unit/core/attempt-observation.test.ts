// What an ended activity attempt reports for /metrics: its schedule-to-start time runs from when the attempt was due
// (the activity's schedule for the first attempt, the end of the backoff for a retry) to its start.
import { describe, expect, it } from 'vitest';
import { failAttempt, newPendingActivity, observeAttempt, startAttempt, type PendingActivityState } from '../../../src/core/activity-state';
import { resolveRetryPolicy } from '../../../src/core/retry-policy';

const run = { workflowId: 'w', runId: 'r', workflowType: 't' };
const failure = { kind: 'application' as const, type: 'CardDeclined', message: 'declined', nonRetryable: false };

function scheduledAt(at: number): PendingActivityState {
  return newPendingActivity({
    type: 'ActivityTaskScheduled', eventId: 2, timestamp: at, seq: 1, activityId: '1', activityType: 'charge', input: null,
    options: { taskQueue: 'payments', startToCloseTimeoutMs: 10_000, retry: resolveRetryPolicy({ initialInterval: '1s' }), cancellationType: 'TRY_CANCEL' },
  });
}

/** Ends the running attempt at `now` with a retryable failure, as a host does: observe first, then resolve. */
function failAt(activity: PendingActivityState, now: number) {
  const observe = observeAttempt(activity, 'failed', now, failure);
  return observe(failAttempt(activity, failure, now));
}

describe('attempt observations', () => {
  it('measure a first attempt’s schedule-to-start from the activity’s schedule', () => {
    const activity = scheduledAt(1_000);
    startAttempt(activity, 1_250, run); // held 250 ms (a paused run, or a late step)
    expect(failAt(activity, 1_400)).toMatchObject({ latencyMs: 150, scheduleToStartMs: 250, retrying: true });
  });

  it('measure a retry’s schedule-to-start from the end of its backoff, not from the schedule', () => {
    const activity = scheduledAt(1_000);
    startAttempt(activity, 1_000, run);
    expect(failAt(activity, 1_100)).toMatchObject({ scheduleToStartMs: 0 });
    expect(activity.retryAt).toBe(2_100);
    startAttempt(activity, 2_130, run); // the alarm came 30 ms after the backoff ended
    const observe = observeAttempt(activity, 'completed', 2_200);
    expect(observe({ events: [] })).toEqual({
      activityType: 'charge', outcome: 'completed', latencyMs: 70, retrying: false, scheduleToStartMs: 30,
      activityId: '1', attempt: 2, startedAt: 2_130, endedAt: 2_200, // which attempt and when: its span (run-spans.ts)
    });
  });

  it('leave it out for an attempt started by an older Duro, whose stored state has no due time', () => {
    const activity = scheduledAt(1_000);
    startAttempt(activity, 1_000, run);
    const stored = JSON.parse(JSON.stringify(activity)) as PendingActivityState;
    delete stored.attemptDueAt;
    const observation = failAt(stored, 1_500);
    expect(observation).toMatchObject({ latencyMs: 500, outcome: 'failed' });
    expect(observation).not.toHaveProperty('scheduleToStartMs');
  });
});
