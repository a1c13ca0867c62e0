// Errors from workflow code, with Temporal's rule: a Duro failure (an ApplicationFailure) or an error the definition
// lists in failureTypes fails the run; any other error (a bug: a TypeError) fails the workflow task, and the run
// stays open, blocked, and is retried.
import { describe, expect, it } from 'vitest';
import type { WorkflowTaskFailed } from '../../../src/core/history';
import { answered, uniqueId, type CaseArea } from './helpers';

export const errorCases: CaseArea = ({ on, resultOf, historyOf, typesOf, describeOf, eventually }) => {
  describe('errors from workflow code', () => {
    it('fails the workflow task, not the run, when workflow code throws a TypeError: the run stays running, blocked', async () => {
      const id = uniqueId('type-error');
      answered(await on(id).start({ workflowType: 'throwsTypeError', workflowId: id }));
      // Only the first failure: the task is retried after 1 s and 2 s, virtual time on one host and real on the others.
      const failed = await eventually('a WorkflowTaskFailed', async () =>
        (await historyOf(id)).find((event): event is WorkflowTaskFailed => event.type === 'WorkflowTaskFailed'));
      expect(failed).toMatchObject({ reason: 'workflowError', failure: { type: 'TypeError' } });
      expect(await describeOf(id)).toMatchObject({ status: 'running', blockedReason: expect.stringMatching(/Workflow code threw TypeError/) });
      expect(await typesOf(id)).not.toContain('WorkflowExecutionFailed');
      // Nothing left to retry once the case is over.
      answered(await on(id).terminate({ reason: 'end of the case' }));
    });

    it('fails the run when workflow code throws an ApplicationFailure', async () => {
      const id = uniqueId('application-failure');
      const { runId } = answered(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'fail' } }));
      expect(await resultOf(id)).toMatchObject({ status: 'failed', runId, failure: { type: 'AskedToFail', message: 'asked to fail', nonRetryable: true } });
      const types = await typesOf(id);
      expect(types).not.toContain('WorkflowTaskFailed');
      expect(types.at(-1)).toBe('WorkflowExecutionFailed');
    });

    it('fails the run when workflow code throws an error whose name the definition lists in failureTypes', async () => {
      const id = uniqueId('failure-types');
      // `rejectsOrder` is defined with { failureTypes: ['OrderRejected'] } and throws an Error named OrderRejected.
      const { runId } = answered(await on(id).start({ workflowType: 'rejectsOrder', workflowId: id }));
      expect(await resultOf(id)).toMatchObject({ status: 'failed', runId, failure: { type: 'OrderRejected', message: 'card declined' } });
      const types = await typesOf(id);
      expect(types).not.toContain('WorkflowTaskFailed');
      expect(types.at(-1)).toBe('WorkflowExecutionFailed');
    });
  });
};
