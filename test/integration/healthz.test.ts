// The Worker answers through workerd exactly as deployed: health and the
// problem+json shape of an unknown route.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

describe('the API worker', () => {
  it('answers GET /healthz with 200 {ok: true}', async () => {
    const res = await exports.default.fetch('http://duro.test/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('answers an unknown path with 404 problem+json', async () => {
    const res = await exports.default.fetch('http://duro.test/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.json()).toEqual({
      type: 'duro:not-found',
      title: 'Not Found',
      status: 404,
      detail: 'No route for GET /no/such/route',
    });
  });
});
