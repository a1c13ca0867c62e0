// Bearer-token auth: every route but /healthz and the task-token callbacks; no token means local requests only.
import { describe, expect, it } from 'vitest';
import { createApiApp } from '../../../src/api/app';
import { isLocalHost } from '../../../src/api/auth';
import { createEnvBackend } from './env-backend';
import { workflows } from './fixtures';

async function appWith(apiToken?: string) {
  const { backend } = await createEnvBackend({ workflows });
  if (apiToken) backend.apiToken = apiToken;
  return createApiApp(backend);
}

const start = (token?: string, host = 'duro.example.com') =>
  new Request(`https://${host}/v1/workflows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ workflowType: 'greet', input: 'Ada' }),
  });

describe('API auth', () => {
  it('requires the bearer token on API routes when DURO_API_TOKEN is set', async () => {
    const app = await appWith('s3cret');
    const missing = await app.fetch(start());
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await missing.json()).toMatchObject({ type: 'duro:unauthorized' });
    expect((await app.fetch(start('wrong'))).status).toBe(401);
    expect((await app.fetch(start('s3cre'))).status).toBe(401);
    expect((await app.fetch(start('s3cret'))).status).toBe(201);
    expect((await app.fetch(new Request('https://duro.example.com/openapi.json'))).status).toBe(401);
  });

  it('leaves /healthz and the task-token callbacks open', async () => {
    const app = await appWith('s3cret');
    expect((await app.fetch(new Request('https://duro.example.com/healthz'))).status).toBe(200);
    const heartbeat = await app.fetch(new Request('https://duro.example.com/v1/activities/heartbeat', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ taskToken: 'v1.forged.token' }),
    }));
    expect(heartbeat.status).toBe(404); // judged by its task token, not by the bearer token
    expect(await heartbeat.json()).toMatchObject({ type: 'duro:unknown-task-token' });
  });

  it('serves / (a redirect) and the web UI without the token: they hold no data, the page sends the token itself', async () => {
    for (const token of ['s3cret', undefined]) {
      const app = await appWith(token);
      const root = await app.fetch(new Request('https://duro.example.com/'));
      expect(root.status).toBe(302);
      expect(root.headers.get('location')).toBe('/ui');
      expect((await app.fetch(new Request('https://duro.example.com/ui'))).status).toBe(200);
      expect((await app.fetch(new Request('https://duro.example.com/docs'))).status).toBe(token ? 401 : 503);
    }
  });

  it('without a token refuses non-local requests with 503 explaining how to set one', async () => {
    const app = await appWith();
    const refused = await app.fetch(start());
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { type: string; detail: string };
    expect(body.type).toBe('duro:auth-not-configured');
    expect(body.detail).toContain('wrangler secret put DURO_API_TOKEN');
    expect((await app.fetch(start(undefined, '127.0.0.1:8787'))).status).toBe(201);
    expect((await app.fetch(start(undefined, 'localhost:8787'))).status).toBe(201);
  });

  it('knows which hosts are local', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '[::1]', 'duro.test', 'app.localhost', 'duro.internal']) expect(isLocalHost(host), host).toBe(true);
    for (const host of ['duro.example.com', 'my-worker.acme.workers.dev', '10.0.0.1', 'localhost.evil.com']) expect(isLocalHost(host), host).toBe(false);
  });
});
