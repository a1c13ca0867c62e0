// Determinism without a sandbox (issue 17): inside workflow code, Math.random is the run's seeded random, Date.now()
// and new Date() are workflow time, setTimeout and clearTimeout are durable timers, as Temporal's sandbox makes them;
// outside workflow code every one of them is the real one. A rejection workflow code leaves unhandled fails the
// workflow task, not the process.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, WorkflowBlockedError, defineQuery, defineSignal, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const noop = defineWorkflow('noop', async () => 'ok');
const draws = defineWorkflow('draws', async (ctx) => {
  const first = Math.random();
  await ctx.sleep('1 hour');
  // A command that depends on a draw (replay compares child ids): a different draw on replay diverges.
  await ctx.executeChild(noop, { workflowId: `child-${Math.random()}` });
  return { first, second: Math.random(), ctxRandom: ctx.random() };
});

const clocks = defineWorkflow('clocks', async (ctx) => {
  await ctx.sleep('3 days');
  const viaDate = new Date();
  return { now: ctx.now(), dateNow: Date.now(), newDate: viaDate.getTime(), dateString: Date(), isDate: viaDate instanceof Date };
});

const usesSetTimeout = defineWorkflow('usesSetTimeout', async (ctx) => {
  const fired: string[] = [];
  await new Promise<void>((resolve) => setTimeout(() => {
    fired.push('a');
    resolve();
  }, 60_000));
  const cleared = setTimeout(() => fired.push('never'), 1_000);
  clearTimeout(cleared);
  await ctx.sleep('2s');
  return { fired, at: ctx.now() - ctx.info().runStartTime };
});

const go = defineSignal('go');
const floatingRejection = defineWorkflow('floatingRejection', async (ctx) => {
  let going = false;
  ctx.setHandler(go, () => void (going = true));
  await ctx.condition(() => going);
  // A promise of the workflow's own that nobody handles: a bug, as Temporal treats it.
  void (async () => {
    await ctx.sleep('1ms');
    throw ApplicationFailure.create({ message: 'nobody is listening' });
  })();
  await ctx.sleep('1 hour');
  return 'done';
});

const awaitsLater = defineWorkflow('awaitsLater', async (ctx) => {
  const acts = ctx.proxyActivities<{ fails(): Promise<void>; slow(): Promise<string> }>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 1 } });
  const failing = acts.fails(); // rejects while the workflow awaits the other one
  const slow = await acts.slow();
  const outcome = await failing.then(() => 'ok', (error: Error) => `caught: ${error.message}`);
  return { slow, outcome };
});

/** As recorded before the guards (test/fixtures/histories/ambient-before-guards.json): Math.random then ctx.random. */
const ambientChild = defineWorkflow('ambientChild', async () => 'ok');
const ambientBeforeGuards = defineWorkflow('ambientBeforeGuards', async (ctx) => {
  const wall = Math.random() + Date.now();
  await ctx.sleep(1000 + Math.floor(ctx.random() * 1000));
  const id = ctx.uuid();
  await ctx.executeChild(ambientChild, { workflowId: `child-${id}` });
  return wall > 0;
});

const peek = defineQuery<string>('peek');
const queryLeavesRejection = defineWorkflow('queryLeavesRejection', async (ctx) => {
  let going = false;
  ctx.setHandler(go, () => void (going = true));
  ctx.setHandler(peek, () => {
    void Promise.reject(new Error('a query left this unhandled'));
    return 'peeked';
  });
  await ctx.condition(() => going);
  await ctx.sleep('1s');
  return 'done';
});

const workflows = { noop, draws, ambientChild, ambientBeforeGuards, queryLeavesRejection, clocks, usesSetTimeout, floatingRejection, awaitsLater };
const activities = {
  async fails(): Promise<void> {
    throw new Error('boom');
  },
  async slow(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return 'slow done';
  },
};

describe('determinism guards (Math.random, Date, setTimeout in workflow code)', () => {
  it('Math.random in workflow code draws the run seeded sequence, the same on replay', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(draws, { workflowId: 'draws' });
    const result = await handle.result();
    expect(result.first).not.toBe(result.second);
    for (const value of [result.first, result.second, result.ctxRandom]) expect(value).toBeGreaterThanOrEqual(0);
    // Replay runs the code again on the recorded seed: the same draws, so the same result.
    await expect(replayHistory(workflows, await handle.fetchHistory())).resolves.toBeUndefined();
    const again = await env.start(draws, { workflowId: 'draws-2' });
    expect((await again.result()).first).not.toBe(result.first); // another run, another seed
  });

  it('Date.now(), new Date() and Date() in workflow code read workflow time, not the wall clock', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const result = await env.execute(clocks);
    expect(result.dateNow).toBe(result.now);
    expect(result.newDate).toBe(result.now);
    expect(result.isDate).toBe(true);
    expect(result.dateString).toBe(new Date(result.now).toString());
    expect(result.now - Date.now()).toBeGreaterThan(2.9 * 24 * 3_600_000); // three virtual days ahead of the wall clock
  });

  it('outside workflow code the globals are the real ones', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    await env.execute(clocks);
    const before = Date.now();
    expect(Math.abs(new Date().getTime() - before)).toBeLessThan(1_000);
    expect(new Date(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(new Date().constructor).toBe(Date);
    await new Promise((resolve) => setTimeout(resolve, 1)); // a real timer still works
  });

  it('setTimeout in workflow code is a durable timer, and clearTimeout cancels it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(usesSetTimeout, { workflowId: 'timeouts' });
    expect(await handle.result()).toEqual({ fired: ['a'], at: 62_000 });
    const history = await handle.fetchHistory();
    const timers = history.filter((event) => event.type === 'TimerStarted').map((event) => (event as { durationMs: number }).durationMs);
    expect(timers).toEqual([60_000, 2_000]); // the cleared one was started and cancelled at once: not recorded
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });
});

describe('histories recorded before the guards (EngineFlag.AmbientGlobals)', () => {
  it('replay with the real globals, so ctx.random() and ctx.uuid() draw what they drew', async () => {
    const history = JSON.parse(readFileSync(new URL('../../fixtures/histories/ambient-before-guards.json', import.meta.url), 'utf8')) as HistoryEvent[];
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });
});

describe('unhandled rejections in workflow code', () => {
  it('one a query leaves behind fails no activation: only an activation\'s own count', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(queryLeavesRejection, { workflowId: 'query-leftovers' });
    expect(await handle.query(peek)).toBe('peeked');
    await new Promise((resolve) => setTimeout(resolve, 10)); // the rejection is reported meanwhile
    await handle.signal(go);
    expect(await handle.result()).toBe('done');
    expect((await handle.fetchHistory()).filter((event) => event.type === 'WorkflowTaskFailed')).toEqual([]);
  });

  it('a rejection of a promise Duro handed out, awaited later, is not unhandled', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(awaitsLater, { workflowId: 'awaits-later' });
    expect(await handle.result()).toEqual({ slow: 'slow done', outcome: expect.stringContaining('caught:') });
    // Not even one failed task on the way (a retry would have healed it: by then both outcomes share an activation).
    expect((await handle.fetchHistory()).filter((event) => event.type === 'WorkflowTaskFailed')).toEqual([]);
  });
});

describe('unhandled rejections of workflow code own promises', () => {
  it('fail the workflow task and never reach the process', async () => {
    // Vitest reports any rejection the process sees as an error of the run: this test failing that way is the bug.
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(floatingRejection, { workflowId: 'floating' });
    await handle.signal(go);
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect((error as Error).message).toContain('Unhandled rejection in workflow code: ApplicationFailure: nobody is listening');
    const failed = (await handle.fetchHistory()).find((event) => event.type === 'WorkflowTaskFailed');
    expect(failed).toMatchObject({ reason: 'workflowError', failure: { message: 'nobody is listening' } });
  });
});
