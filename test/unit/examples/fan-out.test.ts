// The fanOut example: children × tasks split over child workflows, a per-child concurrency bound, partial failures
// counted (tasks and whole children), deterministic child ids, and histories that stay small at benchmark sizes.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, Limits, WorkflowFailedError, defineWorkflow, isCancellation, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { fanOut, fanOutActivities, fanOutChild, type FanOutChildInput } from '../../../examples/fan-out';

const workflows = { fanOut, fanOutChild };

/** The example's activity, slowed to 1 s of virtual time, counting attempts in flight per child workflow. */
function trackingActivities() {
  const inFlight = new Map<string, number>();
  const maxInFlight = new Map<string, number>();
  const started: number[] = [];
  const activities = {
    async fanOutTask(input: { taskId: number; failEvery?: number }, ctx: ActivityContext) {
      const child = ctx.info.workflowId;
      inFlight.set(child, (inFlight.get(child) ?? 0) + 1);
      maxInFlight.set(child, Math.max(maxInFlight.get(child) ?? 0, inFlight.get(child)!));
      started.push(input.taskId);
      try {
        await ctx.sleep(1_000);
        return await fanOutActivities.fanOutTask(input, ctx);
      } finally {
        inFlight.set(child, inFlight.get(child)! - 1);
      }
    },
  };
  return { activities, maxInFlight, started };
}

describe('fanOut', () => {
  it('runs 10 children × 10 tasks with the demo defaults', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
    expect(await env.execute(fanOut, { workflowId: 'fan-defaults', input: {} })).toEqual({ succeeded: 100, failed: 0, failedChildren: [] });
  });

  it('counts the failed tasks of every child and sums them, without failing the run', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
    // Task ids 1..100: 14 multiples of 7 fail, non-retryably.
    expect(await env.execute(fanOut, { workflowId: 'fan-partial', input: { children: 10, tasksPerChild: 10, failEvery: 7 } }))
      .toEqual({ succeeded: 86, failed: 14, failedChildren: [] });
    // Child 2 runs task ids 11..20: only 14 fails there.
    expect(await env.getHandle('fan-partial-child-2').result()).toEqual({ succeeded: 9, failed: 1 });
    const child7 = await env.getHandle('fan-partial-child-7').fetchHistory();
    const failures = child7.filter((event) => event.type === 'ActivityTaskFailed');
    expect(failures).toHaveLength(2); // 63 and 70
    expect(failures.every((event) => 'attempt' in event && event.attempt === 1)).toBe(true); // non-retryable: no second attempt
  });

  it('keeps at most `concurrency` activities in flight in each child, across a replay, and reaches that bound', async () => {
    const { activities, maxInFlight, started } = trackingActivities();
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const start = env.now();
    const handle = await env.start(fanOut, { workflowId: 'fan-bound', input: { children: 3, tasksPerChild: 10, concurrency: 3 } });
    await env.sleep('1500ms');
    env.evict(); // the lanes are rebuilt by replay mid-run: the same tasks in flight, no new ones
    expect(await handle.result()).toEqual({ succeeded: 30, failed: 0, failedChildren: [] });
    expect([...maxInFlight.entries()].sort()).toEqual([['fan-bound-child-1', 3], ['fan-bound-child-2', 3], ['fan-bound-child-3', 3]]);
    expect(started).toHaveLength(30);
    // 10 one-second tasks, 3 at a time: four rounds. The children ran side by side. The running tasks hold the clock
    // (their time passes as real time does), so a busy machine may add a few milliseconds.
    expect(env.now() - start).toBeGreaterThanOrEqual(4_000);
    expect(env.now() - start).toBeLessThan(4_000 + 3_000);
  });

  it('counts a child that fails as a whole as all its tasks failed, and still completes', async () => {
    // A bug in the code of one child (task ids 11..20): it fails before running anything.
    const brokenChild = defineWorkflow('fanOutChild', async (ctx, input: FanOutChildInput) => {
      if (input.firstTaskId === 11) throw ApplicationFailure.nonRetryable('child crashed', 'ChildBug');
      return fanOutChild.fn(ctx, input);
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { fanOut, fanOutChild: brokenChild }, activities: fanOutActivities });
    expect(await env.execute(fanOut, { workflowId: 'fan-child-fails', input: { children: 3, tasksPerChild: 10, failEvery: 5 } }))
      .toEqual({ succeeded: 16, failed: 14, failedChildren: ['fan-child-fails-child-2'] }); // 2 + 10 + 2 failed
    await expect(env.getHandle('fan-child-fails-child-2').result()).rejects.toBeInstanceOf(WorkflowFailedError);
  });

  it('counts a terminated child as failed', async () => {
    let env!: TestWorkflowEnvironment;
    const activities = {
      async fanOutTask(input: { taskId: number }, ctx: ActivityContext) {
        // The first task of child 1 has its own workflow terminated from outside, then never finishes.
        if (input.taskId === 1) {
          void env.getHandle(ctx.info.workflowId).terminate('operator stopped it');
          await ctx.sleep(3_600_000);
        }
        return { taskId: input.taskId };
      },
    };
    env = await TestWorkflowEnvironment.create({ workflows, activities });
    expect(await env.execute(fanOut, { workflowId: 'fan-terminated', input: { children: 2, tasksPerChild: 4 } }))
      .toEqual({ succeeded: 4, failed: 4, failedChildren: ['fan-terminated-child-1'] });
  });

  it('derives child ids from the parent id and records the parent on each child; histories replay', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
    const handle = await env.start(fanOut, { workflowId: 'fan-ids', input: { children: 3, tasksPerChild: 2 } });
    await handle.result();
    const started = (await handle.fetchHistory()).filter((event) => event.type === 'ChildWorkflowStarted');
    expect(started.map((event) => (event as { workflowId: string }).workflowId).sort()).toEqual(['fan-ids-child-1', 'fan-ids-child-2', 'fan-ids-child-3']);
    const child = await env.getHandle('fan-ids-child-3').describe();
    expect(child).toMatchObject({ workflowType: 'fanOutChild', status: 'completed', parent: { workflowId: 'fan-ids' } });
    await replayHistory(workflows, await handle.fetchHistory());
    await replayHistory(workflows, await env.getHandle('fan-ids-child-1').fetchHistory());
  });

  it('ends cancelled when cancelled, rather than counting its cancelled children as failures', async () => {
    const { activities } = trackingActivities();
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(fanOut, { workflowId: 'fan-cancel', input: { children: 2, tasksPerChild: 10, concurrency: 2 } });
    await env.sleep('1500ms');
    await handle.cancel();
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).status).toBe('canceled');
    expect(isCancellation((error as WorkflowFailedError).cause)).toBe(true);
    expect((await env.getHandle('fan-cancel-child-1').describe()).status).toBe('canceled');
  });

  it('refuses sizes over the engine limits before starting anything', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
    const handle = await env.start(fanOut, { workflowId: 'fan-too-many', input: { children: Limits.maxPendingChildren + 1 } });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidInput' });
    expect((await handle.fetchHistory()).some((event) => event.type === 'ChildWorkflowInitiated')).toBe(false);
    for (const input of [{ tasksPerChild: 5_001 }, { concurrency: 0 }, { children: 1.5 }]) {
      const failure = await env.execute(fanOut, { input }).then(() => undefined, (e: unknown) => (e as WorkflowFailedError).cause);
      expect(failure).toMatchObject({ type: 'InvalidInput' });
    }
  });

  describe('at benchmark sizes (1000 × 1000)', () => {
    it('a child with 1000 tasks keeps its history under the continue-as-new warning', async () => {
      const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
      const handle = await env.start(fanOutChild, { workflowId: 'child-1000', input: { firstTaskId: 1, tasks: 1000, concurrency: 10, failEvery: 10 } });
      expect(await handle.result()).toEqual({ succeeded: 900, failed: 100 });
      const { historyLength } = await handle.describe();
      expect(historyLength).toBeLessThan(Limits.historyWarnEvents);
    });

    it('a parent with 1000 children keeps its history under the warning and its result small', async () => {
      const env = await TestWorkflowEnvironment.create({ workflows, activities: fanOutActivities });
      const handle = await env.start(fanOut, { workflowId: 'fan-1000', input: { children: 1000, tasksPerChild: 1, failEvery: 4 } });
      expect(await handle.result()).toEqual({ succeeded: 750, failed: 250, failedChildren: [] });
      const { historyLength } = await handle.describe();
      expect(historyLength).toBeLessThan(Limits.historyWarnEvents);
    });
  });
});
