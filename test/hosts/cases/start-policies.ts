// Starting a workflow id that ran before or is running: idConflictPolicy and idReusePolicy.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const startPolicyCases: CaseArea = ({ on, resultOf, typesOf, describeOf }) => {
  describe('start policies', () => {
    it('refuses a second start of a running id (idConflictPolicy fail, the default) with duro:workflow-already-started', async () => {
      const id = uniqueId('conflict-fail');
      const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
      expect(first).toEqual({ workflowId: id, runId: expect.any(String), started: true });
      expect(refused(await on(id).start({ workflowType: 'waiter', workflowId: id }))).toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
      expect(refused(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'fail' }))).toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
      expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'running' });
      expect((await typesOf(id)).filter((type) => type === 'WorkflowExecutionStarted')).toHaveLength(1);
    });

    it('answers the running run with started: false under idConflictPolicy useExisting', async () => {
      const id = uniqueId('conflict-use');
      const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
      const again = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'useExisting' }));
      expect(again).toEqual({ workflowId: id, runId: first.runId, started: false });
      expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'running' });
      // The run is the same one, untouched: it still finishes when told to.
      answered(await on(id).signal({ name: 'finish', args: [] }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId: first.runId, result: 'finished' });
    });

    it('terminates the running run and starts a new one under idConflictPolicy terminateExisting', async () => {
      const id = uniqueId('conflict-terminate');
      const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
      const second = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'terminateExisting' }));
      expect(second).toMatchObject({ workflowId: id, started: true });
      expect(second.runId).not.toBe(first.runId);
      expect(await describeOf(id, first.runId)).toMatchObject({ runId: first.runId, status: 'terminated' });
      expect((await typesOf(id, first.runId)).at(-1)).toBe('WorkflowExecutionTerminated');
      expect(await resultOf(id, { runId: first.runId, followRuns: false, waitMs: 0 })).toMatchObject({ status: 'terminated', runId: first.runId });
      expect(await describeOf(id)).toMatchObject({ runId: second.runId, status: 'running' });
    });

    it('terminates the running run and starts a new one under idReusePolicy terminateIfRunning', async () => {
      const id = uniqueId('reuse-terminate-if-running');
      const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
      const second = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idReusePolicy: 'terminateIfRunning' }));
      expect(second.started).toBe(true);
      expect(second.runId).not.toBe(first.runId);
      expect(await describeOf(id, first.runId)).toMatchObject({ status: 'terminated' });
      expect(await describeOf(id)).toMatchObject({ runId: second.runId, status: 'running' });
    });

    it('refuses to reuse the id of a closed run under idReusePolicy rejectDuplicate, and reuses it by default', async () => {
      const id = uniqueId('reuse-reject');
      const first = answered(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' } }));
      expect(await resultOf(id)).toEqual({ status: 'completed', runId: first.runId, result: 'done' });
      expect(refused(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' }, idReusePolicy: 'rejectDuplicate' })))
        .toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
      expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'completed' });
      const again = answered(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' } }));
      expect(again.started).toBe(true);
      expect(again.runId).not.toBe(first.runId);
    });

    it('reuses the id of a failed or terminated run but not of a completed one under idReusePolicy allowDuplicateFailedOnly', async () => {
      const completed = uniqueId('reuse-failed-only-completed');
      const done = answered(await on(completed).start({ workflowType: 'visible', workflowId: completed, input: { outcome: 'complete' } }));
      expect(await resultOf(completed)).toMatchObject({ status: 'completed' });
      expect(refused(await on(completed).start({ workflowType: 'visible', workflowId: completed, idReusePolicy: 'allowDuplicateFailedOnly' })))
        .toMatchObject({ type: 'duro:workflow-already-started', runId: done.runId });

      const failed = uniqueId('reuse-failed-only-failed');
      const fail = answered(await on(failed).start({ workflowType: 'visible', workflowId: failed, input: { outcome: 'fail' } }));
      expect(await resultOf(failed)).toMatchObject({ status: 'failed', runId: fail.runId, failure: { type: 'AskedToFail' } });
      const afterFail = answered(await on(failed).start({ workflowType: 'visible', workflowId: failed, input: { outcome: 'complete' }, idReusePolicy: 'allowDuplicateFailedOnly' }));
      expect(afterFail.started).toBe(true);
      expect(await resultOf(failed)).toEqual({ status: 'completed', runId: afterFail.runId, result: 'done' });

      const terminated = uniqueId('reuse-failed-only-terminated');
      const term = answered(await on(terminated).start({ workflowType: 'waiter', workflowId: terminated }));
      answered(await on(terminated).terminate({ reason: 'make room' }));
      expect(await resultOf(terminated)).toMatchObject({ status: 'terminated', runId: term.runId });
      const afterTerminate = answered(await on(terminated).start({ workflowType: 'waiter', workflowId: terminated, idReusePolicy: 'allowDuplicateFailedOnly' }));
      expect(afterTerminate.started).toBe(true);
      expect(afterTerminate.runId).not.toBe(term.runId);
    });
  });
};
