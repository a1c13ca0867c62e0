// Temporal-style samples (test/fixtures/temporal/sample-workflows.ts) tested the way Temporal's documentation tests
// them: duro/temporal/testing's time-skipping environment, a Worker, and env.client.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/temporal/testing';
import { Worker } from 'duro/temporal/worker';
import { WorkflowFailedError } from 'duro/temporal/client';
import * as activities from '../../fixtures/temporal/sample-activities';
import { bookTripSaga, lock, lockUser, slidingWindow } from '../../fixtures/temporal/sample-workflows';

const workflowsPath = fileURLToPath(new URL('../../fixtures/temporal/sample-workflows.ts', import.meta.url));
let testEnv: TestWorkflowEnvironment;
let worker: Worker;

beforeAll(async () => {
  testEnv = await TestWorkflowEnvironment.createTimeSkipping();
});

// A worker runs once, as Temporal's does: one per test.
beforeEach(async () => {
  worker = await Worker.create({ connection: testEnv.nativeConnection, taskQueue: 'samples', workflowsPath, activities });
});

afterAll(async () => {
  await testEnv?.teardown();
});

describe('Temporal-style samples', () => {
  it('saga: undoes the bookings done, last first, when the flight fails', async () => {
    const { client } = testEnv;
    activities.journal.length = 0;
    await worker.runUntil(async () => {
      expect(await client.workflow.execute(bookTripSaga, { args: ['paris'], workflowId: 'trip-ok', taskQueue: 'samples' })).toEqual(['car-paris', 'hotel-paris', 'flight-paris']);
      const error = await client.workflow.execute(bookTripSaga, { args: ['no-flights'], workflowId: 'trip-ko', taskQueue: 'samples' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'TripFailed' });
    });
    expect(activities.journal.slice(3)).toEqual([
      'car:no-flights', 'hotel:no-flights', 'flight:no-flights', 'flight:no-flights', 'undo:hotel-no-flights', 'undo:car-no-flights',
    ]);
  });

  it('mutex: three workflows take a lock one at a time, across the lock\'s continue-as-new', async () => {
    const { client } = testEnv;
    await worker.runUntil(async () => {
      const lockHandle = await client.workflow.start(lock, { args: [2, []], workflowId: 'lock', taskQueue: 'samples' });
      const users = await Promise.all(['a', 'b', 'c'].map((name) => client.workflow.start(lockUser, { args: ['lock', 2], workflowId: `user-${name}`, taskQueue: 'samples' })));
      expect(await Promise.all(users.map((user) => user.result()))).toEqual(['user-a', 'user-b', 'user-c']);
      const grants = (await lockHandle.fetchHistory()).events.filter((event) => event.type === 'ExternalSignalInitiated');
      expect(grants.length).toBeGreaterThanOrEqual(1); // this run's; the first two grants were its predecessor's
      await lockHandle.terminate('done');
    });
  });

  it('sliding window: a batch of child workflows at most three at once, continued as new, sums every record', async () => {
    const { client } = testEnv;
    const total = 40;
    const expected = Array.from({ length: total }, (_, i) => i * 2).reduce((a, b) => a + b, 0);
    await worker.runUntil(async () => {
      expect(await client.workflow.execute(slidingWindow, { args: [total, 5, 3, 4], workflowId: 'window', taskQueue: 'samples' })).toBe(expected);
    });
  });
});
