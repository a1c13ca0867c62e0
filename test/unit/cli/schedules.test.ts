// `duro schedule …`: the schedule routes from a terminal, against a fake API that records what it was sent.
import { describe, expect, it } from 'vitest';
import { cliWith } from './run-cli';

const schedule = {
  scheduleId: 'nightly', workflowType: 'report', spec: { cron: '0 2 * * *', timezone: 'Europe/Berlin' }, overlap: 'skip', paused: false, createdAt: 0,
  nextRunTimes: [Date.UTC(2026, 10, 26, 1)], state: { actions: 3, skippedOverlap: 1, missedCatchup: 0, lastAction: { scheduledTime: 0, workflowId: 'nightly-2026-11-25T01:00:00.000Z', startedAt: 0 } },
};

function fakeApi() {
  const requests: Array<{ method: string; path: string; body?: unknown }> = [];
  const fetch = async (request: Request) => {
    const path = new URL(request.url).pathname;
    const text = await request.text();
    requests.push({ method: request.method, path, ...(text && { body: JSON.parse(text) }) });
    if (request.method === 'GET' && path === '/v1/schedules') return Response.json({ schedules: [schedule] });
    if (path.endsWith('/trigger')) return Response.json({ workflowId: 'nightly-2026-11-25T10:00:00.000Z' }, { status: 202 });
    if (path === '/v1/schedules/missing') return Response.json({ type: 'duro:schedule-not-found', status: 404, title: 'Schedule Not Found', detail: 'Schedule missing not found' }, { status: 404, headers: { 'content-type': 'application/problem+json' } });
    return Response.json(request.method === 'POST' && path === '/v1/schedules' ? schedule : request.method === 'GET' ? schedule : {}, { status: request.method === 'POST' && path === '/v1/schedules' ? 201 : 200 });
  };
  return { requests, cli: cliWith(fetch) };
}

describe('duro schedule', () => {
  it('creates a schedule from flags', async () => {
    const { requests, cli } = fakeApi();
    const run = await cli('schedule', 'create', 'nightly', '--type', 'report', '--cron', '0 2 * * *', '--timezone', 'Europe/Berlin', '--jitter', '5m', '--overlap', 'bufferOne', '--input', '{"day":"yesterday"}', '--paused');
    expect(run.code, run.err).toBe(0);
    expect(requests[0]).toEqual({ method: 'POST', path: '/v1/schedules', body: { scheduleId: 'nightly', workflowType: 'report', cron: '0 2 * * *', timezone: 'Europe/Berlin', jitter: '5m', overlap: 'bufferOne', input: { day: 'yesterday' }, paused: true } });
    expect(run.out).toContain('Created schedule nightly.');
  });

  it('lists schedules as a table and as JSON', async () => {
    const { cli } = fakeApi();
    const table = await cli('schedule', 'list');
    expect(table.out.split('\n')[0]).toMatch(/^SCHEDULE ID\s+WORKFLOW TYPE\s+CALENDAR\s+STATE\s+NEXT RUN\s+ACTIONS$/);
    expect(table.out).toContain('cron 0 2 * * * (Europe/Berlin)');
    expect(table.out).toContain('2026-11-26T01:00:00.000Z');
    expect((await cli('schedule', 'list', '--json')).json()).toEqual({ schedules: [schedule] });
  });

  it('describes, pauses, unpauses, triggers and deletes', async () => {
    const { requests, cli } = fakeApi();
    expect((await cli('schedule', 'describe', 'nightly')).out).toMatch(/skipped \(overlap\)\s+1/);
    expect((await cli('schedule', 'pause', 'nightly')).out).toBe('Paused schedule nightly.');
    expect((await cli('schedule', 'unpause', 'nightly')).out).toBe('Unpaused schedule nightly.');
    expect((await cli('schedule', 'trigger', 'nightly')).out).toBe('Started nightly-2026-11-25T10:00:00.000Z.');
    expect((await cli('schedule', 'delete', 'nightly')).out).toBe('Deleted schedule nightly.');
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/schedules/nightly', 'POST /v1/schedules/nightly/pause', 'POST /v1/schedules/nightly/unpause', 'POST /v1/schedules/nightly/trigger', 'DELETE /v1/schedules/nightly',
    ]);
  });

  it('reports usage errors and API problems', async () => {
    const { cli } = fakeApi();
    expect((await cli('schedule', 'create', 'x', '--cron', '* * * * *')).code).toBe(2);
    expect((await cli('schedule', 'explode')).code).toBe(2);
    expect((await cli('schedule', 'create', 'x', '--type', 't', '--every', '1m', '--overlap', 'sometimes')).code).toBe(2);
    const missing = await cli('schedule', 'describe', 'missing');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('duro:schedule-not-found');
  });
});
