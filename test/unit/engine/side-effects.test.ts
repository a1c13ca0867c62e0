// ctx.sideEffect, ctx.random, ctx.uuid: non-deterministic values decided once, recorded, and replayed as recorded.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const values = defineQuery<{ token: string; roll: number }>('values');

function tokenWorkflow(makeToken: () => string) {
  return defineWorkflow('token', async (ctx) => {
    const token = await ctx.sideEffect(makeToken);
    const roll = await ctx.sideEffect(() => Math.floor(Math.random() * 1e9));
    ctx.setHandler(values, () => ({ token, roll }));
    await ctx.sleep('1 day');
    return { token, roll };
  });
}

const sideEffectMarkers = (history: HistoryEvent[]) => history.filter((e) => e.type === 'MarkerRecorded' && e.markerName === 'SideEffect');

describe('ctx.sideEffect', () => {
  it('runs the function once and records its value as a SideEffect marker', async () => {
    let calls = 0;
    const token = tokenWorkflow(() => `token-${++calls}`);
    const env = await TestWorkflowEnvironment.create({ workflows: { token } });
    const handle = await env.start(token);
    const result = await handle.result();

    expect(result.token).toBe('token-1');
    expect(calls).toBe(1);
    expect(sideEffectMarkers(await handle.fetchHistory())).toMatchObject([
      { seq: 1, data: 'token-1' },
      { seq: 2, data: result.roll },
    ]);
  });

  it('returns the recorded value after eviction, without running the function again', async () => {
    let calls = 0;
    const token = tokenWorkflow(() => `token-${++calls}`);
    const env = await TestWorkflowEnvironment.create({ workflows: { token } });
    const handle = await env.start(token);
    const before = await handle.query(values);

    env.evict(handle.workflowId);
    expect(await handle.query(values)).toEqual(before);
    expect(await handle.result()).toEqual(before);
    expect(calls).toBe(1);
  });

  it('replays an exported history with the recorded values, even when the function would now return something else', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { token: tokenWorkflow(() => 'original') } });
    const handle = await env.start('token');
    const recorded = await handle.result();
    const history = await handle.fetchHistory();

    let replayedCalls = 0;
    let seen: unknown;
    const changed = defineWorkflow('token', async (ctx) => {
      seen = { token: await ctx.sideEffect(() => `changed-${++replayedCalls}`), roll: await ctx.sideEffect(() => -1) };
      await ctx.sleep('1 day');
      return seen;
    });
    await replayHistory([changed], history);

    expect(replayedCalls).toBe(0);
    expect(seen).toEqual(recorded);
  });
});

describe('ctx.random and ctx.uuid', () => {
  const draws = defineWorkflow('draws', async (ctx) => {
    const first = { random: ctx.random(), uuid: ctx.uuid() };
    await ctx.sleep('1 hour');
    const second = { random: ctx.random(), uuid: ctx.uuid() };
    return { first, second };
  });

  it('draw values in [0, 1) and RFC 4122 v4 uuids, different at each call', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { draws } });
    const { first, second } = await env.execute(draws);
    for (const draw of [first, second]) {
      expect(draw.random).toBeGreaterThanOrEqual(0);
      expect(draw.random).toBeLessThan(1);
      expect(draw.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    expect(first.random).not.toBe(second.random);
    expect(first.uuid).not.toBe(second.uuid);
  });

  it('draw the same values on replay: they are seeded from WorkflowExecutionStarted', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { draws } });
    const handle = await env.start(draws);
    const recorded = await handle.result();
    const history = await handle.fetchHistory();
    expect(history[0]).toMatchObject({ type: 'WorkflowExecutionStarted', randomnessSeed: expect.any(String) });

    let replayed: unknown;
    const observing = defineWorkflow('draws', async (ctx) => {
      const first = { random: ctx.random(), uuid: ctx.uuid() };
      await ctx.sleep('1 hour');
      replayed = { first, second: { random: ctx.random(), uuid: ctx.uuid() } };
      return replayed;
    });
    await replayHistory([observing], history);
    expect(replayed).toEqual(recorded);
  });
});
