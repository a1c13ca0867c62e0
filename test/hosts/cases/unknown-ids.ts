// Refusals of calls on ids that never ran and of starts of types no host registered.
import { describe, expect, it } from 'vitest';
import { answered, refused, uniqueId, type CaseArea } from './helpers';

export const unknownIdCases: CaseArea = ({ on }) => {
  describe('unknown ids and types', () => {
    it('answers duro:workflow-not-found for an id that never ran, and for an unknown run of one that did', async () => {
      const id = uniqueId('never-started');
      expect(refused(await on(id).describe({}))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).history({}))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).result({ waitMs: 0, followRuns: true }))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).signal({ name: 'finish', args: [] }))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).query({ name: 'items', args: [] }))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).terminate({}))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(id).reset({ eventId: 2 }))).toMatchObject({ type: 'duro:workflow-not-found' });

      const known = uniqueId('known');
      answered(await on(known).start({ workflowType: 'waiter', workflowId: known }));
      expect(refused(await on(known).describe({ runId: 'no-such-run' }))).toMatchObject({ type: 'duro:workflow-not-found' });
      expect(refused(await on(known).history({ runId: 'no-such-run' }))).toMatchObject({ type: 'duro:workflow-not-found' });
    });

    it('answers duro:workflow-type-not-found for a start of an unregistered type, and starts nothing', async () => {
      const id = uniqueId('no-such-type');
      expect(refused(await on(id).start({ workflowType: 'noSuchWorkflow', workflowId: id }))).toMatchObject({ type: 'duro:workflow-type-not-found' });
      expect(refused(await on(id).describe({}))).toMatchObject({ type: 'duro:workflow-not-found' });
    });
  });
};
