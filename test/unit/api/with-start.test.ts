// POST /v1/workflows/signal-with-start and /update-with-start (docs/api.md).
import { describe, expect, it } from 'vitest';
import { setup } from './fixtures';

describe('signal-with-start', () => {
  it('starts the workflow with the signal delivered first, then signals the running one', async () => {
    const { call } = await setup();
    const first = await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'sws', signalName: 'add', signalArgs: [5] });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ workflowId: 'sws', started: true });
    const second = await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'sws', signalName: 'add', signalArgs: [2], requestId: 'r-1' });
    expect(second.body).toMatchObject({ workflowId: 'sws', runId: first.body.runId, started: false });
    await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'sws', signalName: 'add', signalArgs: [2], requestId: 'r-1' });
    expect((await call('POST', '/v1/workflows/sws/queries/total', {})).body).toEqual({ result: 7 });
    const history = (await call('GET', '/v1/workflows/sws/history')).body.events as Array<{ type: string }>;
    expect(history.map((e) => e.type).slice(0, 2)).toEqual(['WorkflowExecutionStarted', 'SignalReceived']);
  });

  it('refuses an unknown workflow type and a bad body', async () => {
    const { call } = await setup();
    expect((await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'nope', signalName: 'add' })).body).toMatchObject({ type: 'duro:workflow-type-not-found' });
    expect((await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter' })).body).toMatchObject({ type: 'duro:invalid-request' });
  });
});

describe('update-with-start', () => {
  it('starts the workflow and runs the update, then updates the running one', async () => {
    const { call } = await setup();
    const first = await call('POST', '/v1/workflows/update-with-start', { workflowType: 'counter', workflowId: 'uws', updateName: 'setTotal', updateArgs: [10] });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ workflowId: 'uws', started: true, outcome: { result: 10 } });
    const second = await call('POST', '/v1/workflows/update-with-start', { workflowType: 'counter', workflowId: 'uws', updateName: 'setTotal', updateArgs: [11] });
    expect(second.body).toMatchObject({ runId: first.body.runId, started: false, outcome: { result: 11 } });
  });

  it('passes a validator rejection through as 400 duro:update-rejected', async () => {
    const { call } = await setup();
    const rejected = await call('POST', '/v1/workflows/update-with-start', { workflowType: 'counter', workflowId: 'uws-bad', updateName: 'setTotal', updateArgs: [-1] });
    expect(rejected.status).toBe(400);
    expect(rejected.body).toMatchObject({ type: 'duro:update-rejected' });
  });
});

describe('pause and unpause', () => {
  it('pause answers 202 and shows in describe; unpause lets the run finish; both 409 on a closed run', async () => {
    const { call, start } = await setup();
    const { workflowId } = await start('nap', { input: { ms: 1_000 } });
    expect((await call('POST', `/v1/workflows/${workflowId}/pause`, { reason: 'maintenance' })).status).toBe(202);
    expect((await call('GET', `/v1/workflows/${workflowId}`)).body).toMatchObject({ paused: true });
    expect((await call('GET', `/v1/workflows/${workflowId}/result?wait=5s`)).status).toBe(202);
    expect((await call('POST', `/v1/workflows/${workflowId}/unpause`, {})).status).toBe(202);
    expect((await call('GET', `/v1/workflows/${workflowId}/result?wait=5s`)).body).toEqual({ status: 'completed', result: 'rested' });
    const closed = await call('POST', `/v1/workflows/${workflowId}/pause`, {});
    expect(closed.status).toBe(409);
    expect(closed.body).toMatchObject({ type: 'duro:workflow-closed' });
  });
});

describe('reset', () => {
  it('answers 201 with the new run, and 400 duro:bad-reset-point for an event that does not end an activation', async () => {
    const { call, start } = await setup();
    const { workflowId, runId } = await start('counter');
    await call('POST', `/v1/workflows/${workflowId}/signals/add`, { args: [4] });
    const events = (await call('GET', `/v1/workflows/${workflowId}/history`)).body.events as Array<{ type: string; eventId: number }>;
    const bad = await call('POST', `/v1/workflows/${workflowId}/reset`, { eventId: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'duro:bad-reset-point' });
    const point = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
    const reset = await call('POST', `/v1/workflows/${workflowId}/reset`, { eventId: point.eventId, reason: 'try again' });
    expect(reset.status).toBe(201);
    expect(reset.body.runId).not.toBe(runId);
    expect((await call('POST', `/v1/workflows/${workflowId}/queries/total`, {})).body).toEqual({ result: 4 }); // the signal was re-applied
    expect((await call('GET', `/v1/workflows/${workflowId}?runId=${runId}`)).body).toMatchObject({ status: 'terminated' });
  });
});
