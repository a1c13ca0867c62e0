// Remote activities: what an attempt sees, how outcomes reach the workflow, and configuration errors.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, TimeoutFailure, WorkflowFailedError, defineWorkflow, type ActivityContext, type ActivityInfo, WorkflowBlockedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

function activitiesLogging(log: string[], infos: ActivityInfo[] = []) {
  return {
    async quick(input: string, ctx: ActivityContext) {
      infos.push(ctx.info);
      log.push(`quick ${input}`);
      return input.toUpperCase();
    },
    async slow(input: string, ctx: ActivityContext) {
      log.push(`slow ${input}`);
      await ctx.sleep(50); // a running attempt holds the virtual clock: its time passes as real time does
      return `${input} done`;
    },
    async hang(_input: string, ctx: ActivityContext) {
      await ctx.sleep(3_600_000);
    },
  };
}
type Acts = ReturnType<typeof activitiesLogging>;

const sequence = defineWorkflow('sequence', async (ctx) => {
  const { quick, slow } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '2h', heartbeatTimeout: '3h', taskQueue: 'emails' });
  const a = await quick('a');
  const b = await slow('b');
  return [a, b];
});

const unregistered = defineWorkflow('unregistered', async (ctx) => ctx.proxyActivities<Record<string, () => Promise<void>>>({ startToCloseTimeout: '1m' }).missing!());
const noTimeout = defineWorkflow('noTimeout', async (ctx) => ctx.proxyActivities<Acts>({}).quick('x'));
const scheduleToCloseOnly = defineWorkflow('scheduleToCloseOnly', async (ctx) => ctx.proxyActivities<Acts>({ scheduleToCloseTimeout: '150ms' }).hang('x'));

const workflows = { sequence, unregistered, noTimeout, scheduleToCloseOnly };

describe('activities', () => {
  it('deliver the outcome of an activity that completes while the run is still finishing the step that scheduled it', async () => {
    // Regression: an outcome enqueued in the gap between the run's queue emptying and its processing flag
    // clearing was never processed, so the workflow hung after its first activity.
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: activitiesLogging(log) });
    const handle = await env.start(sequence);
    await env.sleep('10ms'); // the slow attempt (50 ms) is still running

    expect(log).toEqual(['quick a', 'slow b']);
    const types = (await handle.fetchHistory()).map((e) => e.type);
    expect(types.filter((t) => t === 'ActivityTaskCompleted')).toHaveLength(1);
    expect(await handle.result()).toEqual(['A', 'b done']);
  });

  it('see their attempt, ids, task queue, deadline and heartbeat timeout in ctx.info', async () => {
    const infos: ActivityInfo[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: activitiesLogging([], infos) });
    const start = env.now();
    const handle = await env.start(sequence, { workflowId: 'seq-1' });
    await handle.result();

    expect(infos[0]).toMatchObject({
      activityId: '1',
      activityType: 'quick',
      taskQueue: 'emails',
      workflowId: 'seq-1',
      runId: handle.runId,
      workflowType: 'sequence',
      attempt: 1,
      deadline: start + 2 * 3_600_000,
      heartbeatTimeoutMs: 3 * 3_600_000,
      isLocal: false,
    });
  });

  it('fail non-retryably with ActivityNotRegistered when no implementation has the name', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: activitiesLogging([]) });
    const error = (await env.execute(unregistered).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect((error.cause as ActivityFailure).attempt).toBe(1);
    expect(error.cause.cause).toMatchObject({ type: 'ActivityNotRegistered', nonRetryable: true, message: expect.stringContaining("'missing'") });
  });

  it('require startToCloseTimeout or scheduleToCloseTimeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: activitiesLogging([]) });
    // A TypeError of workflow code fails the workflow task (Temporal's rule): the run blocks, with the error as cause.
    const error = (await env.execute(noTimeout).catch((e: unknown) => e)) as WorkflowBlockedError;
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error.cause).toMatchObject({ type: 'TypeError', message: expect.stringContaining('startToCloseTimeout or scheduleToCloseTimeout') });
  });

  it('time out at scheduleToCloseTimeout when it is the only timeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: activitiesLogging([]) });
    const start = env.now();
    const error = (await env.execute(scheduleToCloseOnly).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause.cause).toBeInstanceOf(TimeoutFailure);
    expect((error.cause.cause as TimeoutFailure).timeoutType).toBe('SCHEDULE_TO_CLOSE');
    // The hanging attempt holds the clock: the timeout comes after as much real time, not by a jump.
    expect(env.now() - start).toBeGreaterThanOrEqual(150);
    expect(env.now() - start).toBeLessThan(5_000);
  });
});
