// Starting and reading workflows over HTTP: POST /v1/workflows, describe, result (long-poll) and history,
// against real workflows on the time-skipping environment.
import { describe, expect, it } from 'vitest';
import { setup } from './fixtures';

describe('POST /v1/workflows', () => {
  it('starts a workflow: 201 {workflowId, runId}', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'greet-1', input: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ workflowId: 'greet-1', runId: expect.any(String) });
  });

  it('picks a random workflowId when none is given', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', input: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body.workflowId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 409 duro:workflow-already-started while a run of the id is running', async () => {
    const { call, start } = await setup();
    const first = await start('counter', { workflowId: 'c' });
    const res = await call('POST', '/v1/workflows', { workflowType: 'counter', workflowId: 'c' });
    expect(res.status).toBe(409);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'duro:workflow-already-started', status: 409, runId: first.runId });
  });

  it('answers 200 with the running run when idConflictPolicy is useExisting', async () => {
    const { call, start } = await setup();
    const first = await start('counter', { workflowId: 'c' });
    const res = await call('POST', '/v1/workflows', { workflowType: 'counter', workflowId: 'c', idConflictPolicy: 'useExisting' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(first);
  });

  it('starts a new run of a closed id, unless idReusePolicy is rejectDuplicate', async () => {
    const { call, start } = await setup();
    const first = await start('greet', { workflowId: 'g', input: 'a' });
    const again = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'g', input: 'b' });
    expect(again.status).toBe(201);
    expect(again.body.runId).not.toBe(first.runId);
    const rejected = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'g', idReusePolicy: 'rejectDuplicate' });
    expect(rejected.status).toBe(409);
    expect(rejected.body.type).toBe('duro:workflow-already-started');
  });

  it('answers 404 duro:workflow-type-not-found for an unregistered workflowType', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'nope' });
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'duro:workflow-type-not-found', title: expect.any(String), status: 404, detail: expect.stringContaining('nope') });
  });

  it('answers 400 duro:invalid-request naming every bad field', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowId: 42, idConflictPolicy: 'sometimes', runTimeout: 'soon', extra: true });
    expect(res.status).toBe(400);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body.type).toBe('duro:invalid-request');
    for (const field of ['body.workflowType', 'body.workflowId', 'body.idConflictPolicy', 'body.runTimeout', 'extra']) {
      expect(res.body.detail).toContain(field);
    }
    expect(res.body.errors).toContainEqual({ in: 'body', field: 'body.workflowType', message: expect.any(String) });
  });

  it('rejects an empty workflowType and a body that is not an object', async () => {
    const { call } = await setup();
    expect((await call('POST', '/v1/workflows', { workflowType: '' })).status).toBe(400);
    const array = await call('POST', '/v1/workflows', [1, 2]);
    expect(array.status).toBe(400);
    expect(array.body.type).toBe('duro:invalid-request');
  });

  it('takes timeouts as duration strings or milliseconds', async () => {
    const { call, env } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'nap', workflowId: 'n', input: { ms: 3_600_000 }, runTimeout: '10m', memo: { who: 'me' } });
    expect(res.status).toBe(201);
    await env.sleep('11m');
    const result = await call('GET', '/v1/workflows/n/result');
    expect(result.body).toMatchObject({ status: 'timedOut', failure: { type: 'TimeoutFailure', timeoutType: 'WORKFLOW_RUN' } });
    const numeric = await call('POST', '/v1/workflows', { workflowType: 'nap', workflowId: 'm', input: { ms: 1 }, executionTimeout: 60_000 });
    expect(numeric.status).toBe(201);
  });
});

describe('GET /v1/workflows/{workflowId}', () => {
  it('describes the latest run, or the run named by ?runId=', async () => {
    const { call, start } = await setup();
    const first = await start('greet', { workflowId: 'g', input: 'a', memo: { team: 'blue' }, searchAttributes: { region: 'eu' } });
    const second = await start('counter', { workflowId: 'g' });
    const latest = await call('GET', '/v1/workflows/g');
    expect(latest.status).toBe(200);
    expect(latest.body).toMatchObject({ workflowId: 'g', runId: second.runId, workflowType: 'counter', status: 'running', pendingActivities: [], pendingTimers: [], pendingChildren: [] });
    const old = await call('GET', `/v1/workflows/g?runId=${first.runId}`);
    expect(old.body).toMatchObject({
      runId: first.runId, workflowType: 'greet', status: 'completed', memo: { team: 'blue' }, searchAttributes: { region: 'eu' },
      startTime: expect.any(Number), closeTime: expect.any(Number), historyLength: expect.any(Number),
    });
  });

  it('answers 404 duro:workflow-not-found for an unknown id or run', async () => {
    const { call, start } = await setup();
    const res = await call('GET', '/v1/workflows/missing');
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('duro:workflow-not-found');
    await start('greet', { workflowId: 'g', input: 'a' });
    expect((await call('GET', '/v1/workflows/g?runId=no-such-run')).body.type).toBe('duro:workflow-not-found');
  });

  it('decodes workflow ids with reserved characters', async () => {
    const { call, start } = await setup();
    await start('greet', { workflowId: 'order/42 é', input: 'a' });
    const res = await call('GET', `/v1/workflows/${encodeURIComponent('order/42 é')}`);
    expect(res.status).toBe(200);
    expect(res.body.workflowId).toBe('order/42 é');
  });
});

describe('POST /v1/workflows?wait= (start and wait in one round trip)', () => {
  it('answers with the outcome of a run that closes within the wait', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows?wait=30s', { workflowType: 'greet', workflowId: 'g', input: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ workflowId: 'g', runId: expect.any(String), outcome: { status: 'completed', result: 'Hello, Ada!', runId: res.body.runId } });
  });

  it('answers a failed run with its failure, and a run still going when the wait ends as running', async () => {
    const { call } = await setup();
    const failed = await call('POST', '/v1/workflows?wait=5s', { workflowType: 'decline', workflowId: 'd' });
    expect(failed.status).toBe(201);
    expect(failed.body.outcome).toMatchObject({ status: 'failed', failure: { type: 'PaymentDeclined' }, runId: failed.body.runId });

    const running = await call('POST', '/v1/workflows?wait=2s', { workflowType: 'nap', workflowId: 'n', input: { ms: 3_600_000 } });
    expect(running.status).toBe(201);
    expect(running.body.outcome).toEqual({ status: 'running', runId: running.body.runId });
  });

  it('follows continue-as-new: the outcome names the run it belongs to', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows?wait=60s', { workflowType: 'rounds', workflowId: 'r', input: 1 });
    expect(res.body.outcome).toMatchObject({ status: 'completed', result: 2 });
    expect(res.body.outcome.runId).not.toBe(res.body.runId);
  });

  it('answers without an outcome when no wait is asked, and refuses a wait that is not a duration', async () => {
    const { call } = await setup();
    expect((await call('POST', '/v1/workflows?wait=0', { workflowType: 'greet', workflowId: 'a', input: 'x' })).body).toEqual({ workflowId: 'a', runId: expect.any(String) });
    const bad = await call('POST', '/v1/workflows?wait=soon', { workflowType: 'greet', workflowId: 'b', input: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ type: 'duro:invalid-request' });
  });
});

describe('GET /v1/workflows/{workflowId}/result', () => {
  it('answers 202 {status:"running"} while running, then 200 {status:"completed", result}', async () => {
    const { call, start, env } = await setup();
    const { runId } = await start('nap', { workflowId: 'n', input: { ms: 3_600_000 } });
    const now = await call('GET', '/v1/workflows/n/result');
    expect(now.status).toBe(202);
    expect(now.body).toEqual({ status: 'running' });
    expect(now.headers.get('duro-run-id')).toBe(runId);

    const polled = await call('GET', '/v1/workflows/n/result?wait=30s');
    expect(polled.status).toBe(202);

    await env.sleep('1 hour');
    const done = await call('GET', '/v1/workflows/n/result');
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ status: 'completed', result: 'rested' });
  });

  it('long-polls: a wait that outlasts the run answers 200 when it closes', async () => {
    const { call, start, env } = await setup();
    await start('nap', { workflowId: 'n', input: { ms: 20_000 } });
    const before = env.now();
    const res = await call('GET', '/v1/workflows/n/result?wait=45s');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'completed', result: 'rested' });
    expect(env.now() - before).toBeLessThan(45_000);
  });

  it('caps the wait at 60 s', async () => {
    const { call, start, env } = await setup();
    await start('nap', { workflowId: 'n', input: { ms: 3_600_000 } });
    const before = env.now();
    const res = await call('GET', '/v1/workflows/n/result?wait=10m');
    expect(res.status).toBe(202);
    expect(env.now() - before).toBe(60_000);
  });

  it('answers a failed run with {status:"failed", failure} keeping the failure type', async () => {
    const { call, start } = await setup();
    await start('decline', { workflowId: 'd' });
    const res = await call('GET', '/v1/workflows/d/result');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'failed', failure: { type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } } });
  });

  it('follows continue-as-new to the last run, unless followRuns=false', async () => {
    const { call, start } = await setup();
    const first = await start('relay', { workflowId: 'r', input: 0 });
    // Three one-minute runs: long-poll as a client would, each wait at most 60 s.
    let followed = await call('GET', '/v1/workflows/r/result?wait=60s');
    for (let polls = 1; followed.status === 202 && polls < 5; polls++) followed = await call('GET', '/v1/workflows/r/result?wait=60s');
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual({ status: 'completed', result: 2 });
    const lastRunId = followed.headers.get('duro-run-id');
    expect(lastRunId).not.toBe(first.runId);

    const firstOnly = await call('GET', `/v1/workflows/r/result?runId=${first.runId}&followRuns=false`);
    expect(firstOnly.status).toBe(200);
    expect(firstOnly.body).toEqual({ status: 'continuedAsNew', newRunId: expect.any(String) });
    expect(firstOnly.headers.get('duro-run-id')).toBe(first.runId);
  });

  it('takes empty query values as absent', async () => {
    const { call, start } = await setup();
    await start('greet', { workflowId: 'g', input: 'a' });
    const res = await call('GET', '/v1/workflows/g/result?runId=&wait=&followRuns=');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'completed', result: 'Hello, a!' });
  });

  it('rejects a wait that is not a duration', async () => {
    const { call, start } = await setup();
    await start('greet', { workflowId: 'g', input: 'a' });
    const res = await call('GET', '/v1/workflows/g/result?wait=soon&followRuns=maybe');
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('query.wait');
    expect(res.body.detail).toContain('query.followRuns');
  });

  it('answers 404 for an unknown workflow', async () => {
    const { call } = await setup();
    expect((await call('GET', '/v1/workflows/missing/result')).status).toBe(404);
  });
});

describe('GET /v1/workflows/{workflowId}/history', () => {
  it('pages through the history with after, limit and nextEventId', async () => {
    const { call, start } = await setup();
    await start('stepper', { workflowId: 's', input: 4 });
    expect((await call('GET', '/v1/workflows/s/result?wait=1m')).body).toEqual({ status: 'completed', result: 4 });

    const all = await call('GET', '/v1/workflows/s/history');
    expect(all.status).toBe(200);
    const events = all.body.events as Array<{ eventId: number; type: string }>;
    expect(events[0]).toMatchObject({ eventId: 1, type: 'WorkflowExecutionStarted' });
    expect(events.at(-1)!.type).toBe('WorkflowExecutionCompleted');
    expect(all.body.nextEventId).toBe(events.length + 1);

    const pages: number[][] = [];
    let after = 0;
    for (;;) {
      const page = await call('GET', `/v1/workflows/s/history?after=${after}&limit=5`);
      const ids = (page.body.events as Array<{ eventId: number }>).map((e) => e.eventId);
      if (ids.length === 0) break;
      pages.push(ids);
      expect(ids.length).toBeLessThanOrEqual(5);
      after = page.body.nextEventId - 1;
    }
    expect(pages.flat()).toEqual(events.map((e) => e.eventId));
    expect(pages[1]![0]).toBe(6);
  });

  it('rejects a limit or after that is not a number', async () => {
    const { call, start } = await setup();
    await start('greet', { workflowId: 'g', input: 'a' });
    const res = await call('GET', '/v1/workflows/g/history?limit=0&after=-1');
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('query.limit');
    expect(res.body.detail).toContain('query.after');
  });
});
