// Issue 15: NaN and ±Infinity that workflow code hands the engine are refused (PayloadError) instead of being
// stored as null, behind EngineFlag.PayloadShape: a history written before the check replays as it ran.
import { describe, expect, it } from 'vitest';
import { defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { replayHistory, TestWorkflowEnvironment } from 'duro/testing';

/** What an older Duro recorded for `{ score: NaN }`: JSON made it null. */
const before = defineWorkflow('scorer', async (ctx) => {
  ctx.upsertSearchAttributes({ score: null });
  await ctx.sleep('1s');
  return 'ok';
});
const now = defineWorkflow('scorer', async (ctx) => {
  ctx.upsertSearchAttributes({ score: Number.NaN });
  await ctx.sleep('1s');
  return 'ok';
});

const withoutFlags = (events: HistoryEvent[]) => events.map((event) => {
  const { flags: _flags, ...rest } = event as HistoryEvent & { flags?: string[] };
  return rest as HistoryEvent;
});

describe('payload shape in workflow code (EngineFlag.PayloadShape)', () => {
  it('fails a live run that hands the engine NaN, naming it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { now } });
    const error = await env.execute(now).catch((e: unknown) => e);
    expect(String((error as { cause?: { message?: string } }).cause?.message)).toContain('Search attributes holds the number NaN');
  });

  it('replays a history written before the check the old way, and one written with it the new way', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { before } });
    await env.execute(before, { workflowId: 'old' });
    const recorded = env.history('old');
    expect(recorded.some((event) => (event as { flags?: string[] }).flags?.includes('payloadShape'))).toBe(true);
    // Written by a Duro without the flag: the new code replays it without a divergence.
    await expect(replayHistory({ now }, withoutFlags(recorded))).resolves.toBeUndefined();
    // Written with the flag: the new code refuses NaN, so it diverges from a history that recorded the upsert.
    await expect(replayHistory({ now }, recorded)).rejects.toThrow();
  });
});
