// The queries every workflow answers with no handler of its own: its handlers' names (for forms that offer them) and
// what its code waits for now (where a stuck run is stuck). A handler set under the same name wins.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineUpdate, defineWorkflow, waitingQuery, workflowMetadataQuery, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const approve = defineSignal<[string]>('approve');
const status = defineQuery<string>('status');
const setLimit = defineUpdate<number, [number]>('setLimit');

const activities = {
  async slowLookup(_input: unknown, ctx: ActivityContext) {
    await ctx.sleep(60_000);
    return 'found';
  },
};

const child = defineWorkflow('child', async (ctx) => {
  await ctx.sleep('1 day');
});

const waiting = defineWorkflow('waiting', async (ctx) => {
  let approvedBy: string | undefined;
  let limit = 0;
  ctx.setHandler(approve, (by) => void (approvedBy = by));
  ctx.setHandler(status, () => (approvedBy ? 'approved' : 'waiting'));
  ctx.setHandler(setLimit, (next) => (limit = next));
  const { slowLookup } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10 minutes' });
  const lookup = slowLookup({});
  const nap = ctx.sleep('1 hour');
  const kid = ctx.executeChild(child, { workflowId: 'waiting-child' });
  await ctx.condition(() => approvedBy !== undefined);
  await Promise.all([lookup, nap, kid]);
  return limit;
});

const shadowing = defineWorkflow('shadowing', async (ctx) => {
  ctx.setHandler(defineQuery<string>('__duro_waiting'), () => 'my own answer');
  await ctx.sleep('1 hour');
});

describe('built-in queries', () => {
  it('__duro_workflow_metadata lists the handlers set now, as Temporal\'s metadata query does', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { waiting, child }, activities });
    const handle = await env.start(waiting, { workflowId: 'meta' });
    const expected = {
      definition: {
        type: 'waiting',
        queryDefinitions: ['__duro_waiting', '__duro_workflow_metadata', '__temporal_workflow_metadata', 'status'].map((name) => ({ name })),
        signalDefinitions: [{ name: 'approve' }],
        updateDefinitions: [{ name: 'setLimit' }],
      },
    };
    expect(await handle.query(workflowMetadataQuery)).toEqual(expected);
    expect(await handle.query('__temporal_workflow_metadata')).toEqual(expected);
  });

  it('__duro_waiting says what the code awaits: the timer, the activity, the child, the condition', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { waiting, child }, activities });
    const handle = await env.start(waiting, { workflowId: 'stuck' });
    expect(await handle.query(waitingQuery)).toEqual({
      timers: [{ timerId: '1' }],
      activities: [{ seq: 1, activityType: 'slowLookup' }],
      localActivities: [],
      children: [{ workflowId: 'waiting-child', workflowType: 'child', started: true }],
      externals: 0,
      conditions: 1,
      handlersRunning: 0,
    });
    await handle.signal(approve, 'ada');
    expect((await handle.query(waitingQuery)).conditions).toBe(0);
  });

  it('gives way to a handler set under the same name', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { shadowing } });
    const handle = await env.start(shadowing);
    expect(await handle.query('__duro_waiting')).toBe('my own answer');
  });
});
