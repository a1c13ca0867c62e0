// The batchWithHeartbeats example: progress heartbeated per item, a dead first attempt (thrown, or silent until the
// heartbeat timeout) resumed by the retry from the last heartbeat, every item processed exactly once.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import { batchActivities, batchProcessCounts, batchWithHeartbeats } from '../../../examples/batch-with-heartbeats';

const create = () => TestWorkflowEnvironment.create({ workflows: { batchWithHeartbeats }, activities: batchActivities });
const onceEach = (items: number) => new Array<number>(items).fill(1);

describe('batchWithHeartbeats', () => {
  it('processes the whole batch in one attempt when nothing crashes', async () => {
    const env = await create();
    const start = env.now();
    expect(await env.execute(batchWithHeartbeats, { workflowId: 'batch-ok', input: {} })).toEqual({ processed: 1000, attempts: 1, resumedFrom: 0 });
    expect(batchProcessCounts('batch-ok')).toEqual(onceEach(1000));
    // Nine 100 ms pauses between ten chunks: the running attempt holds the clock, so they take as much real time.
    expect(env.now() - start).toBeGreaterThanOrEqual(900);
    expect(env.now() - start).toBeLessThan(900 + 3_000);
  });

  it('shows the progress of the running attempt as heartbeat details in describe', async () => {
    const env = await create();
    const handle = await env.start(batchWithHeartbeats, { workflowId: 'batch-progress', input: {} });
    await env.sleep('250ms'); // three chunks done, paused before the fourth
    const [activity] = (await handle.describe()).pendingActivities;
    expect(activity).toMatchObject({ activityType: 'processBatch', attempt: 1, state: 'running', heartbeatDetails: { processed: 300 } });
    expect(await handle.result()).toMatchObject({ attempts: 1 });
  });

  it('resumes a crashed attempt from its last heartbeat: two attempts, each item once', async () => {
    const env = await create();
    const handle = await env.start(batchWithHeartbeats, { workflowId: 'batch-throw', input: { crashAt: 450 } });
    await env.sleep('450ms'); // attempt 1 threw before item 450 (at +400 ms); the retry waits out its 500 ms backoff
    const [backoff] = (await handle.describe()).pendingActivities;
    expect(backoff).toMatchObject({ attempt: 1, state: 'backoff', heartbeatDetails: { processed: 450 }, lastFailure: { type: 'SimulatedCrash' } });

    expect(await handle.result()).toEqual({ processed: 1000, attempts: 2, resumedFrom: 450 });
    expect(batchProcessCounts('batch-throw')).toEqual(onceEach(1000));
    const history = await handle.fetchHistory();
    expect(history.filter((event) => event.type.startsWith('ActivityTask')).map((event) => [event.type, 'attempt' in event ? event.attempt : undefined]))
      .toEqual([['ActivityTaskScheduled', undefined], ['ActivityTaskStarted', 2], ['ActivityTaskCompleted', 2]]);
  });

  it('resumes an attempt that went silent once the heartbeat timeout fires', async () => {
    const env = await create();
    const start = env.now();
    const handle = await env.start(batchWithHeartbeats, { workflowId: 'batch-hang', input: { crashAt: 450, crashMode: 'hang' } });
    // The last heartbeat ({processed: 450}) was at +400 ms; the 10 s heartbeat timeout fires at +10.4 s.
    await env.sleep('10s');
    expect((await handle.describe()).pendingActivities[0]).toMatchObject({ attempt: 1, state: 'running', heartbeatDetails: { processed: 450 } });
    await env.sleep('500ms');
    const [backoff] = (await handle.describe()).pendingActivities;
    expect(backoff).toMatchObject({
      attempt: 1, state: 'backoff', heartbeatDetails: { processed: 450 },
      lastFailure: { kind: 'timeout', timeoutType: 'HEARTBEAT' },
      nextAttemptTime: start + 10_900,
    });

    expect(await handle.result()).toEqual({ processed: 1000, attempts: 2, resumedFrom: 450 });
    expect(batchProcessCounts('batch-hang')).toEqual(onceEach(1000));
  });

  it('takes the heartbeat timeout from the input', async () => {
    const env = await create();
    const start = env.now();
    const handle = await env.start(batchWithHeartbeats, { workflowId: 'batch-short', input: { items: 10, chunkSize: 5, crashAt: 7, crashMode: 'hang', heartbeatTimeout: '300ms' } });
    expect(await handle.result()).toEqual({ processed: 10, attempts: 2, resumedFrom: 7 });
    // Last heartbeat at +100 ms (after the one pause), timed out 300 ms later (real time: the silent attempt holds
    // the clock), retried after the 500 ms backoff (skipped) and done at once: at least +900 ms.
    expect(env.now() - start).toBeGreaterThanOrEqual(900);
    expect(env.now() - start).toBeLessThan(900 + 3_000);
    expect(batchProcessCounts('batch-short')).toEqual(onceEach(10));
  });

  it('crashes only the first attempt, at the start of the batch too', async () => {
    const env = await create();
    expect(await env.execute(batchWithHeartbeats, { workflowId: 'batch-zero', input: { items: 20, crashAt: 0 } })).toEqual({ processed: 20, attempts: 2, resumedFrom: 0 });
    expect(batchProcessCounts('batch-zero')).toEqual(onceEach(20));
  });

  it('refuses an invalid batch size', async () => {
    const env = await create();
    const error = await env.execute(batchWithHeartbeats, { workflowId: 'batch-bad', input: { items: -1 } }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'InvalidInput' });
  });
});
