// The browser host's traces: given `tracing`, a BrowserDuro exports its runs' spans over OTLP/HTTP through its
// `fetch` (a fake collector here), the run's span with its activity attempts under it, and a remote attempt's request
// carries that attempt's traceparent. fake-indexeddb and real (short) time, as the other browser tests.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, defineWorkflow, type ActivityContext } from 'duro/workflow';
import { createBrowserDuro, type BrowserDuro, type BrowserDuroOptions } from 'duro/browser';
import { attributeOf, otlpSpansOf, type OtlpSpan } from '../../support/otlp';

const COLLECTOR = 'https://collector.example/v1/traces';

const traceparents: Array<string | undefined> = [];

const activities = {
  /** Fails its first attempt: the second is a retry. */
  async flaky(_input: undefined, ctx: ActivityContext) {
    traceparents.push(ctx.info.traceparent);
    if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
    return ctx.info.attempt;
  },
};

const retried = defineWorkflow('retried', async (ctx) => {
  const retry = { initialInterval: 10, maximumAttempts: 3 };
  return await ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '5s', retry }).flaky();
});

const paying = defineWorkflow('paying', async (ctx, amount: number) => {
  const { charge } = ctx.proxyActivities<{ charge(amount: number): Promise<{ charged: number }> }>({ taskQueue: 'payments', startToCloseTimeout: '5s' });
  return await charge(amount);
});

let databases = 0;
const opened: BrowserDuro[] = [];

beforeEach(() => {
  // Everything goes through the BrowserDuro's fetch: the network is never reached.
  vi.stubGlobal('fetch', () => Promise.reject(new Error('the global fetch was called')));
});
afterEach(() => {
  for (const duro of opened.splice(0)) duro.close();
  traceparents.length = 0;
  vi.unstubAllGlobals();
});

/** A BrowserDuro whose fetch is a fake collector (and, for the payments queue, a fake activity server). */
async function open(extra: Partial<BrowserDuroOptions> = {}) {
  const exported: Array<{ url: string; headers: Headers; spans: OtlpSpan[] }> = [];
  const activityRequests: Request[] = [];
  const duro = await createBrowserDuro({
    workflows: { retried, paying }, activities, dbName: `duro-browser-tracing-${++databases}`, indexedDB, IDBKeyRange, onError: () => undefined,
    taskQueues: { payments: { url: 'https://api.example/activities' } },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      if (request.url === COLLECTOR) {
        exported.push({ url: request.url, headers: request.headers, spans: otlpSpansOf(await request.json()) });
        return new Response(null, { status: 200 });
      }
      activityRequests.push(request);
      return Response.json({ result: { charged: 42 } });
    },
    ...extra,
  });
  opened.push(duro);
  const spans = () => exported.flatMap((request) => request.spans);
  return { duro, exported, spans, activityRequests };
}

/** Polls until `check` holds, failing after `ms` (the browser host and its exporter run on real time). */
async function until(check: () => boolean, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('BrowserDuro tracing', () => {
  it('sends the spans still batched when it closes, not after a timer the page may not outlive', async () => {
    const { duro, spans } = await open({ tracing: { url: COLLECTOR } });
    expect(await (await duro.start(retried, { workflowId: 'closing' })).result()).toBe(2);
    duro.close(); // within the exporter's 200 ms batching window
    // Sent at once: seen well before the batching timer would have fired.
    await until(() => spans().some((span) => span.name === 'RunWorkflow:retried'), 150);
  });

  it('exports the run\'s span, with each activity attempt (the failed one too) under it, to the collector', async () => {
    const { duro, exported, spans } = await open({ tracing: { url: COLLECTOR, headers: { 'x-api-key': 'k' } } });
    const handle = await duro.start(retried, { workflowId: 'r1' });
    expect(await handle.result()).toBe(2);
    await until(() => spans().some((span) => span.name === 'RunWorkflow:retried'));

    expect(exported[0]!.headers.get('x-api-key')).toBe('k');
    expect(exported[0]!.headers.get('content-type')).toBe('application/json');
    const run = spans().find((span) => span.name === 'RunWorkflow:retried')!;
    expect(run).toMatchObject({ kind: 2, status: {} });
    expect(run).not.toHaveProperty('parentSpanId');
    expect(attributeOf(run, 'duro.workflow.id')).toEqual({ stringValue: 'r1' });
    for (const span of spans()) expect(span.traceId).toBe(run.traceId);

    const attempts = spans().filter((span) => span.name === 'RunActivity:flaky');
    expect(attempts.map((span) => [attributeOf(span, 'duro.activity.attempt'), span.parentSpanId, span.status.code])).toEqual([
      [{ intValue: '1' }, run.spanId, 2],
      [{ intValue: '2' }, run.spanId, undefined],
    ]);
    // each attempt is handed its own span's context
    expect(traceparents).toEqual(attempts.map((span) => `00-${run.traceId}-${span.spanId}-01`));
    const activations = spans().filter((span) => span.name === 'Activation:retried');
    expect(activations.length).toBeGreaterThan(0);
    expect(activations.every((span) => span.parentSpanId === run.spanId)).toBe(true);
  });

  it('sends a remote attempt with its traceparent, and exports that attempt under the run', async () => {
    const { duro, spans, activityRequests } = await open({ tracing: { url: COLLECTOR } });
    const handle = await duro.start(paying, { workflowId: 'p1', input: 42 });
    expect(await handle.result()).toEqual({ charged: 42 });
    await until(() => spans().some((span) => span.name === 'RunWorkflow:paying'));

    const run = spans().find((span) => span.name === 'RunWorkflow:paying')!;
    const [attempt] = spans().filter((span) => span.name === 'RunActivity:charge');
    expect(attempt).toMatchObject({ traceId: run.traceId, parentSpanId: run.spanId, kind: 3 });
    expect(activityRequests.map((request) => request.headers.get('traceparent'))).toEqual([`00-${run.traceId}-${attempt!.spanId}-01`]);
  });
});
