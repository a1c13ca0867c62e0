// The approval examples end to end in workerd: signals and queries through the REST API, short deadlines, and the
// webhook variant completed with POST /v1/activities/complete.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

async function start(workflowType: string, workflowId: string, input: Record<string, unknown> = {}): Promise<void> {
  expect((await post('/v1/workflows', { workflowType, workflowId, input })).status).toBe(201);
}

const status = async (workflowId: string) => (await json<{ result: { state: string } }>(post(`/v1/workflows/${workflowId}/queries/status`, {}))).result;

/** Polls `read` until it returns a value, for at most `ms`. */
async function eventually<T>(read: () => Promise<T | undefined>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`nothing within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const activityTypes = async (workflowId: string) =>
  (await json<{ events: Array<{ type: string; activityType?: string }> }>(api(`/v1/workflows/${workflowId}/history`))).events
    .filter((e) => e.type === 'ActivityTaskScheduled').map((e) => e.activityType);

describe('approval through the API', () => {
  it('is pending until approved by signal, then completes approved', async () => {
    const id = 'approval-rest-approve';
    await start('approval', id);
    expect(await status(id)).toEqual({ state: 'pending' });
    expect((await post(`/v1/workflows/${id}/signals/approve`, { args: [{ by: 'ada' }] })).status).toBe(202);
    const result = await json(api(`/v1/workflows/${id}/result?wait=10s`));
    expect(result).toMatchObject({ status: 'completed', result: { state: 'approved', by: 'ada' } });
    expect(await status(id)).toMatchObject({ state: 'approved', by: 'ada' });
    expect(await activityTypes(id)).toEqual(['requestApproval']);
  });

  it('escalates after the first deadline; the manager rejects with a reason', async () => {
    const id = 'approval-rest-escalate';
    await start('approval', id, { firstDeadline: '200ms', secondDeadline: '1 minute' });
    expect(await eventually(async () => ((await status(id)).state === 'escalated' ? status(id) : undefined))).toEqual({ state: 'escalated', escalatedTo: 'barbara' });
    expect((await post(`/v1/workflows/${id}/signals/reject`, { args: [{ by: 'barbara', reason: 'not this quarter' }] })).status).toBe(202);
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toMatchObject({
      status: 'completed', result: { state: 'rejected', by: 'barbara', reason: 'not this quarter', escalatedTo: 'barbara' },
    });
    expect(await activityTypes(id)).toEqual(['requestApproval', 'escalate']);
  });

  it('rejects automatically after the second deadline', async () => {
    const id = 'approval-rest-timeout';
    await start('approval', id, { firstDeadline: '100ms', secondDeadline: '300ms' });
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toMatchObject({
      status: 'completed', result: { state: 'autoRejected', escalatedTo: 'barbara', reason: 'no decision within 300ms' },
    });
  });
});

describe('approvalWebhook through the API', () => {
  /** What a user does: read the token from the pending activity's heartbeat details (curl /v1/workflows/{id}). */
  const taskTokenOf = (id: string) =>
    eventually(async () => {
      const described = await json<{ pendingActivities: Array<{ heartbeatDetails?: { taskToken?: string } }> }>(api(`/v1/workflows/${id}`));
      return described.pendingActivities[0]?.heartbeatDetails?.taskToken;
    });

  it('completes with the result posted to /v1/activities/complete; a second completion is refused', async () => {
    const id = 'approval-webhook-rest';
    await start('approvalWebhook', id);
    const taskToken = await taskTokenOf(id);
    expect(await status(id)).toEqual({ state: 'pending' });
    expect((await api(`/v1/workflows/${id}/result?wait=200ms`)).status).toBe(202); // still waiting for the callback

    const tampered = await post('/v1/activities/complete', { taskToken: `${taskToken.slice(0, -4)}AAAA`, result: { approved: false } });
    expect(tampered.status).toBe(404);
    const completed = await post('/v1/activities/complete', { taskToken, result: { approved: true, by: 'ada', reason: 'within budget' } });
    expect(completed.status).toBe(200);
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toMatchObject({
      status: 'completed', result: { state: 'approved', by: 'ada', reason: 'within budget' },
    });

    const again = await post('/v1/activities/complete', { taskToken, result: { approved: false, by: 'mallory' } });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ type: 'duro:activity-not-running' });
  });

  it('rejects automatically when nobody calls back within the timeout', async () => {
    const id = 'approval-webhook-rest-timeout';
    await start('approvalWebhook', id, { timeout: '300ms' });
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toMatchObject({
      status: 'completed', result: { state: 'autoRejected', reason: 'no decision within 300ms' },
    });
  });
});
