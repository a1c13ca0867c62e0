// Replay: an exported history re-runs against the code; changed code is caught with a readable diff.
import { describe, expect, it } from 'vitest';
import { NonDeterminismError, defineQuery, defineSignal, defineWorkflow, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { UnexpectedCompletionError } from '../../../src/core/workflow-errors';

const activities = {
  async reserve(input: { sku: string }, _ctx: ActivityContext) {
    return `reserved ${input.sku}`;
  },
  async charge(input: { cents: number }, _ctx: ActivityContext) {
    return `charged ${input.cents}`;
  },
};

const proceed = defineSignal('proceed');

/** Calls `observe` with what it computed, during live runs and replays alike: the test sees what replay reproduces. */
function orderWorkflow(variant: 'v1' | 'swapped' | 'extraTimer' | 'fewerSteps' | 'renamedTimerless', observe: (result: string[]) => void = () => undefined) {
  return defineWorkflow('order', async (ctx, input: { sku: string; cents: number }) => {
    const { reserve, charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
    let proceeded = false;
    ctx.setHandler(proceed, () => void (proceeded = true));
    const steps: string[] = [];
    if (variant === 'swapped') {
      steps.push(await charge({ cents: input.cents }));
      steps.push(await reserve({ sku: input.sku }));
    } else {
      steps.push(await reserve({ sku: input.sku }));
      if (variant === 'extraTimer') await ctx.sleep('1 minute');
      if (variant !== 'fewerSteps') steps.push(await charge({ cents: input.cents }));
    }
    await ctx.condition(() => proceeded);
    await ctx.sleep('1 day');
    steps.push(`id ${ctx.uuid()}`, `at ${ctx.now()}`);
    observe(steps);
    return steps;
  });
}

async function recordHistory(): Promise<{ history: HistoryEvent[]; result: string[] }> {
  const env = await TestWorkflowEnvironment.create({ workflows: { order: orderWorkflow('v1') }, activities });
  const handle = await env.start('order', { input: { sku: 'sku-1', cents: 500 } });
  await env.sleep('1 hour');
  await handle.signal(proceed);
  const result = (await handle.result()) as string[];
  // Round-trip through JSON, as an exported history file would be.
  const history = JSON.parse(JSON.stringify(await handle.fetchHistory())) as HistoryEvent[];
  return { history, result };
}

describe('replayHistory', () => {
  it('replays an exported history with the same code', async () => {
    const { history } = await recordHistory();
    await expect(replayHistory({ order: orderWorkflow('v1') }, history)).resolves.toBeUndefined();
  });

  it('reproduces the recorded result: activity results, ctx.uuid() and ctx.now() come from history', async () => {
    const { history, result } = await recordHistory();
    let replayed: string[] | undefined;
    await replayHistory([orderWorkflow('v1', (steps) => (replayed = steps))], history);
    expect(replayed).toEqual(result);
    expect(history.at(-1)).toMatchObject({ type: 'WorkflowExecutionCompleted', result });
  });

  it('accepts the { events } shape of an exported history file', async () => {
    const { history } = await recordHistory();
    await expect(replayHistory({ order: orderWorkflow('v1') }, { events: history })).resolves.toBeUndefined();
  });

  it('raises NonDeterminismError with a diff when the code runs activities in a different order', async () => {
    const { history } = await recordHistory();
    const error = await replayHistory({ order: orderWorkflow('swapped') }, history).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(NonDeterminismError);
    const { diff } = error as NonDeterminismError;
    const scheduled = history.find((e) => e.type === 'ActivityTaskScheduled')!;
    expect(diff).toEqual({ eventId: scheduled.eventId, expected: 'ScheduleActivity(charge, seq 1)', recorded: 'ActivityTaskScheduled(reserve, seq 1)' });
    expect((error as Error).message).toContain(`at event ${scheduled.eventId}`);
    expect((error as Error).message).toContain('ctx.patched()');
  });

  it('raises NonDeterminismError when the code issues a command the history does not have', async () => {
    const { history } = await recordHistory();
    const error = (await replayHistory({ order: orderWorkflow('extraTimer') }, history).catch((e: unknown) => e)) as NonDeterminismError;

    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error.diff.expected).toBe('StartTimer(60000 ms, seq 1)');
    expect(error.diff.recorded).toBe('ActivityTaskScheduled(charge, seq 2)');
  });

  it('raises NonDeterminismError when the code no longer issues a recorded command', async () => {
    const { history } = await recordHistory();
    const error = (await replayHistory({ order: orderWorkflow('fewerSteps') }, history).catch((e: unknown) => e)) as NonDeterminismError;

    expect(error).toBeInstanceOf(NonDeterminismError);
    expect(error.diff.expected).toBe('nothing');
    expect(error.diff.recorded).toBe('ActivityTaskScheduled(charge, seq 2)');
    expect(history.find((e) => e.eventId === error.diff.eventId)?.type).toBe('ActivityTaskScheduled');
  });

  it('does not flag changed arguments: replay compares identities, not inputs', async () => {
    const { history } = await recordHistory();
    const tampered = history.map((e) => (e.type === 'ActivityTaskScheduled' ? { ...e, input: { sku: 'other', cents: 1 } } : e));
    await expect(replayHistory({ order: orderWorkflow('v1') }, tampered)).resolves.toBeUndefined();
  });

  it('fails on a completion of a command the workflow never issued, rather than dropping it', async () => {
    const { history } = await recordHistory();
    const tampered = history.map((e) => (e.type === 'ActivityTaskCompleted' && e.activityId === '1' ? { ...e, activityId: '9' } : e));
    const error = await replayHistory({ order: orderWorkflow('v1') }, tampered).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UnexpectedCompletionError);
    expect(error).toMatchObject({ kind: 'activity', seq: 9, message: expect.stringContaining('never started') });
  });

  it('rejects a history that does not start with WorkflowExecutionStarted, or names an unknown workflow', async () => {
    const { history } = await recordHistory();
    await expect(replayHistory({ order: orderWorkflow('v1') }, history.slice(1))).rejects.toThrow(/WorkflowExecutionStarted/);
    await expect(replayHistory({}, history)).rejects.toThrow(/'order'/);
  });
});

describe('live replay after eviction', () => {
  const state = defineQuery<{ ids: string[]; random: number; effect: number; at: number }>('state');
  const more = defineSignal('more');

  function setup() {
    let effectCalls = 0;
    const stateful = defineWorkflow('stateful', async (ctx) => {
      const ids = [ctx.uuid()];
      const random = ctx.random();
      const effect = await ctx.sideEffect(() => ++effectCalls * 1000);
      const at = ctx.now();
      ctx.setHandler(more, () => void ids.push(ctx.uuid()));
      ctx.setHandler(state, () => ({ ids, random, effect, at }));
      await ctx.sleep('7 days');
      return ids;
    });
    return { stateful, effectCalls: () => effectCalls };
  }

  it('answers a query with the same state before and after env.evict()', async () => {
    const { stateful, effectCalls } = setup();
    const env = await TestWorkflowEnvironment.create({ workflows: { stateful } });
    const handle = await env.start(stateful);
    await env.sleep('1 hour');
    await handle.signal(more);
    const before = await handle.query(state);

    env.evict(handle.workflowId);
    const after = await handle.query(state);

    expect(after).toEqual(before);
    expect(before.ids).toHaveLength(2);
    expect(effectCalls()).toBe(1); // the side effect ran once; replay took its value from the marker
  });

  it('keeps ctx.uuid() stable across eviction, and continues the random sequence where it left off', async () => {
    const { stateful } = setup();
    const env = await TestWorkflowEnvironment.create({ workflows: { stateful } });
    const handle = await env.start(stateful);
    await handle.signal(more);
    const before = await handle.query(state);

    env.evict(handle.workflowId);
    await handle.signal(more); // handled after replay: draws the next uuid of the same seeded sequence
    const result = await handle.result();

    expect(result.slice(0, 2)).toEqual(before.ids);
    expect(new Set(result).size).toBe(3);
    expect(result[2]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives different runs different uuids and random numbers', async () => {
    const { stateful } = setup();
    const env = await TestWorkflowEnvironment.create({ workflows: { stateful } });
    const a = await env.start(stateful);
    const b = await env.start(stateful);
    const [stateA, stateB] = [await a.query(state), await b.query(state)];
    expect(stateA.ids[0]).not.toBe(stateB.ids[0]);
    expect(stateA.random).not.toBe(stateB.random);
  });

  it('evicts every open run when no workflow id is given, and they all continue', async () => {
    const { stateful, effectCalls } = setup();
    const env = await TestWorkflowEnvironment.create({ workflows: { stateful } });
    const handles = [await env.start(stateful), await env.start(stateful)];
    env.evict();
    await env.sleep('8 days');
    for (const handle of handles) expect(await handle.result()).toHaveLength(1);
    expect(effectCalls()).toBe(2);
  });

  it('blocks, rather than fails, a run whose new code no longer matches its history', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { order: orderWorkflow('v1') }, activities });
    const handle = await env.start('order', { input: { sku: 'a', cents: 1 } });
    await env.sleep('1 minute');

    env.deploy({ workflows: { order: orderWorkflow('swapped') }, codeVersion: 'v2' });
    await handle.signal(proceed);
    const description = await handle.describe();

    expect(description.status).toBe('running');
    expect(description.blockedReason).toMatch(/Non-deterministic workflow/);
    const failedTask = (await handle.fetchHistory()).find((e) => e.type === 'WorkflowTaskFailed');
    expect(failedTask).toMatchObject({ reason: 'nonDeterminism', codeVersion: 'v2' });

    // Deploying code that matches the history again unblocks the run, and the recorded signal is delivered.
    env.deploy({ workflows: { order: orderWorkflow('v1') }, codeVersion: 'v3' });
    expect(await handle.result()).toEqual(expect.arrayContaining(['reserved a', 'charged 1']));
  });
});
