// ctx.info's times, timeouts and retry policy (the scheduled activity's options and its history) in the time-skipping
// environment, remote and local: a retry keeps scheduledAt and moves startedAt past the backoff.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, defineWorkflow, type ActivityContext, type ActivityInfo } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const retry = { initialInterval: '5s', backoffCoefficient: 3, maximumInterval: '1m', maximumAttempts: 4, nonRetryableErrorTypes: ['Fatal'] };
const resolvedRetry = { initialIntervalMs: 5_000, backoffCoefficient: 3, maximumIntervalMs: 60_000, maximumAttempts: 4, nonRetryableErrorTypes: ['Fatal'] };

function recording(infos: ActivityInfo[]) {
  return {
    /** Fails its first attempt, so the second is a retry after the 5 s backoff. */
    async flaky(_input: undefined, ctx: ActivityContext) {
      infos.push(structuredClone(ctx.info));
      if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
      return 'ok';
    },
  };
}
type Acts = ReturnType<typeof recording>;

const remote = defineWorkflow('remoteInfo', async (ctx) => {
  await ctx.sleep('1 minute'); // scheduled later than the run's start
  return await ctx.proxyActivities<Acts>({ startToCloseTimeout: '10m', scheduleToCloseTimeout: '1h', heartbeatTimeout: '30s', retry }).flaky();
});

const local = defineWorkflow('localInfo', async (ctx) => {
  await ctx.sleep('1 minute');
  return await ctx.proxyLocalActivities<Acts>({ startToCloseTimeout: '10m', scheduleToCloseTimeout: '1h', retry }).flaky();
});

const startToCloseOnly = defineWorkflow('startToCloseOnly', async (ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '10m', retry }).flaky());

const workflows = { remote, local, startToCloseOnly };

describe('ctx.info of a remote activity', () => {
  it('carries when it was scheduled, when this attempt started, its timeouts and its retry policy, across a retry', async () => {
    const infos: ActivityInfo[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: recording(infos) });
    const handle = await env.start(remote, { workflowId: 'remote-info' });
    expect(await handle.result()).toBe('ok');

    const scheduled = (await handle.fetchHistory()).find((event) => event.type === 'ActivityTaskScheduled')!;
    const started = (await handle.fetchHistory())[0]!;
    expect(scheduled.timestamp).toBeGreaterThanOrEqual(started.timestamp + 60_000);
    const [first, second] = infos;
    const options = { startToCloseTimeoutMs: 600_000, scheduleToCloseTimeoutMs: 3_600_000, heartbeatTimeoutMs: 30_000, retryPolicy: resolvedRetry };
    expect(first).toMatchObject({ attempt: 1, scheduledAt: scheduled.timestamp, startedAt: scheduled.timestamp, ...options });
    expect(second).toMatchObject({ attempt: 2, scheduledAt: scheduled.timestamp, ...options });
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.startedAt + 5_000);
  });

  it('leaves out a timeout the activity does not have', async () => {
    const infos: ActivityInfo[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: recording(infos) });
    await env.execute(startToCloseOnly);
    expect(infos[0]).toMatchObject({ startToCloseTimeoutMs: 600_000, retryPolicy: resolvedRetry });
    expect(infos[0]).not.toHaveProperty('scheduleToCloseTimeoutMs');
  });

  it('gives each attempt its own copy of the retry policy: an activity changing it changes nothing recorded', async () => {
    const env = await TestWorkflowEnvironment.create({
      workflows,
      activities: {
        async flaky(_input: undefined, ctx: ActivityContext) {
          ctx.info.retryPolicy!.nonRetryableErrorTypes.push('Flaky');
          if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
          return 'ok';
        },
      },
    });
    const handle = await env.start(remote, { workflowId: 'mutating' });
    expect(await handle.result()).toBe('ok'); // retried: the recorded policy does not list 'Flaky'
    const scheduled = (await handle.fetchHistory()).find((event) => event.type === 'ActivityTaskScheduled') as { options: { retry: unknown } };
    expect(scheduled.options.retry).toEqual(resolvedRetry);
  });
});

describe('ctx.info of a local activity', () => {
  it('carries when the workflow first scheduled it, when this attempt started, its timeouts and its retry policy', async () => {
    const infos: ActivityInfo[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: recording(infos) });
    const handle = await env.start(local, { workflowId: 'local-info' });
    const runStart = (await handle.fetchHistory())[0]!.timestamp;
    expect(await handle.result()).toBe('ok');

    const [first, second] = infos;
    const options = { isLocal: true, startToCloseTimeoutMs: 600_000, scheduleToCloseTimeoutMs: 3_600_000, retryPolicy: resolvedRetry };
    expect(first).toMatchObject({ attempt: 1, ...options });
    expect(first!.scheduledAt).toBeGreaterThanOrEqual(runStart + 60_000);
    expect(first!.startedAt).toBe(first!.scheduledAt);
    expect(second).toMatchObject({ attempt: 2, scheduledAt: first!.scheduledAt, ...options });
    expect(second!.startedAt).toBeGreaterThanOrEqual(first!.startedAt + 5_000);
    expect(first).not.toHaveProperty('heartbeatTimeoutMs');
  });
});
