// The cases of hosts that can lose what they hold in memory (a crash, an eviction, a page reload); skipped
// on the others.
import { describe, expect, it } from 'vitest';
import { answered, uniqueId, type CaseArea } from './helpers';

export const restartCases: CaseArea = (t) => {
  const { on, resultOf, typesOf, describeOf, queryItems, eventually } = t;
  describe('restarts (hosts that can lose their memory)', () => {
    it('fires a timer whose host restarted while it waited', async ({ skip }) => {
      if (!t.host.restart) return skip('this host keeps everything in memory');
      const id = uniqueId('timer-restart');
      const { runId } = answered(await on(id).start({ workflowType: 'sleeper', workflowId: id, input: { duration: '300ms' } }));
      await t.host.restart(id);
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: 'woke' });
      expect(await typesOf(id)).toEqual(['WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted', 'TimerFired', 'WorkflowExecutionCompleted']);
    });

    it('records a signal re-sent with its requestId after a restart once', async ({ skip }) => {
      if (!t.host.restart) return skip('this host keeps everything in memory');
      const id = uniqueId('signal-dedupe-restart');
      answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
      answered(await on(id).signal({ name: 'addItem', args: ['fig'], requestId: 'fig-1' }));
      await t.host.restart(id);
      answered(await on(id).signal({ name: 'addItem', args: ['fig'], requestId: 'fig-1' }));
      expect(await queryItems(id)).toEqual(['fig']);
      expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(1);
    });

    it('delivers a signal to the workflow id to the run continued as new before a restart', async ({ skip }) => {
      if (!t.host.restart) return skip('this host keeps everything in memory');
      const id = uniqueId('relay-restart');
      const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 1 } }));
      await eventually('the next run', async () => (await describeOf(id)).runId !== firstRunId);
      await t.host.restart(id);
      answered(await on(id).signal({ name: 'addItem', args: ['after the restart'] }));
      answered(await on(id).signal({ name: 'finish', args: [] }));
      const result = await resultOf(id, { runId: firstRunId });
      expect(result).toMatchObject({ status: 'completed', result: { heard: ['after the restart'] } });
      expect(result.runId).not.toBe(firstRunId);
    });
  });
};
