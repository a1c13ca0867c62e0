// Remote activities run over the activity protocol against this Worker's own activity endpoint: retries that
// survive a restart of the object, asynchronous completion by task token, and heartbeat timeouts.
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe as group, expect, it, vi } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { DuroClient } from 'duro/client';
import { ApplicationFailure } from 'duro/workflow';
import { api, describe, eventually, history, post, result, start, uniqueId } from './helpers';

group('activities', () => {
  it('retries a failing activity across a forced restart and records one Started and one Completed', async () => {
    const workflowId = uniqueId('retrying');
    await start('retrying', workflowId, { key: workflowId });
    // Reset the object while the activity waits out its backoff after the first failure.
    const waiting = await eventually(async () => {
      const [activity] = (await describe(workflowId)).pendingActivities;
      return activity?.state === 'backoff' ? activity : undefined;
    }, 5_000, 'the backoff after attempt 1');
    expect(waiting).toMatchObject({ attempt: 1, lastFailure: { type: 'Flaky', message: 'attempt 1 failed' } });
    await abortAllDurableObjects();

    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'ok on attempt 3' } });
    expect(probe.logOf(`flaky:${workflowId}`)).toEqual([1, 2, 3]);
    const events = await history(workflowId);
    expect(events.map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted',
    ]);
    expect(events.find((event) => event.type === 'ActivityTaskStarted')).toMatchObject({ activityId: '1', attempt: 3 });
    expect(events.find((event) => event.type === 'ActivityTaskCompleted')).toMatchObject({ activityId: '1', attempt: 3, result: 'ok on attempt 3' });
  });

  it('retries at once an attempt that was in flight when its object was reset', async () => {
    const workflowId = uniqueId('slow');
    await start('slow', workflowId);
    await eventually(() => probe.logOf(`slow:${workflowId}`).length >= 1, 5_000, 'attempt 1');
    await abortAllDurableObjects();

    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'slow but sure' } });
    // Attempt 1 died with the object that sent it; the restarted object failed it as lost and sent attempt 2.
    const log = probe.logOf(`slow:${workflowId}`);
    expect(log[0]).toBe('attempt 1 started');
    expect(log.filter((entry) => String(entry).startsWith('attempt 2'))).toEqual(['attempt 2 started', 'attempt 2 returned']);
    const events = await history(workflowId);
    expect(events.map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted',
    ]);
    expect(events.find((event) => event.type === 'ActivityTaskCompleted')).toMatchObject({ attempt: 2, result: 'slow but sure' });
  });

  it('heartbeats, fails and completes asynchronous activities through DuroClient', async () => {
    const client = new DuroClient({ baseUrl: 'http://duro.test', fetch: (request) => api(new URL(request.url).pathname, request) });
    const workflowId = uniqueId('approval-client');
    await start('awaitApproval', workflowId);
    const taskToken = await eventually(() => probe.get<string>(`token:${workflowId}`), 5_000, 'the task token');
    await eventually(async () => (await describe(workflowId)).pendingActivities[0]?.state === 'running');
    expect(await client.heartbeatActivity(taskToken, { seen: 'by a human' })).toEqual({ cancelRequested: false });
    expect((await describe(workflowId)).pendingActivities[0]).toMatchObject({ heartbeatDetails: { seen: 'by a human' } });
    await client.completeActivity(taskToken, 'approved by client');
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: { verdict: 'approved by client' } } });
    await expect(client.completeActivity(taskToken, 'again')).rejects.toMatchObject({ status: 409, problem: { type: 'duro:activity-not-running' } });

    const refusedId = uniqueId('approval-refused');
    await start('awaitApproval', refusedId);
    const refusedToken = await eventually(() => probe.get<string>(`token:${refusedId}`), 5_000, 'the task token');
    await eventually(async () => (await describe(refusedId)).pendingActivities[0]?.state === 'running');
    await client.failActivity(refusedToken, ApplicationFailure.nonRetryable('no', 'Refused'));
    const failed = await result(refusedId);
    expect(failed.body).toMatchObject({ status: 'failed', failure: { type: 'ActivityFailure', cause: { type: 'Refused', message: 'no' } } });
  });

  it('completes an activity asynchronously through its task token, and refuses stale and forged tokens', async () => {
    const workflowId = uniqueId('approval');
    await start('awaitApproval', workflowId);
    const taskToken = await eventually(() => probe.get<string>(`token:${workflowId}`), 5_000, 'the task token');
    // The attempt is accepted for later completion and stays pending; the workflow waits.
    const pending = await eventually(async () => {
      const [activity] = (await describe(workflowId)).pendingActivities;
      return activity?.state === 'running' ? activity : undefined;
    });
    expect(pending).toMatchObject({ activityType: 'approve', attempt: 1 });
    expect((await result(workflowId, 'wait=100ms')).status).toBe(202);

    const completed = await post('/v1/activities/complete', { taskToken, result: 'approved' });
    expect(completed.status).toBe(200);
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: { verdict: 'approved' } } });
    expect(probe.logOf(`approve:${workflowId}`)).toEqual([1]);

    const stale = await post('/v1/activities/complete', { taskToken, result: 'again' });
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ type: 'duro:activity-not-running' });

    const [version, claims] = taskToken.split('.');
    const forged = await post('/v1/activities/complete', { taskToken: `${version}.${claims}.${'A'.repeat(43)}`, result: 'forged' });
    expect(forged.status).toBe(404);
    expect(await forged.json()).toMatchObject({ type: 'duro:unknown-task-token' });
    const garbage = await post('/v1/activities/complete', { taskToken: 'not-a-token', result: 'x' });
    expect(garbage.status).toBe(404);

    const events = await history(workflowId);
    expect(events.filter((event) => event.type === 'ActivityTaskCompleted')).toEqual([
      expect.objectContaining({ activityId: '1', attempt: 1, result: 'approved' }),
    ]);
  });

  it('times out an attempt that stops heartbeating, and the retry resumes from its heartbeat details', async () => {
    const workflowId = uniqueId('heartbeat');
    await start('heartbeating', workflowId);
    const { status, body } = await result(workflowId);
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'completed', result: { attempt: 2, resumedFrom: { processed: 3 } } });
    const events = await history(workflowId);
    expect(events.map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted',
    ]);
    expect(events.find((event) => event.type === 'ActivityTaskStarted')).toMatchObject({ attempt: 2 });

    // The timed-out attempt still returns (cut short or late): its outcome is stale and changes nothing.
    await eventually(() => probe.logOf(`resumable:${workflowId}`).includes(1), 5_000, 'the return of attempt 1');
    expect(probe.logOf(`resumable:${workflowId}`).sort()).toEqual([1, 2]);
    expect(await history(workflowId)).toEqual(events);
  });

  it('says once in the log, and in describe on every attempt, that a task queue\'s endpoint cannot be reached', async () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const workflowId = uniqueId('unreachable');
    try {
      await start('unreachable', workflowId);
      const activity = await eventually(async () => {
        const [pending] = (await describe(workflowId)).pendingActivities;
        return pending && pending.attempt >= 5 ? pending : undefined;
      }, 8_000, 'five attempts at the unreachable endpoint');
      expect(activity.lastFailure).toMatchObject({
        type: 'ActivityEndpointUnreachable',
        nonRetryable: false,
        message: expect.stringMatching(/^Task queue 'nowhere' cannot reach its activity endpoint \(URL http:\/\/127\.0\.0\.1:1\/duro\): .+\. Check taskQueues\.nowhere\.url in createDuro/),
      });
      const lines = log.mock.calls.map((args) => args.join(' ')).filter((line) => line.includes("Task queue 'nowhere'"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^duro: Task queue 'nowhere' cannot reach its activity endpoint \(URL http:\/\/127\.0\.0\.1:1\/duro\)/);
    } finally {
      await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'test over' });
      log.mockRestore();
    }
  });
});
