// Messages addressed to a workflow id go to its current run: a signal, update, cancel or terminate that was queued
// while the run closed by continue-as-new (or a retry) is taken by the next run, never lost nor applied twice.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineUpdate, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const add = defineSignal<[n: number]>('add');
const total = defineQuery<number>('total');
const addUpdate = defineUpdate<number, [n: number]>('addUpdate');

/** Sums what it is sent, continuing as new after every 3 messages, carrying the sum. */
const summer = defineWorkflow('summer', async (ctx, input: { sum: number }) => {
  let sum = input.sum;
  let handled = 0;
  ctx.setHandler(add, (n) => void ((sum += n), handled++));
  ctx.setHandler(addUpdate, (n) => ((sum += n), handled++, sum));
  ctx.setHandler(total, () => sum);
  await ctx.condition(() => handled >= 3);
  return await ctx.continueAsNew({ sum });
});

describe('hand-over to the next run', () => {
  it('delivers every signal and update sent at once across many continue-as-new, exactly once', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { summer } });
    const handle = await env.start(summer, { workflowId: 's', input: { sum: 0 } });
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => handle.signal(add, i + 1)),
      ...Array.from({ length: 6 }, () => handle.executeUpdate(addUpdate, { args: [1000] })),
    ]);
    await env.sleep('1 second');
    expect(await handle.query(total)).toBe((30 * 31) / 2 + 6 * 1000);
  });

  it('terminates the next run when the terminate waited while the run continued as new', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { summer } });
    const handle = await env.start(summer, { workflowId: 't', input: { sum: 0 } });
    await handle.signal(add, 1);
    await handle.signal(add, 2);
    // The third signal's activation continues as new; the terminate arrives while it runs, so it waits behind it.
    const third = handle.signal(add, 3);
    const terminated = handle.terminate('stop');
    await Promise.all([third, terminated]);
    await expect(handle.result()).rejects.toThrow('stop');
    expect(env.runOf('t', handle.runId).state.status).toBe('continuedAsNew');
    expect(env.runOf('t').runId).not.toBe(handle.runId);
    expect(env.runOf('t').state.status).toBe('terminated');
  });

  it('records a repeated request once even when the copy waited while the run continued as new', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { summer } });
    const handle = await env.start(summer, { workflowId: 'd', input: { sum: 0 } });
    await handle.signal(add, 1);
    await handle.signal(add, 2);
    // Two copies of the third signal (same requestId), and two of an update (same updateId): one of each counts.
    await Promise.all([handle.signalWithRequestId('r3', add, 3), handle.signalWithRequestId('r3', add, 3)]);
    await Promise.all([handle.executeUpdate(addUpdate, { args: [100], updateId: 'u1' }), handle.executeUpdate(addUpdate, { args: [100], updateId: 'u1' })]);
    await env.sleep('1 second');
    expect(await handle.query(total)).toBe(1 + 2 + 3 + 100);
  });
});
