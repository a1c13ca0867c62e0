// Pause holds activities and timers; signals are still recorded and handled; unpause catches up at once.
import { describe, expect, it } from 'vitest';
import { defineSignal, defineWorkflow, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const go = defineSignal('go');
const sent: number[] = [];
const activities = {
  async tick(n: number, _ctx: ActivityContext) {
    sent.push(n);
    return n;
  },
};

const paced = defineWorkflow('paced', async (ctx) => {
  const { tick } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  let started = false;
  ctx.setHandler(go, () => void (started = true));
  await ctx.condition(() => started);
  const first = await tick(1);
  await ctx.sleep('1 minute');
  return first + (await tick(2));
});

const napping = defineWorkflow('napping', async (ctx) => {
  await ctx.sleep('1 minute');
  return ctx.now();
});

describe('pause', () => {
  it('records signals but sends no activity until unpaused', async () => {
    sent.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows: { paced }, activities });
    const handle = await env.start(paced);
    await handle.pause('maintenance');
    await handle.signal(go);
    await env.sleep('10 minutes');
    expect(sent).toEqual([]);
    const described = await handle.describe();
    expect(described.paused).toBe(true);
    expect(described.pendingActivities).toMatchObject([{ activityType: 'tick', attempt: 0, state: 'scheduled' }]);
    expect((await handle.fetchHistory()).some((event) => event.type === 'SignalReceived')).toBe(true);

    await handle.unpause();
    expect(await handle.result()).toBe(3);
    expect(sent).toEqual([1, 2]);
    expect((await handle.describe()).paused).toBeUndefined();
  });

  it('fires no timer while paused, and an overdue timer at once when unpaused', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { napping } });
    const handle = await env.start(napping);
    await handle.pause();
    await env.sleep('1 hour');
    expect((await handle.fetchHistory()).some((event) => event.type === 'TimerFired')).toBe(false);
    const unpausedAt = env.now();
    await handle.unpause();
    expect(await handle.result()).toBe(unpausedAt);
  });

  it('cannot pause a closed run', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { napping } });
    const handle = await env.start(napping);
    await handle.terminate();
    await expect(handle.pause()).rejects.toThrow(/terminated/);
  });
});
