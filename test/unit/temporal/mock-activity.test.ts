// duro/temporal/testing's MockActivityEnvironment, used as Temporal's documentation shows: an activity on its own,
// with Context.current(), heartbeats as events, and a cancel.
import { describe, expect, it } from 'vitest';
import { CancelledFailure, Context, activityInfo } from 'duro/temporal/activity';
import { MockActivityEnvironment } from 'duro/temporal/testing';

async function add(a: number, b: number): Promise<number> {
  Context.current().heartbeat(a + b);
  return a + b;
}

async function waitForCancel(): Promise<string> {
  try {
    await Context.current().sleep('1 hour');
    return 'slept';
  } catch (error) {
    return error instanceof CancelledFailure ? 'cancelled' : String(error);
  }
}

describe('MockActivityEnvironment', () => {
  it('runs an activity with its positional arguments and reports its heartbeats', async () => {
    const env = new MockActivityEnvironment({ attempt: 2 });
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details) => heartbeats.push(details));
    expect(await env.run(add, 5, 35)).toBe(40);
    expect(heartbeats).toEqual([40]);
    expect(await env.run(async () => activityInfo().attempt)).toBe(2);
  });

  it('takes the timeouts, times and retry policy, by Duro\'s names or Temporal\'s', async () => {
    const temporal = new MockActivityEnvironment({
      startToCloseTimeoutMs: 1_000, scheduleToCloseTimeoutMs: 5_000, scheduledTimestampMs: 10, currentAttemptScheduledTimestampMs: 20,
      retryPolicy: { initialInterval: '3s', maximumAttempts: 2 },
    });
    expect(await temporal.run(async () => activityInfo())).toMatchObject({
      startToCloseTimeoutMs: 1_000, scheduleToCloseTimeoutMs: 5_000, scheduledTimestampMs: 10, currentAttemptScheduledTimestampMs: 20,
      retryPolicy: { initialInterval: 3_000, backoffCoefficient: 2, maximumInterval: 300_000, maximumAttempts: 2, nonRetryableErrorTypes: [] },
    });
    const retryPolicy = { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 4_000, maximumAttempts: 0, nonRetryableErrorTypes: ['Fatal'] };
    const duro = new MockActivityEnvironment({ scheduledAt: 30, startedAt: 40, retryPolicy });
    expect(await duro.run(async () => activityInfo())).toMatchObject({
      scheduledTimestampMs: 30, currentAttemptScheduledTimestampMs: 40, retryPolicy: { initialInterval: 1_000, maximumInterval: 4_000, nonRetryableErrorTypes: ['Fatal'] },
    });
  });

  it('schedules its activity now when no time is given', async () => {
    const before = Date.now();
    const info = await new MockActivityEnvironment().run(async () => activityInfo());
    expect(info.scheduledTimestampMs).toBeGreaterThanOrEqual(before);
    expect(info.currentAttemptScheduledTimestampMs).toBe(info.scheduledTimestampMs);
    expect(info.retryPolicy).toBeUndefined();
  });

  it('cancels the running activity', async () => {
    const env = new MockActivityEnvironment();
    const outcome = env.run(waitForCancel);
    env.cancel();
    expect(await outcome).toBe('cancelled');
  });
});
