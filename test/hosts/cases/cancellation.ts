// Cancellation: of the workflow, and of the cancellation scopes inside it, with Temporal's rules (a scope's work stays
// cancellable after its run() returned; a non-cancellable scope ignores cancel(); a child cancelled before it started
// is not started).
import { describe, expect, it } from 'vitest';
import type { ActivityTaskCompleted } from '../../../src/core/history';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const cancellationCases: CaseArea = ({ on, resultOf, historyOf, typesOf, eventually }) => {
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
    it('cancels a timer started in a cancellable scope whose run() already returned, when the workflow is cancelled', async () => {
      const id = uniqueId('scoped-timer');
      // `scopedSleeper` awaits, outside the scope, a one-hour timer started inside it.
      const { runId } = answered(await on(id).start({ workflowType: 'scopedSleeper', workflowId: id }));
      await eventually('the timer started', async () => (await typesOf(id)).includes('TimerStarted'));
      answered(await on(id).cancel({ reason: 'conformance' }));
      expect(await resultOf(id)).toMatchObject({ status: 'canceled', runId, failure: { type: 'CancelledFailure' } });
      const types = await typesOf(id);
      expect(types).toContain('TimerCanceled');
      expect(types).not.toContain('TimerFired');
      expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
    });

    it('cancels nothing on cancel() of a non-cancellable scope: neither its timer nor its cancellable child scope\'s', async () => {
      const id = uniqueId('cancel-shielded');
      const { runId } = answered(await on(id).start({ workflowType: 'cancelsShielded', workflowId: id }));
      expect(await resultOf(id)).toEqual({
        status: 'completed', runId, result: { own: 'slept', inner: 'slept', consideredCancelled: false, innerConsideredCancelled: false },
      });
      const types = await typesOf(id);
      expect(types.filter((type) => type === 'TimerFired')).toHaveLength(2);
      expect(types).not.toContain('TimerCanceled');
    });

    it('runs cleanup in a non-cancellable scope after the workflow is cancelled, then closes as canceled', async () => {
      const id = uniqueId('cleans-up');
      const { runId } = answered(await on(id).start({ workflowType: 'cleansUp', workflowId: id }));
      await eventually('the timer started', async () => (await typesOf(id)).includes('TimerStarted'));
      answered(await on(id).cancel({ reason: 'conformance' }));
      expect(await resultOf(id)).toMatchObject({ status: 'canceled', runId, failure: { type: 'CancelledFailure' } });
      const events = await historyOf(id);
      const steps = ['WorkflowExecutionCancelRequested', 'TimerCanceled', 'ActivityTaskScheduled', 'ActivityTaskCompleted', 'WorkflowExecutionCanceled'];
      expect(events.map((event) => event.type).filter((type) => steps.includes(type))).toEqual(steps);
      expect(events.find((event): event is ActivityTaskCompleted => event.type === 'ActivityTaskCompleted')).toMatchObject({ result: 'cleaned up' });
    });

    it('does not start a child whose scope is cancelled in the activation that started it', async () => {
      const parentId = uniqueId('child-cancelled-at-once');
      const childId = `${parentId}-child`;
      const { runId } = answered(await on(parentId).start({ workflowType: 'cancelsChildAtOnce', workflowId: parentId, input: { childId } }));
      expect(await resultOf(parentId)).toEqual({ status: 'completed', runId, result: 'ChildWorkflowFailure(CancelledFailure)' });
      const childEvents = ['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed', 'ExternalCancelInitiated'];
      expect((await typesOf(parentId)).filter((type) => childEvents.includes(type))).toEqual([]);
      expect(refused(await on(childId).describe({}))).toMatchObject({ type: 'duro:workflow-not-found' });
    });
  });
};
