// Runs continued as new: following the chain to its result, and messages to the workflow id reaching the new run.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const continueAsNewCases: CaseArea = ({ on, resultOf, historyOf, typesOf, describeOf, eventually }) => {
  describe('continue-as-new', () => {
    it('follows the chain to the last run\'s result with followRuns, and names the next run without', async () => {
      const id = uniqueId('countdown');
      const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'countdown', workflowId: id, input: { n: 2 } }));
      const followed = await resultOf(id, { runId: firstRunId });
      expect(followed).toMatchObject({ status: 'completed' });
      const { runs } = (followed as { result: { runs: string[] } }).result;
      expect(runs).toHaveLength(3);
      expect(new Set(runs).size).toBe(3);
      expect(runs[0]).toBe(firstRunId);
      expect(followed.runId).toBe(runs[2]);
      expect(await resultOf(id, { runId: firstRunId, followRuns: false, waitMs: 0 })).toEqual({ status: 'continuedAsNew', runId: firstRunId, newRunId: runs[1] });
      expect((await historyOf(id, firstRunId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', newRunId: runs[1] });
      expect(await describeOf(id)).toMatchObject({ runId: runs[2], status: 'completed' });
    });

    it('delivers signals addressed to the workflow id, or to the old run with followRuns, to the new run', async () => {
      const id = uniqueId('relay');
      const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 1 } }));
      const current = await eventually('the next run', async () => {
        const described = await describeOf(id);
        return described.runId !== firstRunId && described.runId;
      });
      answered(await on(id).signal({ name: 'addItem', args: ['to the id'] }));
      answered(await on(id).signal({ name: 'addItem', args: ['to the first run, followed'], runId: firstRunId, followRuns: true }));
      expect(refused(await on(id).signal({ name: 'addItem', args: ['to the first run'], runId: firstRunId }))).toMatchObject({ type: 'duro:workflow-closed' });
      answered(await on(id).signal({ name: 'finish', args: [] }));
      expect(await resultOf(id, { runId: firstRunId })).toEqual({ status: 'completed', runId: current, result: { runId: current, heard: ['to the id', 'to the first run, followed'] } });
      expect(await typesOf(id, firstRunId)).not.toContain('SignalReceived');
      expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(3);
    });
  });
};
