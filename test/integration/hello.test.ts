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

  it("keeps the run's log lines, the activity server's among them, outside history", async () => {
    await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-logs', input: { name: 'Logs' } });
    await api('/v1/workflows/hello-logs/result?wait=10s');
    const page = (await (await api('/v1/workflows/hello-logs/logs')).json()) as { runId: string; lines: Array<{ seq: number; line: Record<string, unknown> }>; lastSeq: number };
    expect(page.lines.map(({ line }) => [line.level, line.message])).toEqual([['info', 'composing a greeting'], ['info', 'greeted']]);
    // The activity's line came back with its reply, with the attempt's identity.
    expect(page.lines[0]!.line).toMatchObject({ activityType: 'composeGreeting', attempt: 1, workflowId: 'hello-logs', runId: page.runId, name: 'Logs' });
    expect(page.lines[1]!.line).toMatchObject({ workflowType: 'hello', workflowId: 'hello-logs', greeting: 'Hello, Logs!' });
    expect(page.lastSeq).toBe(page.lines[1]!.seq);
    const after = (await (await api(`/v1/workflows/hello-logs/logs?after=${page.lines[0]!.seq}`)).json()) as typeof page;
    expect(after.lines.map(({ line }) => line.message)).toEqual(['greeted']);
    const none = await api('/v1/workflows/no-such-workflow/logs');
    expect(none.status).toBe(404);
    expect(((await none.json()) as { type: string }).type).toBe('duro:workflow-not-found');
  });

  it('honours a start delay: the first activation runs only after it, through the alarm', async () => {
    const before = Date.now();
    const started = await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-delayed', input: { name: 'Later' }, startDelay: '400ms' });
    expect(started.status).toBe(201);
    const early = (await (await api('/v1/workflows/hello-delayed/history')).json()) as { events: Array<{ type: string }> };
    expect(early.events.map((e) => e.type)).toEqual(['WorkflowExecutionStarted']);
    const result = await api('/v1/workflows/hello-delayed/result?wait=10s');
    expect(await result.json()).toMatchObject({ status: 'completed', result: 'Hello, Later!' });
    const events = ((await (await api('/v1/workflows/hello-delayed/history')).json()) as { events: Array<{ type: string; timestamp: number }> }).events;
    expect(events.find((e) => e.type === 'ActivityTaskScheduled')!.timestamp - before).toBeGreaterThanOrEqual(400);
  });
});

describe('pause in the Durable Object', () => {
  it('holds the activity of a paused run and sends it once unpaused', async () => {
    const started = await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-paused', input: { name: 'Paused', waitFor: '300ms' } });
    expect(started.status).toBe(201);
    expect((await post('/v1/workflows/hello-paused/pause', { reason: 'test' })).status).toBe(202);
    expect((await api('/v1/workflows/hello-paused/result?wait=1s')).status).toBe(202);
    const described = (await (await api('/v1/workflows/hello-paused')).json()) as { paused?: boolean; pendingTimers: unknown[] };
    expect(described.paused).toBe(true);
    expect(described.pendingTimers).toHaveLength(1);
    expect((await post('/v1/workflows/hello-paused/unpause', {})).status).toBe(202);
    const result = await api('/v1/workflows/hello-paused/result?wait=10s');
    expect(await result.json()).toMatchObject({ status: 'completed', result: 'Hello, Paused!' });
  });
});

describe('reset in the Durable Object', () => {
  it('re-runs a completed workflow from the end of its first activation', async () => {
    expect((await post('/v1/workflows', { workflowType: 'hello', workflowId: 'hello-reset', input: { name: 'Again' } })).status).toBe(201);
    expect(await (await api('/v1/workflows/hello-reset/result?wait=10s')).json()).toMatchObject({ status: 'completed' });
    const events = ((await (await api('/v1/workflows/hello-reset/history')).json()) as { events: Array<{ type: string; eventId: number }> }).events;
    const point = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
    const reset = await post('/v1/workflows/hello-reset/reset', { eventId: point.eventId, reason: 'again' });
    expect(reset.status).toBe(201);
    const { runId } = (await reset.json()) as { runId: string };
    const result = await api(`/v1/workflows/hello-reset/result?wait=10s&runId=${runId}`);
    expect(await result.json()).toMatchObject({ status: 'completed', result: 'Hello, Again!' });
    const replayed = ((await (await api(`/v1/workflows/hello-reset/history?runId=${runId}`)).json()) as { events: Array<{ type: string }> }).events;
    expect(replayed.map((event) => event.type)).toEqual(events.map((event) => event.type));
  });
});
