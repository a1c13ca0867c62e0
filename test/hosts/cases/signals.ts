// Signals: buffered until a handler is set (and then handed to the handler set at each delivery), signal-with-start,
// deduplication by requestId.
import { describe, expect, it } from 'vitest';
import { answered, uniqueId, type CaseArea } from './helpers';

export const signalCases: CaseArea = ({ on, resultOf, typesOf, queryItems }) => {
  describe('signals', () => {
    it('buffers signals sent before the workflow sets its handlers, and delivers them once it does', async () => {
      const id = uniqueId('buffered');
      // `relay` with n: 0 sleeps 300 ms before it sets its handlers.
      const { runId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 0, duration: '300ms' } }));
      answered(await on(id).signal({ name: 'addItem', args: ['early'] }));
      answered(await on(id).signal({ name: 'finish', args: [] }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: { runId, heard: ['early'] } });
      const types = await typesOf(id);
      expect(types.filter((type) => type === 'SignalReceived')).toHaveLength(2);
      // Both were recorded while the timer (and so the run, without handlers) was still waiting.
      expect(types.lastIndexOf('SignalReceived')).toBeLessThan(types.indexOf('TimerFired'));
    });

    it('delivers the signal of signal-with-start to the run it starts', async () => {
      const id = uniqueId('signal-with-start');
      const started = answered(await on(id).signalWithStart({ workflowType: 'waiter', workflowId: id, signalName: 'finish', signalArgs: [] }));
      expect(started).toMatchObject({ workflowId: id, started: true });
      expect(await resultOf(id)).toEqual({ status: 'completed', runId: started.runId, result: 'finished' });
      expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(1);
    });

    it('records a signal sent twice with one requestId once', async () => {
      const id = uniqueId('signal-dedupe');
      answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
      expect(await on(id).signal({ name: 'addItem', args: ['apple'], requestId: 'apple-1' })).toEqual({ ok: true, value: null });
      expect(await on(id).signal({ name: 'addItem', args: ['apple'], requestId: 'apple-1' })).toEqual({ ok: true, value: null });
      answered(await on(id).signal({ name: 'addItem', args: ['pear'], requestId: 'pear-1' }));
      expect(await queryItems(id)).toEqual(['apple', 'pear']);
      expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(2);
    });
    it('hands buffered signals to the handler set at each delivery: one that removes itself takes one, the next takes the rest', async () => {
      const id = uniqueId('handler-removes-itself');
      // `handlerRemovesItself` sleeps 500 ms before it sets its first handler.
      const { runId } = answered(await on(id).start({ workflowType: 'handlerRemovesItself', workflowId: id, input: { duration: '500ms' } }));
      for (const n of [1, 2, 3]) answered(await on(id).signal({ name: 'ping', args: [n] }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: { first: [1], rest: [2, 3] } });
      const types = await typesOf(id);
      // All three were buffered: recorded while the first timer was still waiting.
      expect(types.filter((type) => type === 'SignalReceived')).toHaveLength(3);
      expect(types.lastIndexOf('SignalReceived')).toBeLessThan(types.indexOf('TimerFired'));
    });
  });
};
