// Ids, names and JSON that used to get in but did not work (issue 15): each is refused at the API with a 400
// problem naming the field, and nothing is created or recorded.
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { MAX_BODY_DEPTH } from '../../../src/api/json-body';
import { Limits } from '../../../src/core';
import { createTaskToken } from '../../../src/protocol/task-token';
import { createEnvBackend, TEST_ACTIVITY_SECRET } from './env-backend';
import { setup, workflows } from './fixtures';

const nested = (depth: number, inner = '1') => '['.repeat(depth) + inner + ']'.repeat(depth);

/** `status` and a problem of `type`, with `field` (when given) named in its errors. */
function expectProblem(res: { status: number; contentType: string | null; body: any }, status: number, type: string, field?: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.contentType).toBe('application/problem+json');
  expect(res.body.type).toBe(type);
  if (field) expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
}

describe('ids and names (core/names.ts)', () => {
  it('refuses a new workflowId with NUL, CR, LF, DEL or U+2028, and starts nothing', async () => {
    const { call, env } = await setup();
    for (const workflowId of ['a\u0000b', 'a\rb', 'a\nb', 'tab\there', 'del\u007f', 'line\u2028sep']) {
      const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId, input: 'x' });
      expectProblem(res, 400, 'duro:invalid-request', 'body.workflowId');
      expect(res.body.detail).toContain('control characters');
      expect(() => env.runOf(workflowId)).toThrow();
    }
  });

  it('refuses a lone surrogate in a new workflowId and in a path', async () => {
    const { call, env } = await setup();
    for (const workflowId of ['\ud800', 'x\udc00y', 'a\ud83d']) {
      const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId, input: 'x' });
      expectProblem(res, 400, 'duro:invalid-request', 'body.workflowId');
      expect(res.body.detail).toContain('lone UTF-16 surrogate');
      expect(() => env.runOf(workflowId)).toThrow();
    }
    // A pair is fine: an emoji is one code point.
    expect((await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'order-\ud83d\ude80', input: 'x' })).status).toBe(201);
  });

  it('refuses "." and ".." and the route segments count, signal-with-start and update-with-start as new workflowIds', async () => {
    const { call, env } = await setup();
    for (const workflowId of ['.', '..', 'count', 'signal-with-start', 'update-with-start']) {
      for (const [path, extra] of [['/v1/workflows', {}], ['/v1/workflows/signal-with-start', { signalName: 'add', signalArgs: [1] }], ['/v1/workflows/update-with-start', { updateName: 'setTotal', updateArgs: [1] }]] as const) {
        const res = await call('POST', path, { workflowType: 'counter', workflowId, ...extra });
        expectProblem(res, 400, 'duro:invalid-request', 'body.workflowId');
      }
      expect(() => env.runOf(workflowId)).toThrow();
    }
    // Only the exact segment is reserved.
    expect((await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'count-1', input: 'x' })).status).toBe(201);
  });

  it('refuses bad signal, update and search attribute names, and workflowIds over 1000 characters', async () => {
    const { call, start } = await setup();
    const { workflowId } = await start('counter', { workflowId: 'c' });
    expectProblem(await call('POST', `/v1/workflows/${workflowId}/signals/${encodeURIComponent('a\nb')}`, { args: [1] }), 400, 'duro:invalid-request', 'path.name');
    expectProblem(await call('POST', `/v1/workflows/${workflowId}/updates/${encodeURIComponent('a\u0000')}`, { args: [1] }), 400, 'duro:invalid-request', 'path.name');
    expectProblem(await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'c2', signalName: 'a\rb' }), 400, 'duro:invalid-request', 'body.signalName');
    expectProblem(await call('POST', '/v1/workflows', { workflowType: 'greet', searchAttributes: { 'a\u0000': 'x' } }), 400, 'duro:invalid-request');
    expectProblem(await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'x'.repeat(Limits.maxIdLength + 1) }), 400, 'duro:invalid-request', 'body.workflowId');
    expect((await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'x'.repeat(Limits.maxIdLength), input: 'x' })).status).toBe(201);
  });

  it('refuses "." and ".." as a new scheduleId or batchId (their paths could not reach them)', async () => {
    const { call } = await setup();
    for (const scheduleId of ['.', '..']) {
      expectProblem(await call('POST', '/v1/schedules', { scheduleId, every: '1m', workflowType: 'greet' }), 400, 'duro:invalid-request', 'body.scheduleId');
      expectProblem(await call('POST', '/v1/batch/cancel', { workflowType: 'greet', batchId: scheduleId }), 400, 'duro:invalid-request', 'body.batchId');
    }
  });

  it('lets lookups of ids created before the rule through: a path id with a control character finds nothing (404), not 400', async () => {
    const { call } = await setup();
    const res = await call('GET', `/v1/workflows/${encodeURIComponent('old\nid')}`);
    expectProblem(res, 404, 'duro:workflow-not-found');
  });
});

describe('JSON limits', () => {
  it('answers 400, not 500, for JSON nested 3700 deep in an input, signal, update or query', async () => {
    const { call, start, env } = await setup();
    const { workflowId } = await start('counter', { workflowId: 'c' });
    const historyBefore = env.history('c').length;
    const deep = nested(3700);
    const bodies: Array<[string, string]> = [
      ['/v1/workflows', `{"workflowType":"greet","workflowId":"deep","input":${deep}}`],
      [`/v1/workflows/${workflowId}/signals/add`, `{"args":${deep}}`],
      [`/v1/workflows/${workflowId}/updates/setTotal`, `{"args":${deep}}`],
      [`/v1/workflows/${workflowId}/queries/total`, `{"args":${deep}}`],
      ['/v1/workflows/signal-with-start', `{"workflowType":"counter","workflowId":"c","signalName":"add","signalArgs":${deep}}`],
    ];
    for (const [path, body] of bodies) {
      const res = await call('POST', path, body);
      expectProblem(res, 400, 'duro:invalid-request', 'body');
      expect(res.body.detail).toContain(`nests deeper than ${MAX_BODY_DEPTH} levels`);
    }
    expect(() => env.runOf('deep')).toThrow();
    expect(env.history('c')).toHaveLength(historyBefore);
  });

  it('bounds each payload to maxPayloadDepth (64): an input 65 deep is a 400, 64 deep is taken', async () => {
    const { call } = await setup();
    const tooDeep = await call('POST', '/v1/workflows', `{"workflowType":"greet","input":${nested(Limits.maxPayloadDepth + 1)}}`);
    expectProblem(tooDeep, 400, 'duro:invalid-request', 'body.input');
    expect(tooDeep.body.detail).toContain('nests deeper than 64');
    expect((await call('POST', '/v1/workflows', `{"workflowType":"greet","input":${nested(Limits.maxPayloadDepth)}}`)).status).toBe(201);
  });

  it('answers 400 for a failure cause chain 2000 deep sent to /v1/activities/complete, recording nothing', async () => {
    const api = await setup();
    await api.start('approval', { workflowId: 'a', input: { amount: 10 } });
    const info = api.approvals.started[0]!;
    const taskToken = await createTaskToken(TEST_ACTIVITY_SECRET, { workflowId: info.workflowId, runId: info.runId, activityId: info.activityId, attempt: info.attempt });
    let failure = '{"type":"Root","message":"root"}';
    for (let i = 0; i < 2000; i++) failure = `{"type":"Wrap","message":"m","cause":${failure}}`;
    const res = await api.call('POST', '/v1/activities/complete', `{"taskToken":${JSON.stringify(taskToken)},"failure":${failure}}`);
    expectProblem(res, 400, 'duro:invalid-request', 'body');
    expect(api.env.history('a').some((e) => e.type === 'ActivityTaskCompleted' || e.type === 'ActivityTaskFailed')).toBe(false);
  });

  it('answers 400 for numbers JSON cannot carry (1e400, -1e400) anywhere in a body, storing nothing', async () => {
    const { call, start, env } = await setup();
    await start('counter', { workflowId: 'c' });
    const before = env.history('c').length;
    for (const [path, body] of [
      ['/v1/workflows', '{"workflowType":"greet","workflowId":"big","input":1e400}'],
      ['/v1/workflows', '{"workflowType":"greet","workflowId":"big","input":{"a":[-1e400]}}'],
      ['/v1/workflows/c/signals/add', '{"args":[1e400]}'],
      ['/v1/workflows/c/updates/setTotal', '{"args":[1e999]}'],
      ['/v1/workflows', '{"workflowType":"greet","workflowId":"big","retryPolicy":{"backoffCoefficient":1e400}}'],
    ] as const) {
      const res = await call('POST', path, body);
      expectProblem(res, 400, 'duro:invalid-request', 'body');
      expect(res.body.detail).toContain('JSON cannot carry');
    }
    expect(() => env.runOf('big')).toThrow();
    expect(env.history('c')).toHaveLength(before);
    // 1e308 is a finite number and round-trips.
    expect((await call('POST', '/v1/workflows/c/signals/add', '{"args":[1e308]}')).status).toBe(202);
  });

  it('fails a workflow whose result is Infinity (1e308 + 1e308), and refuses such a query answer, instead of storing or answering null', async () => {
    const { call, start, env } = await setup();
    await start('counter', { workflowId: 'c' });
    for (const n of [1e308, 1e308]) expect((await call('POST', '/v1/workflows/c/signals/add', { args: [n] })).status).toBe(202);
    // The query answer cannot be encoded: a problem, not `null`.
    const query = await call('POST', '/v1/workflows/c/queries/total', {});
    expect(query.contentType).toBe('application/problem+json');
    expect(query.body.detail).toContain("Result of query 'total' holds the number Infinity");
    expect(query.body.type).not.toBe('duro:payload-too-large'); // an invalid value, not a large one
    expect(await call('POST', '/v1/workflows/c/signals/finish', {})).toMatchObject({ status: 202 });
    const result = await call('GET', '/v1/workflows/c/result?wait=10s');
    expect(result.body).toMatchObject({ status: 'failed', failure: { type: 'PayloadTooLarge' } });
    expect(result.body.failure.message).toContain('Workflow result holds the number Infinity');
    expect(env.history('c').some((e) => e.type === 'WorkflowExecutionCompleted')).toBe(false);
  });
});

describe('auth and batch details', () => {
  it('accepts the bearer scheme in any case (RFC 7235)', async () => {
    const { backend } = await createEnvBackend({ workflows });
    backend.apiToken = 's3cret';
    const app = createApiApp(backend);
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await app.fetch(new Request('https://duro.example.com/v1/workflows', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `${scheme} s3cret` },
        body: JSON.stringify({ workflowType: 'greet', input: 'Ada' }),
      }));
      expect(res.status, scheme).toBe(201);
    }
    const wrong = await app.fetch(new Request('https://duro.example.com/openapi.json', { headers: { authorization: 'Basic s3cret' } }));
    expect(wrong.status).toBe(401);
  });
});

describe('internal errors of the backend', () => {
  it('answer 500 duro:internal with a fixed detail: a storage error’s text stays in the log', async () => {
    const { backend } = await createEnvBackend({ workflows });
    const failing = { ...backend, execution: (workflowId: string) => ({ ...backend.execution(workflowId), describe: async () => ({ ok: false as const, problem: { type: 'duro:internal', title: 'Internal Server Error', status: 500, detail: 'NOT NULL constraint failed: deadlines.wake_at' } }) }) };
    const app = createApiApp(failing);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      const res = await app.request('/v1/workflows/w1');
      expect(res.status).toBe(500);
      const body = (await res.json()) as { type: string; detail: string };
      expect(body.type).toBe('duro:internal');
      expect(body.detail).not.toContain('NOT NULL');
    } finally {
      console.error = original;
    }
    expect(JSON.stringify(errors)).toContain('NOT NULL constraint failed');
  });
});
