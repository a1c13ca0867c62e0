// Updates: deduplication by updateId, validators, and updates that finish as the workflow closes.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const updateCases: CaseArea = ({ on, resultOf, historyOf, typesOf, queryItems }) => {
  describe('updates', () => {
    it('runs an update sent twice with one updateId once, answering the same outcome both times', async () => {
      const id = uniqueId('update-dedupe');
      answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
      const update = { name: 'addChecked', args: ['pear', 2], updateId: 'pear-2', wait: 'completed' as const };
      expect(answered(await on(id).update(update))).toEqual({ updateId: 'pear-2', outcome: { result: 1 } });
      expect(answered(await on(id).update(update))).toEqual({ updateId: 'pear-2', outcome: { result: 1 } });
      expect(answered(await on(id).update({ ...update, updateId: 'pear-3' }))).toEqual({ updateId: 'pear-3', outcome: { result: 2 } });
      expect(refused(await on(id).update({ ...update, args: ['plum', 0], updateId: 'plum-0' }))).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'InvalidQuantity' } });
      expect(await queryItems(id)).toEqual(['2 x pear', '2 x pear']);
      const types = await typesOf(id);
      expect(types.filter((type) => type === 'UpdateAccepted')).toHaveLength(2);
      expect(types.filter((type) => type === 'UpdateCompleted')).toHaveLength(2);
    });
    it('records nothing for an update its validator rejects', async () => {
      const id = uniqueId('update-rejected');
      answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
      const before = await typesOf(id);
      expect(refused(await on(id).update({ name: 'addChecked', args: ['plum', 0], updateId: 'plum-0', wait: 'completed' })))
        .toMatchObject({ type: 'duro:update-rejected', failure: { type: 'InvalidQuantity' } });
      expect(await typesOf(id)).toEqual(before);
      expect(await queryItems(id)).toEqual([]);
    });

    it('answers an update that completes after the workflow returned in the same activation, recording it before the close', async () => {
      const id = uniqueId('update-after-return');
      const { runId } = answered(await on(id).start({ workflowType: 'returnsBeforeUpdate', workflowId: id }));
      expect(answered(await on(id).update({ name: 'finishUpdate', args: [], updateId: 'finish-1', wait: 'completed' })))
        .toEqual({ updateId: 'finish-1', outcome: { result: 'updated' } });
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: 'workflow done' });
      expect((await typesOf(id)).slice(-2)).toEqual(['UpdateCompleted', 'WorkflowExecutionCompleted']);
    });

    it('hands the update handler the arguments as sent, not as its validator changed them', async () => {
      const id = uniqueId('validator-mutates');
      const { runId } = answered(await on(id).start({ workflowType: 'validatorMutates', workflowId: id }));
      expect(answered(await on(id).update({ name: 'push', args: [[1, 2]], updateId: 'push-1', wait: 'completed' })))
        .toEqual({ updateId: 'push-1', outcome: { result: [1, 2] } });
      expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: [1, 2] });
      expect((await historyOf(id)).find((event) => event.type === 'UpdateAccepted')).toMatchObject({ args: [[1, 2]] });
    });
  });
};
