// The Duro workflows the benchmarks run (bench/run.mjs), with the activities they call. Each is as small as the
// measurement allows, so the figures are the engine's cost, not the workflow's.
import { defineQuery, defineSignal, defineWorkflow, type ActivityContext } from 'duro/workflow';

export const benchActivities = {
  /** Hands its payload back, one item changed: what the converter (and at rest, the codecs) cost per step. */
  async benchPayloadStep(input: { i: number; payload: { items: Array<Record<string, unknown>> } }): Promise<{ i: number; payload: { items: Array<Record<string, unknown>> } }> {
    input.payload.items[0]!.qty = input.i;
    return { i: input.i + 1, payload: input.payload };
  },

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

/** n sequential remote activities on the 'self' task queue: an RPC call to the Worker's DuroActivities entrypoint each. */
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

/** An order of about `bytes` of JSON: plain values, or with a Date, a Set and a bigint in every item (`rich`). */
function orderPayload(bytes: number, rich: boolean): { items: Array<Record<string, unknown>> } {
  const item = (i: number) => rich
    ? { sku: `sku-${i}`, qty: i, at: new Date(1_765_000_000_000 + i), tags: new Set(['a', 'b']), cents: BigInt(i) * 100n }
    : { sku: `sku-${i}`, qty: i, at: new Date(1_765_000_000_000 + i).toISOString(), tags: ['a', 'b'], cents: i * 100 };
  const count = Math.max(1, Math.round(bytes / 110)); // an item is about 110 bytes of JSON
  return { items: Array.from({ length: count }, (_, i) => item(i)) };
}

/** n sequential local steps, each handing a payload of about `bytes` in and out (docs/payloads.md). */
export const benchPayloadSteps = defineWorkflow('benchPayloadSteps', async (ctx, input: { n: number; bytes: number; rich: boolean }) => {
  const { benchPayloadStep } = ctx.proxyLocalActivities<typeof benchActivities>({ startToCloseTimeout: '1 minute' });
  let state = { i: 0, payload: orderPayload(input.bytes, input.rich) };
  for (let i = 0; i < input.n; i++) state = await benchPayloadStep(state);
  return { steps: state.i };
});
