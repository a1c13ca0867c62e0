// ctx.info of an activity in the Durable Object host: on the 'self' queue the task travels as the activity protocol's
// body to serveActivities, which must hand its times, timeouts and retry policy to the activity; a local activity
// gets them from its options. Attempt 2 of each is a retry: scheduledAt stays, startedAt moves past the backoff.
import { describe, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { history, result, start, uniqueId } from './helpers';

interface Seen {
  attempt: number;
  isLocal: boolean;
  scheduledAt: number;
  startedAt: number;
}

const retryPolicy = { initialIntervalMs: 200, backoffCoefficient: 1, maximumIntervalMs: 20_000, maximumAttempts: 3, nonRetryableErrorTypes: ['Fatal'] };

describe('ctx.info in a Durable Object', () => {
  it('carries the times, timeouts and retry policy on the \'self\' queue (over serveActivities) and for a local activity', async () => {
    const workflowId = uniqueId('info');
    await start('infoReporter', workflowId);
    expect(await result(workflowId, 'wait=10s')).toMatchObject({ status: 200, body: { status: 'completed', result: [2, 2] } });
    const scheduled = (await history(workflowId)).find((event) => event.type === 'ActivityTaskScheduled')!;

    const [remote1, remote2] = probe.logOf(`info:${workflowId}:remote`) as Seen[];
    const remote = { isLocal: false, scheduledAt: scheduled.timestamp, startToCloseTimeoutMs: 5_000, scheduleToCloseTimeoutMs: 60_000, heartbeatTimeoutMs: 4_000, retryPolicy };
    expect(remote1).toMatchObject({ attempt: 1, startedAt: scheduled.timestamp, ...remote });
    expect(remote2).toMatchObject({ attempt: 2, ...remote });
    expect(remote2!.startedAt).toBeGreaterThanOrEqual(remote1!.startedAt + 200);

    const [local1, local2] = probe.logOf(`info:${workflowId}:local`) as Seen[];
    expect(local1).toMatchObject({ attempt: 1, isLocal: true, startToCloseTimeoutMs: 3_000, retryPolicy });
    expect(local1).not.toHaveProperty('scheduleToCloseTimeoutMs');
    expect(local1!.scheduledAt).toBeGreaterThanOrEqual(scheduled.timestamp);
    expect(local2).toMatchObject({ attempt: 2, scheduledAt: local1!.scheduledAt });
    expect(local2!.startedAt).toBeGreaterThanOrEqual(local1!.startedAt + 200);
  }, 30_000); // the first request of a file starts the isolate: seconds on a loaded machine
});
