// This repo's Worker exports Duro's activity entrypoint (src/index.ts), so its own activities run as Workers RPC
// calls to it through `ctx.exports`, with no binding (decision 027). The Worker's module is the one this test imports:
// a spy on the class's prototype sees the runtime's calls.
import { exports } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DuroActivities } from '../../src/index';
import type { ActivityCallRequest } from '../../src/protocol/activity-protocol';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe("the Worker's own activities", () => {
  afterEach(() => vi.restoreAllMocks());

  it('run as RPC calls to the exported DuroActivities entrypoint, each request without a task token', async () => {
    const attempt = vi.spyOn(DuroActivities.prototype, 'attempt');
    expect((await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-rpc', input: { name: 'RPC' } })).status).toBe(201);
    expect(await (await api('/v1/workflows/hello-rpc/result?wait=10s')).json()).toMatchObject({ status: 'completed', result: 'Hello, RPC!' });
    const calls = attempt.mock.calls.filter(([request]) => (request as ActivityCallRequest).workflowId === 'hello-rpc');
    expect(calls).toHaveLength(1);
    const [request, hungUp] = calls[0]!;
    expect(request).toMatchObject({ activityType: 'composeGreeting', attempt: 1, input: { name: 'RPC' } });
    // Made by the entrypoint only if the activity asks for it.
    expect(request).not.toHaveProperty('taskToken');
    // The callback through which Duro would have told the activity it gave up (examples-batch-with-heartbeats.test.ts
    // has an attempt stopped that way).
    expect(typeof hungUp).toBe('function');
  });
});
