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

  it('terminates the current run when the run addressed closed by continue-as-new meanwhile', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { summer } });
    const handle = await env.start(summer, { workflowId: 't', input: { sum: 0 } });
    await Promise.all([handle.signal(add, 1), handle.signal(add, 2), handle.signal(add, 3), handle.terminate('stop')]);
    await expect(handle.result()).rejects.toThrow('stop');
    expect(env.runOf('t').state.status).toBe('terminated');
  });
});
