// A deployed Worker (a non-local host) without secrets refuses what those secrets protect.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const deployed = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`https://duro.example.com${path}`, init));
const postJson = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('a deployed Worker without DURO_API_TOKEN and DURO_ACTIVITY_SECRET', () => {
  it('refuses API calls with 503 saying how to set the token', async () => {
    const res = await deployed('/v1/workflows', postJson({ workflowType: 'hello' }));
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: 'duro:auth-not-configured' });
  });

  it('refuses activity requests and task-token callbacks, which the public development secret would sign', async () => {
    for (const path of ['/_duro/activities', '/v1/activities/heartbeat', '/v1/activities/complete']) {
      const res = await deployed(path, postJson({ taskToken: 'v1.x.y' }));
      expect(res.status, path).toBe(503);
      expect(((await res.json()) as { detail: string }).detail, path).toContain('DURO_ACTIVITY_SECRET');
    }
  });

  it('still answers /healthz', async () => {
    expect((await deployed('/healthz')).status).toBe(200);
  });
});
