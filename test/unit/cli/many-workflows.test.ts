// `duro list`, `count`, `batch` and `batch-status`: filters become the API's query or body; text by default, JSON with --json.
import { describe, expect, it } from 'vitest';
import { execution, FakeVisibilityApi } from '../client/fake-visibility-api';
import { cliWith } from './run-cli';

function apiWithOrders() {
  const api = new FakeVisibilityApi();
  api.executions = [
    execution({ workflowId: 'order-3', runId: 'r3', startTime: Date.UTC(2025, 0, 31, 12, 0, 3) }),
    execution({ workflowId: 'order-2', runId: 'r2', status: 'failed', startTime: Date.UTC(2025, 0, 31, 12, 0, 2) }),
    execution({ workflowId: 'order-1', runId: 'r1', status: 'completed', startTime: Date.UTC(2025, 0, 31, 12, 0, 1), closeTime: Date.UTC(2025, 0, 31, 13) }),
    execution({ workflowId: 'invoice-1', runId: 'r0', workflowType: 'invoice', startTime: Date.UTC(2025, 0, 30) }),
  ];
  return api;
}

describe('duro list', () => {
  it('prints a table of workflowId, runId, type, status and start time', async () => {
    const duro = cliWith(apiWithOrders().fetch);
    const listed = await duro('list', '--type', 'order');
    expect(listed.code).toBe(0);
    expect(listed.out.split('\n')).toEqual([
      'WORKFLOW ID  RUN ID  TYPE   STATUS     START TIME',
      'order-3      r3      order  running    2025-01-31T12:00:03.000Z',
      'order-2      r2      order  failed     2025-01-31T12:00:02.000Z',
      'order-1      r1      order  completed  2025-01-31T12:00:01.000Z',
    ]);
    expect((await duro('list', '--type', 'nothing')).out).toBe('No workflows match.');
  });

  it('prints the executions as a JSON array with --json', async () => {
    const api = apiWithOrders();
    const listed = await cliWith(api.fetch)('list', '--json');
    expect(listed.json()).toEqual(api.executions);
  });

  it('sends the filters and pages, and stops after --limit', async () => {
    const api = apiWithOrders();
    const duro = cliWith(api.fetch);
    const listed = await duro('list', '--type', 'order', '--status', 'running,failed', '--started-after', '2025-01-31T00:00:00Z', '--started-before', '1767225600000', '--search', 'customer=ada', '--search', 'tier=gold', '--limit', '1', '--json');
    expect(listed.json().map((e: { workflowId: string }) => e.workflowId)).toEqual(['order-3']);
    expect(api.requests).toHaveLength(1);
    expect(Object.fromEntries(api.requests[0]!.query)).toEqual({
      workflowType: 'order',
      status: 'running,failed',
      startedAfter: '2025-01-31T00:00:00Z',
      startedBefore: '2026-01-01T00:00:00.000Z',
      'search.customer': 'ada',
      'search.tier': 'gold',
      pageSize: '1',
    });
    api.requests.length = 0;
    expect((await duro('list', '--page-size', '1', '--json')).json()).toHaveLength(4);
    expect(api.requests.map((r) => r.query.get('nextPageToken'))).toEqual([null, '1', '2', '3']);
  });

  it('refuses bad filters as usage errors, before calling the API', async () => {
    const api = apiWithOrders();
    const duro = cliWith(api.fetch);
    for (const argv of [['--status', 'sleeping'], ['--started-after', 'yesterday'], ['--search', 'noequals'], ['--limit', '0'], ['--page-size', 'x'], ['--colour', 'red']]) {
      const run = await duro('list', ...argv);
      expect(run.code, argv.join(' ')).toBe(2);
      expect(run.err).toMatch(/^duro: /);
    }
    expect(api.requests).toHaveLength(0);
  });
});

describe('duro count', () => {
  it('prints the count and the count of each status', async () => {
    const duro = cliWith(apiWithOrders().fetch);
    expect((await duro('count', '--type', 'order')).out).toBe('3 workflows\n  running    1\n  failed     1\n  completed  1');
    expect((await duro('count', '--type', 'invoice')).out).toBe('1 workflow\n  running  1');
    expect((await duro('count', '--type', 'order', '--status', 'failed', '--json')).json()).toEqual({ count: 1, byStatus: { failed: 1 } });
  });
});

describe('duro batch', () => {
  it('starts a batch terminate with the filters and reason, and says how to follow it', async () => {
    const api = apiWithOrders();
    const duro = cliWith(api.fetch);
    const run = await duro('batch', 'terminate', '--type', 'order', '--status', 'running', '--reason', 'bad release');
    expect(run.code).toBe(0);
    expect(run.out).toBe('Batch batch-1 started: terminate 1 matching workflow.\nFollow it with: duro batch-status batch-1');
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/v1/batch/terminate', body: { workflowType: 'order', status: ['running'], reason: 'bad release' } });
    expect((await duro('batch', 'cancel', '--type', 'order', '--json')).json()).toEqual({ batchId: 'batch-2', matched: 3 });
  });

  it('signals with --signal and --args', async () => {
    const api = apiWithOrders();
    const run = await cliWith(api.fetch)('batch', 'signal', '--search', 'region=eu', '--signal', 'approve', '--args', '["ada", 2]', '--json');
    expect(run.code).toBe(0);
    expect(api.requests[0]).toMatchObject({ path: '/v1/batch/signal', body: { search: { region: 'eu' }, signalName: 'approve', args: ['ada', 2] } });
  });

  it('needs an operation, a filter and, to signal, a signal name', async () => {
    const api = apiWithOrders();
    const duro = cliWith(api.fetch);
    expect((await duro('batch', 'terminate')).err).toMatch(/at least one filter/);
    expect((await duro('batch', 'terminate')).code).toBe(2);
    expect((await duro('batch', 'explode', '--type', 'order')).code).toBe(2);
    expect((await duro('batch', 'signal', '--type', 'order')).err).toMatch(/missing --signal/);
    expect((await duro('batch')).code).toBe(2);
    expect(api.requests).toHaveLength(0);
  });
});

describe('duro batch-status', () => {
  it('prints progress and failures as text, or the description with --json', async () => {
    const api = new FakeVisibilityApi();
    api.batches.set('b-7', {
      batchId: 'b-7', operation: 'cancel', status: 'completed', matched: 3, succeeded: 1, failed: 1, skipped: 1,
      failures: [{ workflowId: 'order-2', runId: 'r2', type: 'duro:workflow-closed', detail: 'already closed' }],
      createdAt: Date.UTC(2025, 1, 1, 9), completedAt: Date.UTC(2025, 1, 1, 9, 0, 5),
    });
    const duro = cliWith(api.fetch);
    expect((await duro('batch-status', 'b-7')).out).toBe([
      'batchId      b-7',
      'operation    cancel',
      'status       completed',
      'matched      3',
      'succeeded    1',
      'failed       1',
      'skipped      1',
      'createdAt    2025-02-01T09:00:00.000Z',
      'completedAt  2025-02-01T09:00:05.000Z',
      '',
      'failures:',
      '  WORKFLOW ID  RUN ID  TYPE                  DETAIL',
      '  order-2      r2      duro:workflow-closed  already closed',
    ].join('\n'));
    expect((await duro('batch-status', 'b-7', '--json')).json()).toEqual(api.batches.get('b-7'));
    const missing = await duro('batch-status', 'b-8');
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('duro: no such batch (duro:batch-not-found, HTTP 404)');
  });
});

describe('addressing the API', () => {
  it('takes --address, its alias --url, then $DURO_ADDRESS, then $DURO_URL; the token from --token or $DURO_API_TOKEN', async () => {
    const api = new FakeVisibilityApi();
    const env = { DURO_ADDRESS: 'http://from-address.env', DURO_URL: 'http://from-url.env', DURO_API_TOKEN: 'env-token' };
    await cliWith(api.fetch, env)('count', '--address', 'https://flag.example');
    await cliWith(api.fetch, env)('count', '--url', 'https://alias.example', '--token', 'flag-token');
    await cliWith(api.fetch, env)('count');
    await cliWith(api.fetch, { DURO_URL: 'http://from-url.env' })('count');
    await cliWith(api.fetch)('count');
    expect(api.requests.map((r) => [r.origin, r.authorization])).toEqual([
      ['https://flag.example', 'Bearer env-token'],
      ['https://alias.example', 'Bearer flag-token'],
      ['http://from-address.env', 'Bearer env-token'],
      ['http://from-url.env', null],
      ['http://127.0.0.1:8787', null],
    ]);
  });
});

describe('usage', () => {
  it('prints the usage on --help (exit 0) and on a missing or unknown command (exit 2)', async () => {
    const api = new FakeVisibilityApi();
    const duro = cliWith(api.fetch);
    expect(await duro('list', '--help')).toMatchObject({ code: 0, out: expect.stringMatching(/^usage: duro <command>/) });
    expect((await duro()).code).toBe(2);
    for (const name of ['frobnicate', 'toString', 'constructor']) {
      const run = await duro(name);
      expect(run.code, name).toBe(2);
      expect(run.err).toMatch(new RegExp(`^duro: unknown command '${name}'`));
    }
    expect(api.requests).toHaveLength(0);
  });
});
