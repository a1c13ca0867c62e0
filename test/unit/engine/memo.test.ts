// ctx.upsertMemo: keys of the run's memo set (or removed) by workflow code, recorded as MemoUpserted, seen by
// ctx.info(), describe and the next run of a continue-as-new, and replayed as they ran.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineWorkflow, PayloadError } from 'duro/workflow';
import { replayHistory, TestWorkflowEnvironment } from 'duro/testing';

const advance = defineSignal<[stage: string]>('advance');
const memoSeen = defineQuery<Record<string, unknown>>('memoSeen');

const tracked = defineWorkflow('tracked', async (ctx, input: { continueAfter?: number } = {}) => {
  let stage: string | undefined;
  ctx.setHandler(advance, (next) => { stage = next; });
  ctx.setHandler(memoSeen, () => ctx.info().memo);
  ctx.upsertMemo({ stage: 'received', draft: 'x' });
  await ctx.condition(() => stage !== undefined);
  ctx.upsertMemo({ stage, draft: null, reviewer: undefined });
  if (input.continueAfter !== undefined) return ctx.continueAsNew({});
  await ctx.sleep('1 hour');
  return ctx.info().memo;
});

describe('ctx.upsertMemo', () => {
  it('sets and removes keys, seen at once by ctx.info(), a query, describe and the history', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { tracked } });
    const handle = await env.start(tracked, { workflowId: 'order-1', memo: { customer: 'c-1', reviewer: 'ann' } });
    expect(await handle.query(memoSeen)).toEqual({ customer: 'c-1', reviewer: 'ann', stage: 'received', draft: 'x' });
    expect((await handle.describe()).memo).toEqual({ customer: 'c-1', reviewer: 'ann', stage: 'received', draft: 'x' });

    await handle.signal(advance, 'shipped');
    expect(await handle.result()).toEqual({ customer: 'c-1', stage: 'shipped' });
    expect((await handle.describe()).memo).toEqual({ customer: 'c-1', stage: 'shipped' });
    const upserts = env.history('order-1').filter((event) => event.type === 'MemoUpserted');
    // `undefined` is recorded as null: JSON has no undefined, and both remove the key.
    expect(upserts.map((event) => (event as { memo: unknown }).memo)).toEqual([{ stage: 'received', draft: 'x' }, { stage: 'shipped', draft: null, reviewer: null }]);
  });

  it('replays its history without a divergence, and after an eviction the run goes on with the memo it had', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { tracked } });
    const handle = await env.start(tracked, { workflowId: 'order-2' });
    await handle.signal(advance, 'packed');
    env.evict('order-2');
    expect(await handle.query(memoSeen)).toEqual({ stage: 'packed' });
    expect(await handle.result()).toEqual({ stage: 'packed' });
    await expect(replayHistory({ tracked }, env.history('order-2'))).resolves.toBeUndefined();
  });

  it('carries the upserted memo over a continue-as-new', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { tracked } });
    const handle = await env.start(tracked, { workflowId: 'order-3', input: { continueAfter: 1 } });
    await handle.signal(advance, 'split');
    expect(env.history('order-3', handle.runId).at(-1)?.type).toBe('WorkflowExecutionContinuedAsNew');
    // The next run starts with the memo the last one had, then upserts its own first stage over it.
    expect(await env.getHandle('order-3').query(memoSeen)).toEqual({ stage: 'received', draft: 'x' });
    const next = env.history('order-3')[0] as { type: string; memo?: unknown };
    expect(next).toMatchObject({ type: 'WorkflowExecutionStarted', memo: { stage: 'split' } });
  });

  it('refuses a memo that is no JSON payload, in the workflow, and records nothing', async () => {
    const bad = defineWorkflow('badMemo', async (ctx) => {
      try {
        ctx.upsertMemo({ score: Number.NaN });
      } catch (error) {
        return error instanceof PayloadError ? 'refused' : `other: ${String(error)}`;
      }
      return 'accepted';
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { bad } });
    await expect(env.execute(bad, { workflowId: 'bad' })).resolves.toBe('refused');
    expect(env.history('bad').some((event) => event.type === 'MemoUpserted')).toBe(false);
  });

  it('is refused in a query handler, which may not change the run', async () => {
    const sneaky = defineWorkflow('sneaky', async (ctx) => {
      ctx.setHandler(memoSeen, () => { ctx.upsertMemo({ sneaked: true }); return {}; });
      await ctx.sleep('1 day');
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { sneaky } });
    const handle = await env.start(sneaky, { workflowId: 'sneaky' });
    await expect(handle.query(memoSeen)).rejects.toThrow(/upsertMemo/);
    expect((await handle.describe()).memo).toEqual({});
  });
});
