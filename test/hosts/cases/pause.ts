// Pause: a paused run holds its due work until unpaused.
import { describe, expect, it } from 'vitest';
import { answered, uniqueId, type CaseArea } from './helpers';

export const pauseCases: CaseArea = (t) => {
  const { on, resultOf, typesOf, describeOf } = t;
  describe('pause', () => {
    it('holds a due timer while paused and fires it once unpaused', async () => {
      const id = uniqueId('paused-timer');
      answered(await on(id).start({ workflowType: 'sleeper', workflowId: id, input: { duration: '400ms' } }));
      expect(await on(id).pause({ reason: 'conformance' })).toEqual({ ok: true, value: null });
      expect(await describeOf(id)).toMatchObject({ status: 'running', paused: true, pendingTimers: [expect.anything()] });
      await t.host.sleep(900); // well past the timer
      expect(await describeOf(id)).toMatchObject({ status: 'running', paused: true, pendingTimers: [expect.anything()] });
      expect(await typesOf(id)).not.toContain('TimerFired');

      expect(await on(id).unpause({})).toEqual({ ok: true, value: null });
      expect(await resultOf(id)).toMatchObject({ status: 'completed', result: 'woke' });
      expect((await typesOf(id)).filter((type) => type === 'TimerFired')).toHaveLength(1);
      expect((await describeOf(id)).paused).toBeUndefined();
    });
  });
};
