// What every route shares: problem+json errors, payload limits, unknown routes and methods, health, OpenAPI, docs.
import { describe, expect, it, vi } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { emptyBackend, type ApiBackend, type ExecutionStub } from '../../../src/api/backend';
import { problem, ProblemType } from '../../../src/api/problems';
import { setup } from './fixtures';

const MiB = 1024 * 1024;

describe('payload limits', () => {
  it('answers 413 duro:payload-too-large to a 3 MiB input, before starting anything', async () => {
    const { call, env } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'big', input: 'x'.repeat(3 * MiB) });
    expect(res.status).toBe(413);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'duro:payload-too-large', status: 413 });
    expect(() => env.runOf('big')).toThrow(/not found/);
  });

  it('refuses on Content-Length alone, without reading the body', async () => {
    const { app } = await setup();
    const res = await app.request('/v1/workflows', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(3 * MiB) }, body: '{}' });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { type: string }).type).toBe('duro:payload-too-large');
  });

  it('answers 413 to one payload over 2 MiB inside a body under the raw limit', async () => {
    const { call, start } = await setup();
    const justOver = 'x'.repeat(2 * MiB);
    const input = await call('POST', '/v1/workflows', { workflowType: 'greet', input: justOver });
    expect(input.status).toBe(413);
    expect(input.body.detail).toContain('Workflow input');
    await start('counter', { workflowId: 'c' });
    const args = await call('POST', '/v1/workflows/c/signals/add', { args: [justOver] });
    expect(args.status).toBe(413);
    expect(args.body.detail).toContain("signal");
  });

  it('accepts a payload just under 2 MiB', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', input: 'x'.repeat(2 * MiB - 100) });
    expect(res.status).toBe(201);
  });
});

describe('request errors', () => {
  it('answers 400 duro:invalid-request to malformed JSON', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', '{"workflowType": ');
    expect(res.status).toBe(400);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: 'duro:invalid-request', title: 'Invalid Request', status: 400, detail: expect.stringContaining('JSON') });
  });

  it('answers 415 to a body that is not declared as JSON', async () => {
    const { app } = await setup();
    const res = await app.request('/v1/workflows', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"workflowType":"greet"}' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(((await res.json()) as { type: string }).type).toBe('duro:invalid-request');
  });

  it('answers 404 duro:not-found to an unknown route', async () => {
    const { call } = await setup();
    const res = await call('GET', '/v1/nowhere');
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toEqual({ type: 'duro:not-found', title: 'Not Found', status: 404, detail: 'No route for GET /v1/nowhere' });
  });

  it('answers 405 duro:method-not-allowed with Allow to a known path and the wrong method', async () => {
    const { call } = await setup();
    const res = await call('DELETE', '/v1/workflows/abc/result');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect(res.body.type).toBe('duro:method-not-allowed');
    expect((await call('PUT', '/v1/workflows')).status).toBe(405);
  });

  it('answers 500 duro:internal without leaking the error when the backend throws', async () => {
    const throwing: ExecutionStub = new Proxy({} as ExecutionStub, {
      get: () => async () => {
        throw new Error('secret database password in this message');
      },
    });
    const app = createApiApp({ ...emptyBackend(), execution: () => throwing });
    const log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = await app.request('/v1/workflows/x');
      expect(res.status).toBe(500);
      const body = await res.json();
      expect(body).toMatchObject({ type: 'duro:internal', status: 500 });
      expect(JSON.stringify(body)).not.toMatch(/secret|at |\.ts/);
      expect(log).toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it('passes a backend problem through with its status and extra members as they are', async () => {
    const custom = { ...problem(ProblemType.workflowClosed, 'closed a while ago'), closedAt: 123 };
    const stub = { describe: async () => ({ ok: false, problem: custom }) } as unknown as ExecutionStub;
    const backend: ApiBackend = { ...emptyBackend(), execution: () => stub };
    const res = await createApiApp(backend).request('/v1/workflows/x');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual(custom);
  });
});

describe('operations', () => {
  it('answers GET /healthz with 200 {ok: true}', async () => {
    const { call } = await setup();
    const res = await call('GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it('redirects GET and HEAD / to the web UI with 302 Location /ui', async () => {
    const { app } = await setup();
    for (const method of ['GET', 'HEAD']) {
      const res = await app.request('/', { method });
      expect(res.status, method).toBe(302);
      expect(res.headers.get('location'), method).toBe('/ui');
    }
    expect((await app.request('/ui')).status).toBe(200);
  });

  it('serves an API with no backend: health, and 404s for every workflow', async () => {
    const app = createApiApp();
    expect((await app.request('/healthz')).status).toBe(200);
    const start = await app.request('/v1/workflows', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"workflowType":"x"}' });
    expect(((await start.json()) as { type: string }).type).toBe('duro:workflow-type-not-found');
  });

  it('generates /openapi.json from the route schemas', async () => {
    const { call } = await setup();
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths).sort()).toEqual([
      '/healthz',
      '/metrics',
      '/v1/activities/complete',
      '/v1/activities/heartbeat',
      '/v1/batch/{batchId}',
      '/v1/batch/{operation}',
      '/v1/schedules',
      '/v1/schedules/{scheduleId}',
      '/v1/schedules/{scheduleId}/pause',
      '/v1/schedules/{scheduleId}/trigger',
      '/v1/schedules/{scheduleId}/unpause',
      '/v1/workflows',
      '/v1/workflows/count',
      '/v1/workflows/signal-with-start',
      '/v1/workflows/update-with-start',
      '/v1/workflows/{workflowId}',
      '/v1/workflows/{workflowId}/cancel',
      '/v1/workflows/{workflowId}/history',
      '/v1/workflows/{workflowId}/logs',
      '/v1/workflows/{workflowId}/pause',
      '/v1/workflows/{workflowId}/queries/{name}',
      '/v1/workflows/{workflowId}/reset',
      '/v1/workflows/{workflowId}/result',
      '/v1/workflows/{workflowId}/signals/{name}',
      '/v1/workflows/{workflowId}/terminate',
      '/v1/workflows/{workflowId}/unpause',
      '/v1/workflows/{workflowId}/updates/{name}',
    ]);
    const start = res.body.paths['/v1/workflows'].post;
    expect(Object.keys(start.responses)).toEqual(expect.arrayContaining(['200', '201', '400', '404', '409', '413']));
    expect(res.body.components.schemas.StartWorkflowRequest.required).toEqual(['workflowType']);
    expect(res.body.components.schemas.SignalRequest.properties.args.description).toMatch(/single argument/);
  });

  it('serves /docs as self-contained HTML listing every operation', async () => {
    const { app } = await setup();
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('/v1/workflows/{workflowId}/updates/{name}');
    expect(html).toContain('href="/openapi.json"');
  });
});
