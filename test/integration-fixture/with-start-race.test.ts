// Signal-with-start and update-with-start whose run closes before it takes the message behave as if they came after
// the close: the message goes to a new run, never `409 workflow-closed`. The race needs a busy run: a signal's step
// waiting on its commit, a terminate queued behind it, then the with-start request, which sees the run still open and
// queues its message behind the terminate.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { executionStub, history, start, uniqueId } from './helpers';

type Reply = { ok: boolean; value?: { runId: string; started: boolean; outcome?: unknown }; problem?: { type: string } };
/** The execution object's RPC methods the race needs, called in one turn so their order is the queue's. */
interface Racing {
  signal(options: { name: string; args: unknown[] }): Promise<Reply>;
  terminate(options: { reason?: string }): Promise<Reply>;
  signalWithStart(request: Record<string, unknown>): Promise<Reply>;
  updateWithStart(request: Record<string, unknown>): Promise<Reply>;
}

/** Runs `withStart` on `workflowId`'s object while a signal's step is committing and a terminate waits behind it. */
async function behindATerminate(workflowId: string, withStart: (object: Racing) => Promise<Reply>): Promise<Reply> {
  return runInDurableObject(executionStub(workflowId), async (instance) => {
    const object = instance as unknown as Racing;
    const busy = object.signal({ name: 'addItem', args: ['first'] });
    const terminating = object.terminate({ reason: 'race' });
    const reply = await withStart(object);
    await Promise.all([busy, terminating]);
    return reply;
  });
}

describe('with-start requests whose run closes under them', () => {
  it('signal-with-start starts a new run with the signal, not a 409', async () => {
    const workflowId = uniqueId('race-signal');
    const first = await start('cart', workflowId);
    const reply = await behindATerminate(workflowId, (object) =>
      object.signalWithStart({ workflowType: 'cart', workflowId, signalName: 'addItem', signalArgs: ['apple'] }));
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, value: { started: true } });
    expect(reply.value!.runId).not.toBe(first);
    const signals = (await history(workflowId, reply.value!.runId)).filter((event) => event.type === 'SignalReceived');
    expect(signals).toHaveLength(1);
  });

  it('update-with-start starts a new run and updates it, not a 409', async () => {
    const workflowId = uniqueId('race-update');
    await start('cart', workflowId);
    const reply = await behindATerminate(workflowId, (object) =>
      object.updateWithStart({ workflowType: 'cart', workflowId, update: { name: 'addChecked', args: ['pear', 2] } }));
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true, value: { started: true, outcome: { result: 1 } } });
  });
});
