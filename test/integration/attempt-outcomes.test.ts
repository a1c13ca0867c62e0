// An attempt whose outcome made a commit throw is failed for good on reload (ActivityOutcomeNotStored), not sent
// again as a lost attempt for ever — noted in a transaction of its own, in a real Durable Object's SQLite.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { AttemptOutcomes } from '../../durable-objects/attempt-outcomes';
import type { WorkflowRun } from '../../src/core/internals';

/** A fresh object of the repo's WorkflowExecution class: its constructor has made the tables. */
function freshObject() {
  const namespace = env.WORKFLOW_EXECUTION as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(`outcomes-${crypto.randomUUID()}`));
}

/** A run whose queue never settles: the outcomes handed to it stay in flight, as during a commit. */
const busyRun = { settleAttempt() {}, idle: () => new Promise<void>(() => undefined) } as unknown as WorkflowRun;

describe('AttemptOutcomes', () => {
  it('fails the one attempt a failed commit carried as non-retryable ActivityOutcomeNotStored on the next load, once', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const before = new AttemptOutcomes(state.storage);
      before.resolve(busyRun, { runId: 'run-1', activityId: '3', attempt: 2 }, { result: 'too much' });
      before.noteFailedCommit('run-1', new Error('string or blob too big'));
      const after = new AttemptOutcomes(state.storage); // the next instance
      expect(after.lostAttemptFailure('run-1', { activityId: '3', attempt: 2 })).toMatchObject({
        type: 'ActivityOutcomeNotStored', nonRetryable: true, message: expect.stringContaining('string or blob too big'),
      });
      expect(after.lostAttemptFailure('run-1', { activityId: '4', attempt: 1 })).toMatchObject({ type: 'ActivityLostOnRestart', nonRetryable: false });
      expect(new AttemptOutcomes(state.storage).lostAttemptFailure('run-1', { activityId: '3', attempt: 2 })).toMatchObject({ type: 'ActivityLostOnRestart' });
    });
  });

  it('notes nothing when the failed commit carried several outcomes: which one broke it cannot be told', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const before = new AttemptOutcomes(state.storage);
      before.resolve(busyRun, { runId: 'run-1', activityId: '3', attempt: 1 }, { result: 1 });
      before.resolve(busyRun, { runId: 'run-1', activityId: '4', attempt: 1 }, { failure: { kind: 'application', type: 'T', message: 'm', nonRetryable: false } });
      before.resolve(busyRun, { runId: 'run-2', activityId: '5', attempt: 1 }, { result: 1 }); // another run's: not counted
      before.noteFailedCommit('run-1', new Error('boom'));
      const after = new AttemptOutcomes(state.storage);
      for (const activityId of ['3', '4']) expect(after.lostAttemptFailure('run-1', { activityId, attempt: 1 })).toMatchObject({ type: 'ActivityLostOnRestart', nonRetryable: false });
    });
  });
});
