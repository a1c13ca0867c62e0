// The batchWithHeartbeats example end to end in workerd: heartbeats travel from the activity (run as an RPC call to
// this Worker's DuroActivities entrypoint) to the workflow's Durable Object, show in describe, and seed the retry.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
// The activities run in this same isolate (through the entrypoint), so the demo's bookkeeping is visible here.
import { batchProcessCounts, batchStoppedAttempts } from '../../examples/batch-with-heartbeats';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface PendingActivity {
  activityType: string;
  attempt: number;
  state: 'scheduled' | 'running' | 'backoff';
  heartbeatDetails?: { processed: number };
  lastFailure?: { type: string; timeoutType?: string };
}

/** Polls describe until `pick` finds something in the pending activity, or the deadline passes. */
async function waitForActivity(workflowId: string, pick: (activity: PendingActivity) => boolean, deadlineMs = 10_000): Promise<PendingActivity> {
  const deadline = Date.now() + deadlineMs;
  const seen: PendingActivity[] = [];
  while (Date.now() < deadline) {
    const description = (await (await api(`/v1/workflows/${workflowId}`)).json()) as { pendingActivities: PendingActivity[] };
    const activity = description.pendingActivities[0];
    if (activity && pick(activity)) return activity;
    if (activity) seen.push(activity);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no matching pending activity within ${deadlineMs} ms; saw ${JSON.stringify(seen.slice(-3))}`);
}

describe('batchWithHeartbeats through the API', () => {
  it('shows heartbeat progress in describe while the attempt runs', async () => {
    // 200 items, 9 pauses of 100 ms: about a second of work; the first heartbeat is sent at once.
    expect((await post('/v1/workflows', { workflowType: 'batchWithHeartbeats', workflowId: 'batch-api-progress', input: { items: 200, chunkSize: 20 } })).status).toBe(201);
    const running = await waitForActivity('batch-api-progress', (activity) => activity.heartbeatDetails !== undefined);
    expect(running).toMatchObject({ activityType: 'processBatch', attempt: 1, state: 'running' });
    expect(running.heartbeatDetails!.processed).toBeGreaterThan(0);
    expect(running.heartbeatDetails!.processed).toBeLessThanOrEqual(200);
    const result = await api('/v1/workflows/batch-api-progress/result?wait=20s');
    expect(await result.json()).toEqual({ status: 'completed', result: { processed: 200, attempts: 1, resumedFrom: 0 } });
  }, 30_000);

  it('resumes a crashed attempt from its last heartbeat', async () => {
    const input = { items: 200, chunkSize: 20, chunkDelay: '50ms', crashAt: 130 };
    expect((await post('/v1/workflows', { workflowType: 'batchWithHeartbeats', workflowId: 'batch-api-crash', input })).status).toBe(201);
    // The throttled last heartbeat is delivered before the failure: the backoff already holds {processed: 130}.
    const backoff = await waitForActivity('batch-api-crash', (activity) => activity.state === 'backoff');
    expect(backoff).toMatchObject({ attempt: 1, heartbeatDetails: { processed: 130 }, lastFailure: { type: 'SimulatedCrash' } });
    const result = await api('/v1/workflows/batch-api-crash/result?wait=20s');
    expect(await result.json()).toEqual({ status: 'completed', result: { processed: 200, attempts: 2, resumedFrom: 130 } });
    expect(batchProcessCounts('batch-api-crash')).toEqual(new Array(200).fill(1));
  }, 30_000);

  it('resumes an attempt that went silent once its heartbeat timeout fires', async () => {
    const input = { items: 100, chunkSize: 10, chunkDelay: '20ms', crashAt: 55, crashMode: 'hang', heartbeatTimeout: '2s' };
    expect((await post('/v1/workflows', { workflowType: 'batchWithHeartbeats', workflowId: 'batch-api-hang', input })).status).toBe(201);
    const result = await api('/v1/workflows/batch-api-hang/result?wait=20s');
    expect(await result.json()).toEqual({ status: 'completed', result: { processed: 100, attempts: 2, resumedFrom: 55 } });
    expect(batchProcessCounts('batch-api-hang')).toEqual(new Array(100).fill(1));
    const events = ((await (await api('/v1/workflows/batch-api-hang/history')).json()) as { events: Array<{ type: string; attempt?: number }> }).events;
    expect(events.filter((event) => event.type.startsWith('ActivityTask')).map((event) => [event.type, event.attempt]))
      .toEqual([['ActivityTaskScheduled', undefined], ['ActivityTaskStarted', 2], ['ActivityTaskCompleted', 2]]);
    // The silent attempt itself was stopped (told through its RPC call's hang-up callback once the heartbeat timeout
    // fired), not left running until its start-to-close timeout.
    const deadline = Date.now() + 5_000;
    while (batchStoppedAttempts('batch-api-hang').length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batchStoppedAttempts('batch-api-hang')).toEqual([1]);
  }, 30_000);
});
