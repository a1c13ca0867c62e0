// The determinism guards: inside workflow code, Math.random() is the run's seeded random (the sequence ctx.random()
// draws), Date.now() and new Date() are workflow time (ctx.now()), and setTimeout/clearTimeout are durable timers.
// Every host here runs workflow code where the guards are on (Node, workerd with nodejs_compat).
import { describe, expect, it } from 'vitest';
import type { TimerStarted, WorkflowExecutionStarted } from '../../../src/core/history';
import { seededRandom } from '../../../src/core/random';
import { answered, uniqueId, type CaseArea } from './helpers';

interface Draws {
  drawn: { random: number[]; dateNow: number };
  random: number;
  ctxNow: number;
  dateNow: number;
  newDate: number;
}

export const determinismCases: CaseArea = (t) => {
  const { on, resultOf, historyOf } = t;
  describe('determinism of workflow code', () => {
    it('draws Math.random() in workflow code from the run\'s seeded sequence, the one ctx.random() draws from', async () => {
      const id = uniqueId('ambient-random');
      answered(await on(id).start({ workflowType: 'ambientDraws', workflowId: id, input: { duration: '50ms' } }));
      const { result } = await resultOf(id) as { result: Draws };
      const started = (await historyOf(id))[0] as WorkflowExecutionStarted;
      // Math.random(), ctx.random(), Math.random() in the first activation, Math.random() after the timer.
      const sequence = seededRandom(started.randomnessSeed);
      expect([...result.drawn.random, result.random]).toEqual([sequence(), sequence(), sequence(), sequence()]);
      for (const value of [...result.drawn.random, result.random]) {
        expect(value).toBeGreaterThanOrEqual(0);
        expect(value).toBeLessThan(1);
      }
    });

    it('reads workflow time from Date.now() and new Date() in workflow code, as ctx.now()', async () => {
      const id = uniqueId('ambient-time');
      answered(await on(id).start({ workflowType: 'ambientDraws', workflowId: id, input: { duration: '50ms' } }));
      const { result } = await resultOf(id) as { result: Draws };
      expect(result.dateNow).toBe(result.ctxNow);
      expect(result.newDate).toBe(result.ctxNow);
      const events = await historyOf(id);
      // The first activation's time is the one its end records (the start's, or a millisecond or so later on a busy
      // host); the last one's is at least the timer's 50 ms later (virtual time on the memory host, where the real
      // clock barely moves).
      const firstActivationEnd = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
      expect(result.drawn.dateNow).toBe(firstActivationEnd.timestamp);
      expect(result.drawn.dateNow).toBeGreaterThanOrEqual(events[0]!.timestamp);
      expect(result.dateNow - result.drawn.dateNow).toBeGreaterThanOrEqual(50);
    });

    it('gives the values Math.random() and Date.now() gave in an activation again when the run is replayed after a restart', async ({ skip }) => {
      if (!t.host.restart) return skip('this host keeps everything in memory: nothing is replayed');
      const id = uniqueId('ambient-replay');
      answered(await on(id).start({ workflowType: 'ambientDraws', workflowId: id, input: { duration: '300ms' } }));
      const drawn = answered(await on(id).query({ name: 'drawn', args: [] })).result;
      await t.host.restart(id);
      // The run finishes on the values its first activation computed again while replaying.
      const { result } = await resultOf(id) as { result: Draws };
      expect(result.drawn).toEqual(drawn);
    });

    it('runs setTimeout in workflow code as a durable timer, and clearTimeout cancels one', async () => {
      const id = uniqueId('ambient-timeout');
      // `timeoutSleeper` awaits a 100 ms setTimeout and then clears a one-hour one.
      const { runId } = answered(await on(id).start({ workflowType: 'timeoutSleeper', workflowId: id, input: { ms: 100 } }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: { elapsed: expect.any(Number), clearedFired: false } });
      const { result } = await resultOf(id) as { result: { elapsed: number } };
      expect(result.elapsed).toBeGreaterThanOrEqual(100);
      const events = await historyOf(id);
      expect(events.filter((event): event is TimerStarted => event.type === 'TimerStarted').map((event) => event.durationMs)).toEqual([3_600_000, 100]);
      const types = events.map((event) => event.type);
      expect(types.filter((type) => type === 'TimerFired')).toHaveLength(1);
      expect(types.filter((type) => type === 'TimerCanceled')).toHaveLength(1);
    });
  });
};
