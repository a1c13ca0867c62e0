// Context.current().info's timeouts, times and retry policy by Temporal's names, for Temporal-style activities called
// from Temporal-style workflows in the time-skipping environment, remotely and locally, on a first attempt and a retry.
import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { proxyActivities, proxyLocalActivities, sleep } from 'duro/temporal/workflow';
import { ApplicationFailure, Context, type Info } from 'duro/temporal/activity';

const infos: Info[] = [];

const activities = {
  /** Fails its first attempt, so the second is a retry after the 2 s backoff. */
  async flaky(label: string, n: number): Promise<string> {
    const { info } = Context.current();
    infos.push(structuredClone(info));
    if (info.attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
    return `${label} ${n}`;
  },
};

const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumAttempts: 3 };
const temporalRetry = { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: 200_000, maximumAttempts: 3, nonRetryableErrorTypes: [] };
const remote = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', scheduleToCloseTimeout: '1 hour', retry });
const local = proxyLocalActivities<typeof activities>({ startToCloseTimeout: '30 seconds', retry });

const workflows = {
  async remoteFlaky(): Promise<string> {
    await sleep('1 minute');
    return await remote.flaky('remote', 1);
  },
  async localFlaky(): Promise<string> {
    await sleep('1 minute');
    return await local.flaky('local', 2);
  },
};

describe('Context.current().info: timeouts, times and retry policy', () => {
  it('of a remote activity: scheduledTimestampMs stays, currentAttemptScheduledTimestampMs moves on a retry', async () => {
    infos.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start('remoteFlaky', { workflowId: 'remote-flaky' });
    expect(await handle.result()).toBe('remote 1');
    const scheduled = (await handle.fetchHistory()).find((event) => event.type === 'ActivityTaskScheduled')!;

    const [first, second] = infos;
    const options = { isLocal: false, startToCloseTimeoutMs: 60_000, scheduleToCloseTimeoutMs: 3_600_000, retryPolicy: temporalRetry };
    expect(first).toMatchObject({ attempt: 1, scheduledTimestampMs: scheduled.timestamp, currentAttemptScheduledTimestampMs: scheduled.timestamp, ...options });
    expect(second).toMatchObject({ attempt: 2, scheduledTimestampMs: scheduled.timestamp, ...options });
    expect(second!.currentAttemptScheduledTimestampMs).toBeGreaterThanOrEqual(scheduled.timestamp + 2_000);
  });

  it('of a local activity: the same fields, no schedule-to-close timeout when none is set', async () => {
    infos.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start('localFlaky', { workflowId: 'local-flaky' });
    const runStart = (await handle.fetchHistory())[0]!.timestamp;
    expect(await handle.result()).toBe('local 2');

    const [first, second] = infos;
    const options = { isLocal: true, startToCloseTimeoutMs: 30_000, retryPolicy: temporalRetry };
    expect(first).toMatchObject({ attempt: 1, ...options });
    expect(first!.scheduledTimestampMs).toBeGreaterThanOrEqual(runStart + 60_000);
    expect(first!.currentAttemptScheduledTimestampMs).toBe(first!.scheduledTimestampMs);
    expect(first).not.toHaveProperty('scheduleToCloseTimeoutMs');
    expect(second).toMatchObject({ attempt: 2, scheduledTimestampMs: first!.scheduledTimestampMs, ...options });
    expect(second!.currentAttemptScheduledTimestampMs).toBeGreaterThanOrEqual(first!.scheduledTimestampMs + 2_000);
  });
});
