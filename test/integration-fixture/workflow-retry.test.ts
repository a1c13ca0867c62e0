// A workflow's retry policy in the Durable Object: each failed attempt is a run of the same workflow id, the
// next one started from the object's alarm after the backoff; the result long-poll follows them to the end.
import { describe as group, expect, it } from 'vitest';
import { api, describe, history, post, result, uniqueId } from './helpers';

group('workflow retry policy', () => {
  it('retries a failed run after the backoff and answers the last attempt\'s result', async () => {
    const workflowId = uniqueId('fails-first');
    const res = await post('/v1/workflows', { workflowType: 'failsFirst', workflowId, input: { failures: 2 }, retryPolicy: { initialInterval: '100ms', maximumAttempts: 5 } });
    expect(res.status).toBe(201);
    const { runId: firstRunId } = (await res.json()) as { runId: string };

    const done = await api(`/v1/workflows/${workflowId}/result?wait=10s`);
    expect(await done.json()).toEqual({ status: 'completed', result: 3 });
    const lastRunId = done.headers.get('Duro-Run-Id')!;
    expect(lastRunId).not.toBe(firstRunId);

    expect((await describe(workflowId, firstRunId)).status).toBe('failed');
    const firstClose = (await history(workflowId, firstRunId)).at(-1)!;
    expect(firstClose).toMatchObject({ type: 'WorkflowExecutionFailed', retry: { backoffMs: 100 } });
    const secondRunId = (firstClose.retry as { newRunId: string }).newRunId;
    const secondStart = (await history(workflowId, secondRunId))[0]!;
    expect(secondStart).toMatchObject({ type: 'WorkflowExecutionStarted', attempt: 2, continuedFromRunId: firstRunId, input: { failures: 2 } });
    // Recorded at once, run after the backoff.
    const secondEvents = await history(workflowId, secondRunId);
    expect(secondEvents[1]!.timestamp - firstClose.timestamp).toBeGreaterThanOrEqual(100);
    expect((await history(workflowId, lastRunId))[0]).toMatchObject({ attempt: 3 });

    // Without following the attempts, the first run's own outcome.
    expect(await result(workflowId, `runId=${firstRunId}&followRuns=false`)).toMatchObject({ status: 200, body: { status: 'failed', failure: { message: 'attempt 1 failed' } } });
  });

  it('fails for good when the attempts run out', async () => {
    const workflowId = uniqueId('fails-always');
    await post('/v1/workflows', { workflowType: 'failsFirst', workflowId, input: { failures: 9 }, retryPolicy: { initialInterval: '50ms', maximumAttempts: 2 } });
    expect(await result(workflowId)).toMatchObject({ status: 200, body: { status: 'failed', failure: { message: 'attempt 2 failed' } } });
  });

  it('refuses an inconsistent retry policy with 400 and starts nothing', async () => {
    const workflowId = uniqueId('bad-policy');
    const res = await post('/v1/workflows', { workflowType: 'failsFirst', workflowId, input: { failures: 0 }, retryPolicy: { initialInterval: '10s', maximumInterval: '1s' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { type: string; detail: string })).toMatchObject({ type: 'duro:invalid-request', detail: expect.stringContaining('maximumInterval') });
    expect((await api(`/v1/workflows/${workflowId}`)).status).toBe(404);
  });
});
