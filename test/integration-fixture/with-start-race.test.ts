// Signal-with-start and update-with-start racing a terminate of the same workflow id behave as if they came after it:
// the message goes to a new run (or was taken by the old one before it closed), never `409 workflow-closed`.
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { executionStub, history, post, start, uniqueId } from './helpers';

type Reply = { ok: boolean; value?: { runId: string; started: boolean; outcome?: unknown }; problem?: { type: string } };
/** The execution object's RPC methods the race needs, called in one tick so the terminate is queued first. */
interface Racing {
  terminate(options: { reason?: string }): Promise<Reply>;
  signalWithStart(request: Record<string, unknown>): Promise<Reply>;
  updateWithStart(request: Record<string, unknown>): Promise<Reply>;
}

const body = (workflowId: string) => ({ workflowType: 'cart', workflowId });

describe('with-start requests racing a terminate', () => {
  it('a signal-with-start arriving at any moment of a terminate either reaches the old run or starts a new one, never a 409', async () => {
    const outcomes = new Set<string>();
    for (let ticks = 0; ticks < 40; ticks++) {
      const workflowId = uniqueId('race-ticks');
      await start('cart', workflowId);
      const signalled = await runInDurableObject(executionStub(workflowId), async (instance) => {
        const object = instance as unknown as Racing;
        const terminating = object.terminate({ reason: 'race' });
        for (let i = 0; i < ticks; i++) await Promise.resolve(); // the signal arrives this many microtasks into the terminate
        const reply = await object.signalWithStart({ ...body(workflowId), signalName: 'addItem', signalArgs: ['apple'] });
        await terminating;
        return reply;
      });
      expect(signalled, `after ${ticks} ticks: ${JSON.stringify(signalled)}`).toMatchObject({ ok: true });
      outcomes.add(signalled.value!.started ? 'new run' : 'old run');
      expect((await history(workflowId, signalled.value!.runId)).filter((event) => event.type === 'SignalReceived')).toHaveLength(1);
    }
    expect(outcomes.has('new run')).toBe(true);
  });

  it('an update-with-start arriving at any moment of a terminate runs on the old run or a new one, never a 409', async () => {
    for (let ticks = 0; ticks < 40; ticks++) {
      const workflowId = uniqueId('race-ticks-update');
      await start('cart', workflowId);
      const updated = await runInDurableObject(executionStub(workflowId), async (instance) => {
        const object = instance as unknown as Racing;
        const terminating = object.terminate({ reason: 'race' });
        for (let i = 0; i < ticks; i++) await Promise.resolve();
        const reply = await object.updateWithStart({ ...body(workflowId), update: { name: 'addChecked', args: ['pear', 2] } });
        await terminating;
        return reply;
      });
      expect(updated, `after ${ticks} ticks: ${JSON.stringify(updated)}`).toMatchObject({ ok: true, value: { outcome: { result: 1 } } });
    }
  });

  it('signal-with-start either signals the old run before it closes or starts a new one with the signal', async () => {
    for (let i = 0; i < 12; i++) {
      const workflowId = uniqueId('race-signal');
      const first = await start('cart', workflowId);
      const [terminated, signalled] = await Promise.all([
        post(`/v1/workflows/${workflowId}/terminate`, { reason: 'race' }),
        post('/v1/workflows/signal-with-start', { ...body(workflowId), signalName: 'addItem', signalArgs: ['apple'] }),
      ]);
      expect(terminated.status).toBe(202);
      const reply = (await signalled.json()) as { runId: string; started: boolean; type?: string };
      expect(signalled.status, JSON.stringify(reply)).toBe(200);
      // Wherever it went, that run recorded the signal.
      const events = await history(workflowId, reply.runId);
      expect(events.filter((event) => event.type === 'SignalReceived')).toHaveLength(1);
      expect(reply.started).toBe(reply.runId !== first);
    }
  });

  it('update-with-start either updates the old run before it closes or starts a new one and updates it', async () => {
    for (let i = 0; i < 12; i++) {
      const workflowId = uniqueId('race-update');
      await start('cart', workflowId);
      const [terminated, updated] = await Promise.all([
        post(`/v1/workflows/${workflowId}/terminate`, { reason: 'race' }),
        post('/v1/workflows/update-with-start', { ...body(workflowId), updateName: 'addChecked', updateArgs: ['pear', 2] }),
      ]);
      expect(terminated.status).toBe(202);
      const reply = (await updated.json()) as { outcome?: { result?: number } };
      expect(updated.status, JSON.stringify(reply)).toBe(200);
      expect(reply.outcome).toEqual({ result: 1 });
    }
  });
});
