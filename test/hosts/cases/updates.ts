// Updates: deduplication by updateId, validators, and updates that finish as the workflow closes.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const updateCases: CaseArea = ({ on, typesOf, queryItems }) => {
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
  });
};
