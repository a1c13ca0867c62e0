import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the example Worker', () => {
  it('runs the hello workflow through the API', async () => {
    const started = await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-1', input: { name: 'Duro' } });
    expect(started.status).toBe(201);
    const { runId } = (await started.json()) as { runId: string };
    const result = await api('/v1/workflows/hello-1/result?wait=10s');
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ status: 'completed', result: 'Hello, Duro!' });
    const history = (await (await api('/v1/workflows/hello-1/history')).json()) as { events: Array<{ type: string }> };
    expect(history.events.map((e) => e.type)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted',
    ]);
    expect(runId).toMatch(/[0-9a-f-]{36}/);
  });
});
