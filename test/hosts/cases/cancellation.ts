// Cancellation: of the workflow, and of the cancellation scopes inside it.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const cancellationCases: CaseArea = ({ on, resultOf, typesOf }) => {
  describe('cancellation', () => {
    it('cancels a running workflow: its result is canceled, and it takes no more requests', async () => {
      const id = uniqueId('cancel');
      const { runId } = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
      expect(await on(id).cancel({ reason: 'conformance' })).toEqual({ ok: true, value: null });
      expect(await resultOf(id)).toMatchObject({ status: 'canceled', runId, failure: { type: 'CancelledFailure' } });
      const types = await typesOf(id);
      expect(types).toContain('WorkflowExecutionCancelRequested');
      expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
      expect(refused(await on(id).cancel({}))).toMatchObject({ type: 'duro:workflow-closed', workflowStatus: 'canceled' });
      expect(refused(await on(id).signal({ name: 'finish', args: [] }))).toMatchObject({ type: 'duro:workflow-closed' });
    });
  });
};
