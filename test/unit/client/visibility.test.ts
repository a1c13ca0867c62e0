// DuroClient's list, count and batch calls against the routes' shapes (docs/api.md), served by a fake fetch.
import { describe, expect, it } from 'vitest';
import { DuroApiError, DuroClient, type ExecutionInfo } from 'duro/client';
import { defineSignal } from 'duro/workflow';
import { execution, FakeVisibilityApi } from './fake-visibility-api';

function clientOver(api: FakeVisibilityApi) {
  return new DuroClient({ baseUrl: 'http://duro.test', token: 't0ken', fetch: api.fetch });
}

function orders(n: number): ExecutionInfo[] {
  return Array.from({ length: n }, (_, i) => execution({ workflowId: `order-${i + 1}`, startTime: Date.UTC(2025, 0, 31) - i * 1000 }));
}

describe('DuroClient.list', () => {
  it('follows nextPageToken across pages and yields every execution in order', async () => {
    const api = new FakeVisibilityApi();
    api.executions = orders(7);
    const seen: string[] = [];
    for await (const e of clientOver(api).list({ workflowType: 'order' }, { pageSize: 3 })) seen.push(e.workflowId);
    expect(seen).toEqual(api.executions.map((e) => e.workflowId));
    const pages = api.requestsTo('/v1/workflows');
    expect(pages.map((r) => r.query.get('nextPageToken'))).toEqual([null, '3', '6']);
    expect(pages.every((r) => r.query.get('pageSize') === '3' && r.query.get('workflowType') === 'order')).toBe(true);
    expect(pages[0]!.authorization).toBe('Bearer t0ken');
  });

  it('fetches lazily: nothing before iteration, no further page after a break', async () => {
    const api = new FakeVisibilityApi();
    api.executions = orders(10);
    const iterable = clientOver(api).list({}, { pageSize: 2 });
    expect(api.requests).toHaveLength(0);
    const firstThree: string[] = [];
    for await (const e of iterable) {
      firstThree.push(e.workflowId);
      if (firstThree.length === 3) break;
    }
    expect(firstThree).toEqual(['order-1', 'order-2', 'order-3']);
    expect(api.requests).toHaveLength(2);
  });

  it('sends every filter as the query string the API reads', async () => {
    const api = new FakeVisibilityApi();
    await clientOver(api).listPage(
      { workflowType: 'order', status: ['failed', 'timedOut'], startedAfter: new Date(Date.UTC(2025, 0, 1)), startedBefore: Date.UTC(2025, 1, 1), search: { customer: 'ada', priority: 2, vip: true } },
      { pageSize: 50, nextPageToken: 'tok' },
    );
    const [request] = api.requests;
    expect(Object.fromEntries(request!.query)).toEqual({
      workflowType: 'order',
      status: 'failed,timedOut',
      startedAfter: '2025-01-01T00:00:00.000Z',
      startedBefore: '2025-02-01T00:00:00.000Z',
      'search.customer': 'ada',
      'search.priority': '2',
      'search.vip': 'true',
      pageSize: '50',
      nextPageToken: 'tok',
    });
  });

  it('returns one page with its token from listPage', async () => {
    const api = new FakeVisibilityApi();
    api.executions = orders(3);
    const client = clientOver(api);
    const first = await client.listPage({}, { pageSize: 2 });
    expect(first.executions.map((e) => e.workflowId)).toEqual(['order-1', 'order-2']);
    const second = await client.listPage({}, { pageSize: 2, nextPageToken: first.nextPageToken! });
    expect(second).toEqual({ executions: [api.executions[2]] });
  });
});

describe('DuroClient.count', () => {
  it('counts in all and by status with the same filters', async () => {
    const api = new FakeVisibilityApi();
    api.executions = [execution({ workflowId: 'a' }), execution({ workflowId: 'b', status: 'failed' }), execution({ workflowId: 'c', status: 'failed' }), execution({ workflowId: 'd', workflowType: 'other' })];
    expect(await clientOver(api).count({ workflowType: 'order' })).toEqual({ count: 3, byStatus: { running: 1, failed: 2 } });
    expect(api.requests[0]!.path).toBe('/v1/workflows/count');
    expect(api.requests[0]!.query.get('workflowType')).toBe('order');
  });
});

describe('DuroClient.batch', () => {
  it('posts the filter as a JSON body and follows the batch with describeBatch', async () => {
    const api = new FakeVisibilityApi();
    api.executions = [execution({ workflowId: 'a' }), execution({ workflowId: 'b' }), execution({ workflowId: 'c', status: 'completed' })];
    const client = clientOver(api);
    const started = await client.batch('terminate', { workflowType: 'order', status: 'running', startedAfter: new Date(Date.UTC(2025, 0, 1)), reason: 'bad release' });
    expect(started).toEqual({ batchId: 'batch-1', matched: 2 });
    expect(api.requests[0]).toMatchObject({ method: 'POST', path: '/v1/batch/terminate', body: { workflowType: 'order', status: 'running', startedAfter: '2025-01-01T00:00:00.000Z', reason: 'bad release' } });
    expect(await client.describeBatch('batch-1')).toMatchObject({ batchId: 'batch-1', operation: 'terminate', status: 'running', matched: 2 });
  });

  it('signals by name or by definition, with args', async () => {
    const api = new FakeVisibilityApi();
    const client = clientOver(api);
    const approve = defineSignal<[by: string]>('approve');
    await client.batch('signal', { status: ['running'], search: { region: 'eu' }, signalName: approve, args: ['ada'] });
    await client.batch('cancel', { workflowType: 'order' });
    expect(api.requests.map((r) => [r.path, r.body])).toEqual([
      ['/v1/batch/signal', { status: ['running'], search: { region: 'eu' }, signalName: 'approve', args: ['ada'] }],
      ['/v1/batch/cancel', { workflowType: 'order' }],
    ]);
  });

  it('throws the problem of a refused request as DuroApiError', async () => {
    const api = new FakeVisibilityApi();
    const error = await clientOver(api).describeBatch('nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuroApiError);
    expect((error as DuroApiError).type).toBe('duro:batch-not-found');
  });
});

describe('the client entry point', () => {
  it('bundles for the browser: nothing of Node reaches duro/client at runtime', async () => {
    const { build } = await import('esbuild');
    const result = await build({ entryPoints: ['client/index.ts'], bundle: true, platform: 'browser', format: 'esm', write: false, logLevel: 'silent' });
    expect(result.errors).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(/from ["']node:/);
  });
});
