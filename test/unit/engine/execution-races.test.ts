// Requests to one workflow id that overlap: with-start calls racing each other, a signal racing a reset, and an
// activity attempt that never returns after its run stopped waiting for it (it must not hold the test clock).
import { describe, expect, it } from 'vitest';
import { defineSignal, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const add = defineSignal<[item: string]>('add');

const collector = defineWorkflow('collector', async (ctx) => {
  const items: string[] = [];
  ctx.setHandler(add, (item) => void items.push(item));
  await ctx.condition(() => items.length >= 2);
  return items.sort();
});

const hangs = defineWorkflow('hangs', async (ctx) => {
  const { neverReturns } = ctx.proxyActivities<{ neverReturns(): Promise<void> }>({ startToCloseTimeout: '100ms', retry: { maximumAttempts: 1 } });
  await neverReturns().catch(() => undefined);
  return 'gave up';
});

const sleeper = defineWorkflow('sleeper', async (ctx) => {
  await ctx.sleep('10 minutes');
  return 'rested';
});

const workflows = { collector, hangs, sleeper };

describe('overlapping requests to one workflow id', () => {
  it('delivers both signals of two concurrent signal-with-starts to the one run they start', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const [first, second] = await Promise.all([
      env.signalWithStart(collector, { workflowId: 'c-1' }, add, 'a'),
      env.signalWithStart(collector, { workflowId: 'c-1' }, add, 'b'),
    ]);
    expect([first.started, second.started].sort()).toEqual([false, true]);
    expect(first.handle.runId).toBe(second.handle.runId);
    expect(await first.handle.result()).toEqual(['a', 'b']);
  });

  it('hands a signal sent while a reset is under way to the run the reset makes', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(collector, { workflowId: 'c-2' });
    await handle.signal(add, 'a');
    const [firstTask] = (await handle.fetchHistory()).filter((event) => event.type === 'WorkflowTaskCompleted');
    const reset = env.reset('c-2', firstTask!.eventId, 'operator');
    await handle.signal(add, 'b'); // reaches the execution while the old run is being terminated
    const newRunId = await reset;
    expect(await env.getHandle('c-2', newRunId).result()).toEqual(['a', 'b']);
  });

  it('does not let an attempt its run gave up on hold the clock, though its function never returns', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: { neverReturns: () => new Promise<void>(() => undefined) } });
    expect(await env.execute(hangs)).toBe('gave up');
    const started = Date.now();
    expect(await env.execute(sleeper)).toBe('rested');
    expect(Date.now() - started).toBeLessThan(5_000); // ten virtual minutes, skipped
  });
});
