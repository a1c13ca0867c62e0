// Activity callbacks over HTTP: heartbeat and asynchronous completion, authorised by an HMAC task token alone.
import { describe, expect, it } from 'vitest';
import { Limits } from '../../../src/core/limits';
import { createTaskToken } from '../../../src/protocol/task-token';
import { TEST_ACTIVITY_SECRET } from './env-backend';
import { setup } from './fixtures';

/** Starts `approval` and returns a genuine token for its pending attempt, signed as the Durable Object host signs it. */
async function withPendingApproval(input: { waitForCancel?: boolean } = {}) {
  const api = await setup();
  await api.start('approval', { workflowId: 'a', input: { amount: 10, ...input } });
  const info = api.approvals.started[0]!;
  const claims = { workflowId: info.workflowId, runId: info.runId, activityId: info.activityId, attempt: info.attempt };
  const taskToken = await createTaskToken(TEST_ACTIVITY_SECRET, claims);
  return { ...api, claims, taskToken };
}

describe('POST /v1/activities/heartbeat', () => {
  it('records details for a running attempt: 200 {cancelRequested:false}', async () => {
    const { call, taskToken } = await withPendingApproval();
    const res = await call('POST', '/v1/activities/heartbeat', { taskToken, details: { progress: 0.5 } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cancelRequested: false });
    const described = await call('GET', '/v1/workflows/a');
    expect(described.body.pendingActivities).toEqual([
      expect.objectContaining({ activityType: 'approve', state: 'running', heartbeatDetails: { progress: 0.5 } }),
    ]);
  });

  it('tells the activity that its workflow asked to cancel it (WAIT_CANCELLATION_COMPLETED)', async () => {
    const { call, taskToken } = await withPendingApproval({ waitForCancel: true });
    await call('POST', '/v1/workflows/a/cancel', {});
    const res = await call('POST', '/v1/activities/heartbeat', { taskToken });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cancelRequested: true });
  });

  it('answers 409 duro:activity-not-running once the workflow has closed (TRY_CANCEL lets go of the attempt)', async () => {
    const { call, taskToken } = await withPendingApproval();
    await call('POST', '/v1/workflows/a/cancel', {});
    const res = await call('POST', '/v1/activities/heartbeat', { taskToken, details: 1 });
    expect(res.status).toBe(409);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body.type).toBe('duro:activity-not-running');
  });
});

describe('POST /v1/activities/complete', () => {
  it("keeps the completion's latest Limits.logLinesPerAttempt log lines with the run; lines never cost it its outcome", async () => {
    const { call, taskToken } = await withPendingApproval();
    const line = (message: string) => JSON.stringify({ level: 'info', message, time: '2026-01-01T00:00:00.000Z', activityType: 'approve', attempt: 1 });
    // 101 lines (and one string that is not a line): the latest 100 lines are kept.
    const lines = [line('dropped: too early'), ...Array.from({ length: Limits.logLinesPerAttempt - 1 }, (_, i) => line(`line ${i}`)), 'not a log line', line('asked ada')];
    expect((await call('POST', '/v1/activities/complete', { taskToken, result: 'approved', logs: lines })).status).toBe(200);
    await call('GET', '/v1/workflows/a/result?wait=10s');
    const logs = await call('GET', '/v1/workflows/a/logs');
    const kept = logs.body.lines.map(({ line: { message } }: { line: { message: string } }) => message);
    expect(kept).toHaveLength(Limits.logLinesPerAttempt);
    expect(kept[0]).toBe('line 0');
    expect(kept.at(-1)).toBe('asked ada');
  });

  it('completes the attempt with a result: the workflow returns it', async () => {
    const { call, taskToken } = await withPendingApproval();
    const res = await call('POST', '/v1/activities/complete', { taskToken, result: 'approved' });
    expect(res.status).toBe(200);
    const result = await call('GET', '/v1/workflows/a/result?wait=10s');
    expect(result.body).toEqual({ status: 'completed', result: { verdict: 'approved' } });
  });

  it('fails the attempt with a failure whose type survives to the workflow result', async () => {
    const { call, taskToken } = await withPendingApproval();
    const failure = { type: 'Rejected', message: 'over budget', nonRetryable: true, details: { limit: 5 } };
    expect((await call('POST', '/v1/activities/complete', { taskToken, failure })).status).toBe(200);
    const result = await call('GET', '/v1/workflows/a/result?wait=10s');
    expect(result.body.status).toBe('failed');
    expect(result.body.failure).toMatchObject({ type: 'ActivityFailure', cause: { type: 'Rejected', message: 'over budget', details: { limit: 5 } } });
  });

  it('answers 409 duro:activity-not-running to a second completion or a stale attempt', async () => {
    const { call, taskToken, claims } = await withPendingApproval();
    await call('POST', '/v1/activities/complete', { taskToken, result: 'approved' });
    const again = await call('POST', '/v1/activities/complete', { taskToken, result: 'approved' });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('duro:activity-not-running');
    const stale = await createTaskToken(TEST_ACTIVITY_SECRET, { ...claims, attempt: claims.attempt + 1 });
    expect((await call('POST', '/v1/activities/heartbeat', { taskToken: stale })).body.type).toBe('duro:activity-not-running');
  });

  it('refuses a failure with too many causes, deep details or over 2 MiB, recording nothing (the gate replies pass too)', async () => {
    const { call, taskToken, env } = await withPendingApproval();
    let chained: Record<string, unknown> = { type: 'Root', message: 'root' };
    for (let i = 0; i < 40; i++) chained = { type: 'Wrap', message: `level ${i}`, cause: chained };
    const deepDetails = { type: 'Deep', message: 'm', details: JSON.parse('['.repeat(65) + ']'.repeat(65)) };
    const huge = { type: 'Huge', message: 'x'.repeat(2.2 * 1024 * 1024) } // under the API's 2.5 MiB body limit;
    for (const [failure, status, detail] of [[chained, 400, 'more than 32 causes'], [deepDetails, 400, "field 'details' nests deeper than 64"], [huge, 413, 'over the 2 MiB payload limit']] as const) {
      const res = await call('POST', '/v1/activities/complete', { taskToken, failure });
      expect(res.status).toBe(status);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.body.detail).toContain(detail);
    }
    expect(env.history('a').some((e) => e.type === 'ActivityTaskCompleted' || e.type === 'ActivityTaskFailed')).toBe(false);
    expect((await call('POST', '/v1/activities/heartbeat', { taskToken })).body).toEqual({ cancelRequested: false });
  });

  it('rejects result and failure together', async () => {
    const { call, taskToken } = await withPendingApproval();
    const res = await call('POST', '/v1/activities/complete', { taskToken, result: 1, failure: { type: 'X', message: 'y' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('body.failure');
  });
});

describe('task tokens', () => {
  it('answers 404 duro:unknown-task-token to a forged, tampered or malformed token, and changes nothing', async () => {
    const { call, claims, taskToken, env } = await withPendingApproval();
    const forged = await createTaskToken('not-the-secret', claims);
    const [version, body, mac] = taskToken.split('.');
    const otherClaims = Buffer.from(JSON.stringify(['a', claims.runId, claims.activityId, 2])).toString('base64url');
    for (const token of [forged, `${version}.${otherClaims}.${mac}`, 'garbage', `${version}.${body}`]) {
      const complete = await call('POST', '/v1/activities/complete', { taskToken: token, result: 'approved' });
      const heartbeat = await call('POST', '/v1/activities/heartbeat', { taskToken: token });
      for (const res of [complete, heartbeat]) {
        expect(res.status, token).toBe(404);
        expect(res.body.type).toBe('duro:unknown-task-token');
      }
    }
    expect((await call('GET', '/v1/workflows/a')).body.status).toBe('running');
    expect(env.history('a').some((e) => e.type === 'ActivityTaskCompleted')).toBe(false);
  });

  it('refuses every token when the deployment has no activity secret', async () => {
    const { call, backend, taskToken } = await withPendingApproval();
    backend.activitySecret = '';
    const res = await call('POST', '/v1/activities/complete', { taskToken, result: 'approved' });
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('duro:unknown-task-token');
  });
});
