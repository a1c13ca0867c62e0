// The versionedGreeting example end to end in workerd: a new run takes the patched path and records the Patch marker.
// (Old runs meeting new code are covered by test/unit/examples/versioned-greeting.test.ts, where a deploy can be staged.)
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

describe('versionedGreeting through the API', () => {
  it('translates the greeting in a new run and records the patch in its history', async () => {
    const id = 'greeting-it-new';
    expect((await post('/v1/workflows', { workflowType: 'versionedGreeting', workflowId: id, input: { name: 'Ada', language: 'es', delay: '100ms' } })).status).toBe(201);
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toEqual({ status: 'completed', result: { message: 'Hola, Ada!', translated: true } });

    const { events } = await json<{ events: Array<{ type: string; markerName?: string; data?: unknown; activityType?: string }> }>(api(`/v1/workflows/${id}/history`));
    expect(events.filter((e) => e.type === 'MarkerRecorded')).toMatchObject([{ markerName: 'Patch', data: { patchId: 'translate-greeting' } }]);
    expect(events.filter((e) => e.type === 'ActivityTaskScheduled').map((e) => e.activityType)).toEqual(['writeGreeting', 'translateGreeting', 'sendGreeting']);
  });
});
