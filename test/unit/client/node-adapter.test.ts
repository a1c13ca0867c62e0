// toNodeListener serves a fetch handler from a real Node http server: bytes, headers and status pass through
// unchanged, a caller hanging up aborts the request's signal, and a handler that throws answers 500.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { serveActivities, toNodeListener, type FetchHandler } from 'duro/client';
import type { ActivityContext } from 'duro/workflow';
import { activityRequest, deferred, SECRET, signedRequest } from './helpers';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** Listens on a free port of 127.0.0.1; returns the base URL. */
async function listen(handler: FetchHandler): Promise<string> {
  const server = createServer(toNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends a Request built for another URL to `base`, as Duro's fetch would. */
async function send(base: string, request: Request): Promise<Response> {
  return fetch(new URL(new URL(request.url).pathname, base), { method: request.method, headers: request.headers, body: await request.text() });
}

describe('toNodeListener', () => {
  it('serves serveActivities over HTTP: a signed activity request gets 200 {result}', async () => {
    const seenKeys: Array<string | null> = [];
    const base = await listen({
      fetch: (request) => {
        seenKeys.push(request.headers.get('Idempotency-Key'));
        return serveActivities({ activities: { charge: async (input: { amount: number }) => ({ charged: input.amount }) }, secret: SECRET }).fetch(request);
      },
    });
    const response = await send(base, await signedRequest(await activityRequest({ workflowId: 'w', runId: 'r', activityId: '7' })));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: { charged: 42 } });
    expect(seenKeys).toEqual(['w:r:7']);
  });

  it('refuses a bad signature with 401 over HTTP too: the body reaches the handler byte for byte', async () => {
    const base = await listen(serveActivities({ activities: { echo: async (input: unknown) => input }, secret: SECRET }));
    const task = await activityRequest({ activityType: 'echo', input: { text: 'naïve ☃ 𝄞 — multi-byte' } });
    const good = await send(base, await signedRequest(task));
    expect(await good.json()).toEqual({ result: { text: 'naïve ☃ 𝄞 — multi-byte' } });
    const bad = await send(base, await signedRequest(task, { secret: 'wrong' }));
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('passes method, path, query, headers and status through, repeated Set-Cookie headers included', async () => {
    let seen: { method: string; url: string; custom: string | null; body: string } | undefined;
    const base = await listen({
      async fetch(request) {
        seen = { method: request.method, url: request.url, custom: request.headers.get('x-custom'), body: await request.text() };
        const headers = new Headers({ 'x-reply': 'yes' });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        return new Response('teapot', { status: 418, headers });
      },
    });
    const response = await fetch(`${base}/some/path?x=1`, { method: 'PUT', headers: { 'x-custom': 'value' }, body: 'payload' });
    expect(response.status).toBe(418);
    expect(await response.text()).toBe('teapot');
    expect(response.headers.get('x-reply')).toBe('yes');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(seen).toEqual({ method: 'PUT', url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/some\/path\?x=1$/), custom: 'value', body: 'payload' });
  });

  it('answers 500 problem+json when the handler throws', async () => {
    const base = await listen({ fetch: async () => { throw new Error('handler exploded'); } });
    const response = await fetch(base, { method: 'POST', body: '{}' });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ type: 'duro:internal', detail: 'handler exploded' });
  });

  it('aborts the request signal when the caller hangs up: the activity sees ctx.cancellationSignal abort', async () => {
    const started = deferred();
    const aborted = deferred<unknown>();
    const base = await listen(serveActivities({
      activities: {
        async charge(_input: unknown, ctx: ActivityContext) {
          ctx.cancellationSignal.addEventListener('abort', () => aborted.resolve(ctx.cancellationSignal.reason));
          started.resolve();
          await ctx.sleep(60_000);
        },
      },
      secret: SECRET,
    }));
    const signed = await signedRequest(await activityRequest());
    const body = await signed.text();
    const client = httpRequest(base, { method: 'POST', headers: Object.fromEntries(signed.headers) });
    client.on('error', () => undefined); // the hang-up below
    client.end(body);
    await started.promise;
    client.destroy();
    expect(String((await aborted.promise as Error).message)).toContain('Duro closed the request');
  });
});
