// Signals and cancels to another workflow that has closed answer as the Durable Object host does: a signal is
// refused (WorkflowClosed), a cancel has nothing left to do and succeeds.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, defineSignal, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const ping = defineSignal('ping');
const done = defineWorkflow('done', async () => 'done');

const messenger = defineWorkflow('messenger', async (ctx, input: { target: string }) => {
  const other = ctx.getExternalWorkflowHandle(input.target);
  let signal: string;
  try {
    await other.signal(ping);
    signal = 'delivered';
  } catch (error) {
    signal = ((error as ApplicationFailure).cause as ApplicationFailure | undefined)?.type ?? (error as ApplicationFailure).type;
  }
  await other.cancel();
  return { signal, cancel: 'delivered' };
});

describe('messages to a closed workflow', () => {
  it('refuse a signal as WorkflowClosed and take a cancel as done', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { done, messenger } });
    expect(await env.execute(done, { workflowId: 'target' })).toBe('done');
    expect(await env.execute(messenger, { workflowId: 'm', input: { target: 'target' } })).toEqual({ signal: 'WorkflowClosed', cancel: 'delivered' });
  });
});
