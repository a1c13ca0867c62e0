// Continue-as-new: a run ends and a fresh run of the same workflow id starts with new input and an empty history.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineWorkflow, type WorkflowInfo } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const counter = defineWorkflow('counter', async (ctx, input: { n: number; max: number; seen: Array<Pick<WorkflowInfo, 'runId' | 'firstRunId' | 'continuedFromRunId'>> }) => {
  const { runId, firstRunId, continuedFromRunId } = ctx.info();
  const seen = [...input.seen, { runId, firstRunId, ...(continuedFromRunId && { continuedFromRunId }) }];
  await ctx.sleep('1 day');
  if (input.n < input.max) await ctx.continueAsNew({ n: input.n + 1, max: input.max, seen });
  return { n: input.n, seen };
});

const item = defineSignal<[value: string]>('item');
const items = defineQuery<string[]>('items');

/** Run 1 sets no handler, so its signals are buffered; run 2 sets one and gets them. */
const relay = defineWorkflow('relay', async (ctx, input: { phase: number }) => {
  if (input.phase === 1) {
    await ctx.sleep('1 hour');
    return await ctx.continueAsNew({ phase: 2 });
  }
  const received: string[] = [];
  ctx.setHandler(item, (value) => void received.push(value));
  ctx.setHandler(items, () => received);
  await ctx.condition(() => received.length >= 3);
  return received;
});

const workflows = { counter, relay };

describe('continue-as-new', () => {
  it('follows the chain to the last run: handle.result() returns its result', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(counter, { input: { n: 0, max: 3, seen: [] } });
    const result = await handle.result();
    expect(result.n).toBe(3);
    expect(result.seen).toHaveLength(4);
  });

  it('starts each run with a new runId, the same firstRunId, and a link to the run it continued', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(counter, { input: { n: 0, max: 2, seen: [] } });
    const { seen } = await handle.result();

    const runIds = seen.map((s) => s.runId);
    expect(new Set(runIds).size).toBe(3);
    expect(runIds[0]).toBe(handle.runId);
    expect(seen.every((s) => s.firstRunId === handle.runId)).toBe(true);
    expect(seen.map((s) => s.continuedFromRunId)).toEqual([undefined, runIds[0], runIds[1]]);
  });

  it('closes the old run with WorkflowExecutionContinuedAsNew and gives the new run a fresh history that starts with the new input', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(counter, { input: { n: 0, max: 1, seen: [] } });
    await handle.result();

    const first = await handle.fetchHistory(handle.runId);
    const closing = first.at(-1)!;
    expect(closing.type).toBe('WorkflowExecutionContinuedAsNew');
    const newRunId = closing.type === 'WorkflowExecutionContinuedAsNew' ? closing.newRunId : '';
    expect(closing).toMatchObject({ input: { n: 1, max: 1 } });

    const second = await handle.fetchHistory(newRunId);
    expect(second[0]).toMatchObject({
      type: 'WorkflowExecutionStarted',
      eventId: 1,
      runId: newRunId,
      workflowType: 'counter',
      workflowId: handle.workflowId,
      continuedFromRunId: handle.runId,
      input: { n: 1, max: 1 },
    });
    // Nothing of the first run is carried over: the same shape, not the accumulated events.
    expect(second.map((e) => e.type)).toEqual(['WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted', 'TimerFired', 'WorkflowExecutionCompleted']);
    expect(await handle.fetchHistory()).toEqual(second); // the default is the latest run
  });

  it('leaves each run a history that replays on its own', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(counter, { input: { n: 0, max: 1, seen: [] } });
    await handle.result();
    const firstHistory = await handle.fetchHistory(handle.runId);
    await expect(replayHistory(workflows, firstHistory)).resolves.toBeUndefined();
    await expect(replayHistory(workflows, await handle.fetchHistory())).resolves.toBeUndefined();
  });

  it('reports the old run as continuedAsNew', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(counter, { input: { n: 0, max: 1, seen: [] } });
    await handle.result();
    expect((await handle.describe(handle.runId)).status).toBe('continuedAsNew');
    expect((await handle.describe()).status).toBe('completed');
  });

  it('carries signals buffered before continue-as-new over to the new run, in order', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(relay, { input: { phase: 1 } });
    await handle.signal(item, 'a');
    await handle.signal(item, 'b');

    await env.sleep('2 hours'); // run 1 continues as new; run 2 waits for a third item
    const closing = (await handle.fetchHistory(handle.runId)).at(-1);
    expect(closing).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', bufferedSignals: [{ signalName: 'item', args: ['a'] }, { signalName: 'item', args: ['b'] }] });
    expect(await handle.query(items)).toEqual(['a', 'b']);

    await handle.signal(item, 'c'); // goes to the latest run
    expect(await handle.result()).toEqual(['a', 'b', 'c']);
    const second = await handle.fetchHistory();
    // The carried signals are the new run's first inputs after its start, ahead of the one sent to it directly.
    const inputs = second.filter((e) => e.type !== 'WorkflowTaskCompleted');
    expect(inputs.slice(0, 4)).toMatchObject([
      { type: 'WorkflowExecutionStarted', input: { phase: 2 } },
      { type: 'SignalReceived', args: ['a'] },
      { type: 'SignalReceived', args: ['b'] },
      { type: 'SignalReceived', args: ['c'] },
    ]);
    await expect(replayHistory(workflows, second)).resolves.toBeUndefined();
  });
});
