// Child workflows and what their parent's close does to them (parentClosePolicy).
import { describe, expect, it } from 'vitest';
import { answered, uniqueId, type CaseArea } from './helpers';

export const childCases: CaseArea = (t) => {
  const { on, resultOf, historyOf, typesOf, describeOf, eventually } = t;
  describe('child workflows and their parent\'s close', () => {
    /** Waits until the child runs, as its parent's history records. */
    const childStarted = (parentId: string, childId: string) => eventually(`child ${childId} started`, async () => {
      const started = (await historyOf(parentId)).find((event) => event.type === 'ChildWorkflowStarted');
      return started !== undefined && (await describeOf(childId)).runId === started.runId && started;
    });

    it('terminates the child when its parent is terminated (TERMINATE, the default policy)', async () => {
      const parentId = uniqueId('patient-parent');
      const childId = `${parentId}-child`;
      answered(await on(parentId).start({ workflowType: 'patientParent', workflowId: parentId, input: { childId } }));
      await childStarted(parentId, childId);
      expect(await describeOf(childId)).toMatchObject({ status: 'running', parent: { workflowId: parentId } });
      answered(await on(parentId).terminate({ reason: 'conformance' }));
      expect(await resultOf(parentId)).toMatchObject({ status: 'terminated' });
      expect(await resultOf(childId)).toMatchObject({ status: 'terminated' });
      expect((await typesOf(childId)).at(-1)).toBe('WorkflowExecutionTerminated');
    });

    it('cancels the child when its parent closes under REQUEST_CANCEL', async () => {
      const parentId = uniqueId('parent-cancel');
      const childId = `${parentId}-child`;
      answered(await on(parentId).start({ workflowType: 'parent', workflowId: parentId, input: { childId, policy: 'REQUEST_CANCEL' } }));
      expect(await resultOf(parentId)).toMatchObject({ status: 'completed', result: childId });
      expect(await resultOf(childId)).toMatchObject({ status: 'canceled', failure: { type: 'CancelledFailure' } });
      const types = await typesOf(childId);
      expect(types).toContain('WorkflowExecutionCancelRequested');
      expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
    });

    it('leaves the child running when its parent closes under ABANDON', async () => {
      const parentId = uniqueId('parent-abandon');
      const childId = `${parentId}-child`;
      answered(await on(parentId).start({ workflowType: 'parent', workflowId: parentId, input: { childId, policy: 'ABANDON' } }));
      expect(await resultOf(parentId)).toMatchObject({ status: 'completed', result: childId });
      await childStarted(parentId, childId);
      await t.host.sleep(300);
      expect(await describeOf(childId)).toMatchObject({ status: 'running' });
      answered(await on(childId).signal({ name: 'finish', args: [] }));
      expect(await resultOf(childId)).toMatchObject({ status: 'completed', result: 'finished' });
    });
  });
};
