import { describe, expect, it } from 'vitest';
import { defineWorkflow, defineSignal, defineQuery, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const activities = {
  async greet(name: string, _ctx: ActivityContext) {
    return `hello ${name}`;
  },
};
const go = defineSignal<[string]>('go');
const state = defineQuery<string>('state');

const basic = defineWorkflow('basic', async (ctx, input: { name: string }) => {
  const { greet } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  let seen = 'waiting';
  ctx.setHandler(go, (value) => void (seen = value));
  ctx.setHandler(state, () => seen);
  const greeting = await greet(input.name);
  await ctx.sleep('30 days');
  await ctx.condition(() => seen !== 'waiting');
  return `${greeting} ${seen}`;
});

describe('smoke', () => {
  it('runs an activity, a 30-day timer and a signal', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { basic }, activities });
    const start = env.now();
    const handle = await env.start(basic, { input: { name: 'duro' } });
    await env.sleep('31 days');
    expect(await handle.query(state)).toBe('waiting');
    await handle.signal(go, 'now');
    expect(await handle.result()).toBe('hello duro now');
    expect(env.now() - start).toBeGreaterThanOrEqual(30 * 86_400_000);
    const history = await handle.fetchHistory();
    console.log(history.map((e) => e.type).join(' '));
  });
});
