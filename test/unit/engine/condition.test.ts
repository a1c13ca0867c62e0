// ctx.condition: waits for workflow state to satisfy a predicate, optionally bounded by a durable timer.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineWorkflow, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const approve = defineSignal<[by: string]>('approve');
const approvedBy = defineQuery<string | null>('approvedBy');

const approval = defineWorkflow('approval', async (ctx, input: { timeout: string }) => {
  let by: string | null = null;
  ctx.setHandler(approve, (who) => void (by = who));
  ctx.setHandler(approvedBy, () => by);
  const startedAt = ctx.now();
  const approved = await ctx.condition(() => by !== null, input.timeout);
  const decidedAfterMs = ctx.now() - startedAt;
  // Stay open so a late signal can still arrive and be observed.
  await ctx.condition(() => by !== null);
  return { approved, decidedAfterMs, by };
});

const untimed = defineWorkflow('untimed', async (ctx) => {
  let count = 0;
  ctx.setHandler(approve, () => void count++);
  await ctx.condition(() => count >= 3);
  return count;
});

const activities = {
  async lookup(_input: unknown, _ctx: ActivityContext) {
    return 'found';
  },
};

const afterActivity = defineWorkflow('afterActivity', async (ctx) => {
  const { lookup } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  let result: string | undefined;
  void lookup().then((value) => void (result = value));
  await ctx.condition(() => result !== undefined);
  return result;
});

const workflows = { approval, untimed, afterActivity };

describe('ctx.condition', () => {
  it('returns true when a signal satisfies it before the timeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(approval, { input: { timeout: '1 hour' } });
    const start = env.now();

    await env.sleep('10 minutes');
    await handle.signal(approve, 'alice');
    const result = await handle.result();

    expect(result).toEqual({ approved: true, decidedAfterMs: 600_000, by: 'alice' });
    expect(env.now() - start).toBeLessThan(3_600_000);
  });

  it('cancels its timer once it is satisfied', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(approval, { input: { timeout: '1 hour' } });
    await handle.signal(approve, 'alice');
    await handle.result();

    const types = (await handle.fetchHistory()).map((e) => e.type);
    expect(types).toContain('TimerCanceled');
    expect(types).not.toContain('TimerFired');
  });

  it('records no timer when the condition already holds', async () => {
    const already = defineWorkflow('already', async (ctx) => {
      const met = await ctx.condition(() => true, '1 hour');
      await ctx.sleep('1 minute');
      return met;
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { already } });
    const handle = await env.start(already);
    expect(await handle.result()).toBe(true);
    const timers = (await handle.fetchHistory()).filter((e) => e.type.startsWith('Timer')).map((e) => e.type);
    expect(timers).toEqual(['TimerStarted', 'TimerFired']); // only the sleep's
  });

  it('returns false at the timeout when the signal arrives late', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(approval, { input: { timeout: '1 hour' } });

    await env.sleep('2 hours');
    expect(await handle.query(approvedBy)).toBeNull();
    await handle.signal(approve, 'bob');
    const result = await handle.result();

    expect(result).toEqual({ approved: false, decidedAfterMs: 3_600_000, by: 'bob' });
    const history = await handle.fetchHistory();
    const fired = history.find((e) => e.type === 'TimerFired')!;
    const signal = history.find((e) => e.type === 'SignalReceived')!;
    expect(fired.eventId).toBeLessThan(signal.eventId);
  });

  it('returns true at once, without waiting for its timer, when the predicate already holds', async () => {
    const immediate = defineWorkflow('immediate', async (ctx) => ctx.condition(() => true, '1 day'));
    const env = await TestWorkflowEnvironment.create({ workflows: { immediate } });
    const handle = await env.start(immediate);
    expect(await handle.result()).toBe(true);
    expect((await handle.fetchHistory()).map((e) => e.type)).not.toContain('TimerFired');
  });

  it('without a timeout, waits as long as it takes', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(untimed);
    await env.sleep('365 days');
    await handle.signal(approve, 'a');
    await handle.signal(approve, 'b');
    expect((await handle.describe()).status).toBe('running');
    await handle.signal(approve, 'c');
    expect(await handle.result()).toBe(3);
  });

  it('is re-checked after workflow state changes in activity callbacks', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    expect(await env.execute(afterActivity)).toBe('found');
  });
});
