// Signals, queries, updates, cancel and terminate over HTTP, against a running workflow.
import { describe, expect, it } from 'vitest';
import { setup } from './fixtures';

async function withCounter() {
  const api = await setup();
  const started = await api.start('counter', { workflowId: 'c' });
  const totalNow = async () => (await api.call('POST', '/v1/workflows/c/queries/total', {})).body.result as number;
  return { ...api, ...started, totalNow };
}

describe('signals and queries', () => {
  it('records a signal (202) and the query sees it (200 {result})', async () => {
    const { call, totalNow } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/signals/add', { args: [5] });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({});
    const query = await call('POST', '/v1/workflows/c/queries/total', { args: [] });
    expect(query.status).toBe(200);
    expect(query.body).toEqual({ result: 5 });
    expect(await totalNow()).toBe(5);
  });

  it('takes a non-array args as the single argument', async () => {
    const { call, totalNow } = await withCounter();
    expect((await call('POST', '/v1/workflows/c/signals/add', { args: 7 })).status).toBe(202);
    expect(await totalNow()).toBe(7);
  });

  it('accepts a bodiless POST as no arguments', async () => {
    const { app, call } = await withCounter();
    const res = await app.request('/v1/workflows/c/signals/finish', { method: 'POST' });
    expect(res.status).toBe(202);
    expect((await call('GET', '/v1/workflows/c/result')).body).toEqual({ status: 'completed', result: 0 });
  });

  it('records a signal once per requestId', async () => {
    const { call, totalNow, env } = await withCounter();
    for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/workflows/c/signals/add', { args: [2], requestId: 'req-1' })).status).toBe(202);
    await call('POST', '/v1/workflows/c/signals/add', { args: [2], requestId: 'req-2' });
    expect(await totalNow()).toBe(4);
    expect(env.history('c').filter((e) => e.type === 'SignalReceived')).toHaveLength(2);
  });

  it('answers 409 duro:workflow-closed to a signal once the run has closed', async () => {
    const { call } = await withCounter();
    await call('POST', '/v1/workflows/c/signals/finish', {});
    const res = await call('POST', '/v1/workflows/c/signals/add', { args: [1] });
    expect(res.status).toBe(409);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body.type).toBe('duro:workflow-closed');
  });

  it('answers 404 duro:workflow-not-found for a signal to an unknown workflow', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows/ghost/signals/add', { args: [1] });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('duro:workflow-not-found');
  });

  it('answers 400 duro:query-not-found and 500 duro:query-failed with the failure', async () => {
    const { call } = await withCounter();
    const missing = await call('POST', '/v1/workflows/c/queries/nothing', {});
    expect(missing.status).toBe(400);
    expect(missing.body.type).toBe('duro:query-not-found');
    const failed = await call('POST', '/v1/workflows/c/queries/broken', {});
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ type: 'duro:query-failed', failure: { message: 'query handler exploded' } });
  });

  it('rejects unknown body fields', async () => {
    const { call } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/signals/add', { arg: [1] });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('arg');
  });
});

describe('updates', () => {
  it('runs an update: 200 {updateId, outcome: {result}}', async () => {
    const { call, totalNow } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [40], updateId: 'u-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updateId: 'u-1', outcome: { result: 40 } });
    expect(await totalNow()).toBe(40);
  });

  it('answers wait=accepted without an outcome', async () => {
    const { call, totalNow } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [9], wait: 'accepted' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ updateId: expect.any(String) });
    expect(await totalNow()).toBe(9);
  });

  it('answers 400 duro:update-rejected when the validator rejects, recording nothing', async () => {
    const { call, env, totalNow } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [-1] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'NegativeTotal' } });
    expect(env.history('c').some((e) => e.type.startsWith('Update'))).toBe(false);
    expect(await totalNow()).toBe(0);
  });

  it('answers 200 with outcome.failure when the handler fails', async () => {
    const { call } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [13] });
    expect(res.status).toBe(200);
    expect(res.body.outcome.failure).toMatchObject({ type: 'Unlucky', message: 'unlucky' });
  });

  it('rejects an unknown wait mode', async () => {
    const { call } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/updates/setTotal', { args: [1], wait: 'eventually' });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('body.wait');
  });
});

describe('cancel and terminate', () => {
  it('cancels a run (202): it ends canceled', async () => {
    const { call } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/cancel', { reason: 'no longer needed' });
    expect(res.status).toBe(202);
    const result = await call('GET', '/v1/workflows/c/result?wait=5s');
    expect(result.body).toMatchObject({ status: 'canceled', failure: { type: 'CancelledFailure' } });
  });

  it('terminates a run (202): it ends terminated with the reason', async () => {
    const { call } = await withCounter();
    const res = await call('POST', '/v1/workflows/c/terminate', { reason: 'stuck' });
    expect(res.status).toBe(202);
    expect((await call('GET', '/v1/workflows/c/result')).body).toMatchObject({ status: 'terminated', failure: { message: 'stuck' } });
    expect((await call('GET', '/v1/workflows/c')).body.status).toBe('terminated');
  });

  it('answers 409 duro:workflow-closed to cancel or terminate a closed run', async () => {
    const { call } = await withCounter();
    await call('POST', '/v1/workflows/c/terminate', {});
    for (const action of ['cancel', 'terminate']) {
      const res = await call('POST', `/v1/workflows/c/${action}`, {});
      expect(res.status).toBe(409);
      expect(res.body.type).toBe('duro:workflow-closed');
    }
  });

  it('targets an older run with ?runId=', async () => {
    const { call, runId } = await withCounter();
    const res = await call('POST', `/v1/workflows/c/terminate?runId=${runId}`, {});
    expect(res.status).toBe(202);
    const missing = await call('POST', '/v1/workflows/c/cancel?runId=nope', {});
    expect(missing.status).toBe(404);
  });
});
