// The Duro workflows the benchmarks run (bench/run.mjs), with the activities they call. Each is as small as the
// measurement allows, so the figures are the engine's cost, not the workflow's.
import { defineQuery, defineSignal, defineWorkflow, type ActivityContext } from 'duro/workflow';

export const benchActivities = {
  /** One step of work: nothing but the round trip (in-process for local activities, a fetch for remote ones). */
  async benchStep(input: { i: number }, _ctx: ActivityContext): Promise<{ i: number }> {
    return { i: input.i + 1 };
  },
};

/** n sequential local activities (in-process, inside the activation). */
export const benchLocalSteps = defineWorkflow('benchLocalSteps', async (ctx, input: { n: number }) => {
  const { benchStep } = ctx.proxyLocalActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });
  let done = 0;
  for (let i = 0; i < input.n; i++) done = (await benchStep({ i })).i;
  return { steps: done };
});

/** n sequential remote activities on the 'self' task queue: a fetch through the service binding each. */
export const benchRemoteSteps = defineWorkflow('benchRemoteSteps', async (ctx, input: { n: number }) => {
  const { benchStep } = ctx.proxyActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });
  let done = 0;
  for (let i = 0; i < input.n; i++) done = (await benchStep({ i })).i;
  return { steps: done };
});

export const add = defineSignal<[by: number]>('add');
export const finish = defineSignal('finish');
export const total = defineQuery<number>('total');

/** An entity that sums `add` signals until `finish`; `total` reads the sum (signal round trip). */
export const benchSignals = defineWorkflow('benchSignals', async (ctx) => {
  let sum = 0;
  let finished = false;
  ctx.setHandler(add, (by) => void (sum += by));
  ctx.setHandler(finish, () => void (finished = true));
  ctx.setHandler(total, () => sum);
  await ctx.condition(() => finished);
  return { total: sum };
});

/** Sleeps `ms` and says when it woke, by the engine's clock (timer accuracy). */
export const benchTimer = defineWorkflow('benchTimer', async (ctx, input: { ms: number }) => {
  const startedAt = ctx.now();
  await ctx.sleep(input.ms);
  return { startedAt, wokeAt: ctx.now(), ms: input.ms };
});

/** n local steps, then it waits for `finish` while `total` answers: a long history to replay after eviction. */
export const benchReplay = defineWorkflow('benchReplay', async (ctx, input: { n: number }) => {
  const { benchStep } = ctx.proxyLocalActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });
  let done = 0;
  let finished = false;
  ctx.setHandler(total, () => done);
  ctx.setHandler(finish, () => void (finished = true));
  for (let i = 0; i < input.n; i++) done = (await benchStep({ i })).i;
  await ctx.condition(() => finished);
  return { steps: done };
});
