// Reset: a new run replays the old history up to a chosen activation end and runs on from there with the
// current code; the old run is terminated; signals received after the point are applied again.
import { describe, expect, it } from 'vitest';
import { defineSignal, defineWorkflow, WorkflowFailedError, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const add = defineSignal<[item: string]>('add');
const done = defineSignal('done');
let chargeFails = true;
const charged: string[] = [];
const activities = {
  async reserve(_input: unknown, _ctx: ActivityContext) {
    return 'reserved';
  },
  async charge(items: string[], _ctx: ActivityContext) {
    if (chargeFails) throw new Error('card declined');
    charged.push(items.join(','));
    return `charged ${items.length}`;
  },
};

const checkout = defineWorkflow('checkout', async (ctx) => {
  const { reserve, charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });
  const items: string[] = [];
  let finished = false;
  ctx.setHandler(add, (item) => void items.push(item));
  ctx.setHandler(done, () => void (finished = true));
  await reserve();
  await ctx.condition(() => finished);
  return await charge(items);
});

describe('reset', () => {
  it('re-runs from the chosen point with the current code, re-applying later signals', async () => {
    chargeFails = true;
    charged.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows: { checkout }, activities });
    const handle = await env.start(checkout, { workflowId: 'order-1' });
    await handle.signal(add, 'book');
    await handle.signal(done);
    await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const history = await handle.fetchHistory();
    // The end of the activation that scheduled `reserve`: everything after it is redone.
    const point = history.find((event) => event.type === 'WorkflowTaskCompleted')!;

    chargeFails = false; // the bug is fixed
    const newRunId = await handle.reset(point.eventId, 'retry after fix');
    expect(newRunId).not.toBe(handle.runId);
    expect(await env.getHandle('order-1', newRunId).result()).toBe('charged 1');
    expect(charged).toEqual(['book']);

    const replayed = await env.getHandle('order-1', newRunId).fetchHistory();
    expect(replayed.slice(1, point.eventId).map((e) => e.type)).toEqual(history.slice(1, point.eventId).map((e) => e.type));
    expect(replayed[0]).toMatchObject({ type: 'WorkflowExecutionStarted', runId: newRunId });
    expect(replayed.filter((e) => e.type === 'SignalReceived')).toHaveLength(2);
  });

  it('terminates a running old run with the reason, and refuses points that do not end an activation', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { checkout }, activities });
    const handle = await env.start(checkout, { workflowId: 'order-2' });
    const history = await handle.fetchHistory();
    await expect(handle.reset(1)).rejects.toThrow(/must be a WorkflowTaskCompleted/);
    const point = history.find((event) => event.type === 'WorkflowTaskCompleted')!;
    const oldRunId = handle.runId;
    await handle.reset(point.eventId, 'operator');
    const old = await env.getHandle('order-2', oldRunId).describe(oldRunId);
    expect(old.status).toBe('terminated');
    const oldHistory = await handle.fetchHistory(oldRunId);
    expect(oldHistory.at(-1)).toMatchObject({ type: 'WorkflowExecutionTerminated', reason: 'reset: operator' });
  });
});
