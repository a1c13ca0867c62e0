// Reset: a new run from a workflow task of the old one.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const resetCases: CaseArea = ({ on, resultOf, historyOf, typesOf, describeOf, queryItems }) => {
  describe('reset', () => {
    it('re-runs from a WorkflowTaskCompleted in a new run, terminating the old one and re-applying later signals', async () => {
      const id = uniqueId('reset');
      const { runId: oldRunId } = answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
      answered(await on(id).signal({ name: 'addItem', args: ['apple'] }));
      expect(await queryItems(id)).toEqual(['apple']);
      const events = await historyOf(id);
      const firstTask = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
      expect(firstTask.eventId).toBeLessThan(events.find((event) => event.type === 'SignalReceived')!.eventId);

      expect(refused(await on(id).reset({ eventId: 1, reason: 'not a task' }))).toMatchObject({ type: 'duro:bad-reset-point' });
      const { runId: newRunId } = answered(await on(id).reset({ eventId: firstTask.eventId, reason: 'conformance' }));
      expect(newRunId).not.toBe(oldRunId);
      expect(await describeOf(id, oldRunId)).toMatchObject({ status: 'terminated' });
      expect((await typesOf(id, oldRunId)).at(-1)).toBe('WorkflowExecutionTerminated');
      expect(await describeOf(id)).toMatchObject({ runId: newRunId, status: 'running' });
      // The signal came after the reset point: the new run received it again.
      expect(await queryItems(id)).toEqual(['apple']);
      expect(await typesOf(id, newRunId)).toContain('SignalReceived');
      answered(await on(id).signal({ name: 'checkout', args: [] }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId: newRunId, result: ['apple'] });
    });
  });
};
