// Changed code that no longer replays a run's history leaves the run blocked, not failed, and says why.
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { describe, history, historyReaches, post, result, signal, start, uniqueId } from './helpers';

group('a deploy that changes workflow code', () => {
  it('blocks a run whose history no longer replays and shows why in its description', async () => {
    const workflowId = uniqueId('drifting');
    await start('drifting', workflowId);
    await historyReaches(workflowId, 'ActivityTaskCompleted');
    const recorded = await history(workflowId);
    expect(recorded.find((event) => event.type === 'ActivityTaskScheduled')).toMatchObject({ activityType: 'stepOne' });

    // The simulated deploy: the workflow's first step is now `stepTwo`, and the object restarts with the new
    // code, so the next input makes it replay the recorded history.
    probe.set(`deployed:${workflowId}`, true);
    await abortAllDurableObjects();
    expect((await signal(workflowId, 'proceed')).status).toBe(202);

    const blocked = await describe(workflowId);
    expect(blocked.status).toBe('running');
    expect(blocked.blockedReason).toMatch(/stepTwo/);
    expect(blocked.blockedReason).toMatch(/stepOne/);
    const events = await history(workflowId);
    expect(events.slice(0, recorded.length)).toEqual(recorded);
    expect(events.slice(recorded.length).map((event) => event.type)).toEqual(['SignalReceived', 'WorkflowTaskFailed']);
    expect(events.at(-1)).toMatchObject({ reason: 'nonDeterminism' });
    expect((await result(workflowId, 'wait=200ms')).status).toBe(202);

    // Blocked, it records inputs but runs no workflow code, and stays visible until fixed code is deployed.
    expect((await signal(workflowId, 'proceed')).status).toBe(202);
    expect((await describe(workflowId)).blockedReason).toBe(blocked.blockedReason);
    const update = await post(`/v1/workflows/${workflowId}/updates/anything`, { args: [] });
    expect(update.status).toBe(400);
    expect(await update.json()).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'WorkflowBlocked' } });

    // Fixed code is deployed (the old branch is back, under a new code version): the object restarts, sees
    // the version changed, replays successfully and continues by itself with the signals it recorded.
    probe.set(`deployed:${workflowId}`, false);
    probe.set('codeVersion', `v2-${workflowId}`);
    await abortAllDurableObjects();
    const done = await result(workflowId, 'wait=5s');
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'completed', result: 'one:a' });
    expect((await describe(workflowId)).blockedReason).toBeUndefined();
  });
});
