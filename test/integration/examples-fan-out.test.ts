// The fanOut example end to end in workerd: through the REST API, with real child Durable Objects.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface Description {
  workflowId: string;
  workflowType: string;
  status: string;
  parent?: { workflowId: string; runId: string };
}

describe('fanOut through the API', () => {
  it('runs 3 children × 4 tasks, sums partial failures, and leaves the children to describe', async () => {
    const started = await post('/v1/workflows', { workflowType: 'fanOut', workflowId: 'fan-api', input: { children: 3, tasksPerChild: 4, failEvery: 5, concurrency: 2 } });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };

    const result = await api('/v1/workflows/fan-api/result?wait=20s');
    // Task ids 1..12: 5 and 10 fail.
    expect(await result.json()).toEqual({ status: 'completed', result: { succeeded: 10, failed: 2, failedChildren: [] } });

    for (const [n, counts] of [[1, { succeeded: 4, failed: 0 }], [2, { succeeded: 3, failed: 1 }], [3, { succeeded: 3, failed: 1 }]] as const) {
      const description = (await (await api(`/v1/workflows/fan-api-child-${n}`)).json()) as Description;
      expect(description).toMatchObject({ workflowId: `fan-api-child-${n}`, workflowType: 'fanOutChild', status: 'completed', parent: { workflowId: 'fan-api', runId } });
      expect(await (await api(`/v1/workflows/fan-api-child-${n}/result`)).json()).toEqual({ status: 'completed', result: counts });
    }
    expect((await api('/v1/workflows/fan-api-child-4')).status).toBe(404);
  }, 30_000);

  it('fails a run whose sizes are out of bounds, starting no child', async () => {
    expect((await post('/v1/workflows', { workflowType: 'fanOut', workflowId: 'fan-api-bad', input: { children: 0 } })).status).toBe(201);
    const result = (await (await api('/v1/workflows/fan-api-bad/result?wait=10s')).json()) as { status: string; failure: { type: string } };
    expect(result).toMatchObject({ status: 'failed', failure: { type: 'InvalidInput' } });
    expect((await api('/v1/workflows/fan-api-bad-child-1')).status).toBe(404);
  }, 30_000);
});
