// serveActivities' span of each attempt it runs: a server span under the attempt's span in Duro (the request's
// `traceparent`), exported to the collector its `tracing` option or the env's OTEL_* variables name, and the context
// the activity is handed. The collector is a stand-in for the global fetch: nothing leaves the process.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, type ActivityContext } from 'duro/workflow';
import { serveActivities, type ServeActivitiesOptions } from 'duro/client';
import type { ActivityRequest } from '../../../src/protocol/activity-protocol';
import { attributeOf, otlpSpansOf, type OtlpSpan } from '../../support/otlp';
import { activityRequest, SECRET, signedRequest } from './helpers';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const DURO_SPAN = '00f067aa0ba902b7';
const COLLECTOR = 'https://collector.example/v1/traces';

interface Export {
  url: string;
  headers: Record<string, string>;
  serviceName: unknown;
  spans: OtlpSpan[];
}

let exports: Export[];
let seen: ActivityContext['info'][];

beforeEach(() => {
  exports = [];
  seen = [];
  vi.stubGlobal('fetch', async (input: string, init: RequestInit) => {
    const spans = otlpSpansOf(JSON.parse(String(init.body)));
    exports.push({ url: input, headers: init.headers as Record<string, string>, serviceName: spans[0]?.service, spans });
    return new Response(null, { status: 200 });
  });
  vi.spyOn(console, 'info').mockImplementation(() => undefined);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

const activities = {
  async charge(input: { amount: number }, ctx: ActivityContext) {
    seen.push(ctx.info);
    ctx.log.info('charging');
    return { charged: input.amount };
  },
  async decline(_input: unknown, ctx: ActivityContext) {
    seen.push(ctx.info);
    throw ApplicationFailure.nonRetryable('card declined', 'CardDeclined');
  },
  async approve(_input: unknown, ctx: ActivityContext) {
    seen.push(ctx.info);
    ctx.doNotCompleteOnReturn();
  },
};

function serve(options: Partial<ServeActivitiesOptions> = {}) {
  return serveActivities({ activities, secret: SECRET, tracing: { url: COLLECTOR, headers: { 'x-api-key': 'k' }, serviceName: 'payments' }, ...options });
}

/** Runs one attempt, the request carrying `traceparent` (null: none), and waits for what the server kept alive. */
async function attempt(server: ReturnType<typeof serve>, traceparent: string | null, task: Partial<ActivityRequest> = {}, env?: unknown) {
  const request = await signedRequest(await activityRequest(task));
  if (traceparent !== null) request.headers.set('traceparent', traceparent);
  const kept: Array<Promise<unknown>> = [];
  const response = await server.fetch(request, env, { waitUntil: (promise) => kept.push(promise) });
  await Promise.all(kept);
  return { response, body: (await response.json()) as { logs?: string[] } & Record<string, unknown> };
}


describe('serveActivities: the span of an attempt', () => {
  it("takes the body's traceparent when the header is not a valid one", async () => {
    const BODY_SPAN = 'b7ad6b7169203331';
    await attempt(serve(), 'not-a-traceparent', { traceparent: `00-${TRACE}-${BODY_SPAN}-01` });
    expect(exports.flatMap((sent) => sent.spans)).toEqual([expect.objectContaining({ traceId: TRACE, parentSpanId: BODY_SPAN })]);
  });

  it('exports one server span under the request\'s span, in its trace, and hands the activity that span\'s context', async () => {
    const { response, body } = await attempt(serve(), `00-${TRACE}-${DURO_SPAN}-01`, { attempt: 2 });
    expect(response.status).toBe(200);

    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({ url: COLLECTOR, headers: { 'x-api-key': 'k' }, serviceName: 'payments' });
    const [span] = exports[0]!.spans;
    expect(span).toMatchObject({ traceId: TRACE, parentSpanId: DURO_SPAN, name: 'ExecuteActivity:charge', kind: 2, status: {} });
    expect(span!.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span!.spanId).not.toBe(DURO_SPAN);
    expect(attributeOf(span!, 'duro.activity.type')).toEqual({ stringValue: 'charge' });
    expect(attributeOf(span!, 'duro.activity.attempt')).toEqual({ intValue: '2' });
    expect(attributeOf(span!, 'duro.workflow.id')).toEqual({ stringValue: 'order-1' });

    expect(seen[0]!.traceparent).toBe(`00-${TRACE}-${span!.spanId}-01`);
    expect(body.logs!.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ message: 'charging', traceId: TRACE, spanId: span!.spanId }),
    ]);
  });

  it('marks the span of a failed attempt with error status, its message and error.type', async () => {
    const { response } = await attempt(serve(), `00-${TRACE}-${DURO_SPAN}-01`, { activityType: 'decline' });
    expect(response.status).toBe(500);
    const [span] = exports[0]!.spans;
    expect(span).toMatchObject({ name: 'ExecuteActivity:decline', parentSpanId: DURO_SPAN, status: { code: 2, message: 'card declined' } });
    expect(attributeOf(span!, 'error.type')).toEqual({ stringValue: 'CardDeclined' });
  });

  it('takes the task\'s traceparent when the request has no header, and the header over the task\'s', async () => {
    const other = 'b7ad6b7169203331';
    await attempt(serve(), null, { traceparent: `00-${TRACE}-${other}-01` });
    await attempt(serve(), `00-${TRACE}-${DURO_SPAN}-01`, { traceparent: `00-${TRACE}-${other}-01` });
    expect(exports.map((sent) => sent.spans[0]!.parentSpanId)).toEqual([other, DURO_SPAN]);
  });

  it.each([
    ['no traceparent', null, undefined],
    ['no traceparent but the task\'s, not sampled', null, `00-${TRACE}-${DURO_SPAN}-00`],
    ['a traceparent not sampled', `00-${TRACE}-${DURO_SPAN}-00`, `00-${TRACE}-${DURO_SPAN}-00`],
    ['a traceparent not valid', 'not-a-traceparent', `00-${TRACE}-${DURO_SPAN}-00`],
  ])('records no span for a request with %s, and hands the activity the task\'s context', async (_case, header, taskTraceparent) => {
    const { response } = await attempt(serve(), header, { ...(taskTraceparent !== undefined && { traceparent: taskTraceparent }) });
    expect(response.status).toBe(200);
    expect(exports).toEqual([]);
    expect(seen[0]!.traceparent).toBe(taskTraceparent);
  });

  it('exports no span for an attempt that completes later (202): Duro\'s span of the attempt covers it', async () => {
    const { response } = await attempt(serve(), `00-${TRACE}-${DURO_SPAN}-01`, { activityType: 'approve' });
    expect(response.status).toBe(202);
    expect(exports).toEqual([]);
  });

  it('exports the span of a slow attempt answered 202 when it settles, kept alive by waitUntil', async () => {
    let release!: () => void;
    const slow = async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return 'done';
    };
    const callbacks = vi.fn(async () => new Response('{}', { status: 200 }));
    const server = serve({ activities: { slow }, duroUrl: 'https://duro.test', asyncAfterMs: 10, fetch: callbacks });
    const request = await signedRequest(await activityRequest({ activityType: 'slow' }));
    request.headers.set('traceparent', `00-${TRACE}-${DURO_SPAN}-01`);
    const kept: Array<Promise<unknown>> = [];
    const response = await server.fetch(request, undefined, { waitUntil: (promise) => kept.push(promise) });
    expect(response.status).toBe(202);
    expect(kept).toHaveLength(1); // the completion
    expect(exports).toEqual([]);
    release();
    await kept[0];
    expect(kept).toHaveLength(2); // and the span's export, handed over as the attempt settled
    await kept[1];
    expect(callbacks).toHaveBeenCalledWith('https://duro.test/v1/activities/complete', expect.anything());
    expect(exports.map((sent) => sent.spans.map((span) => [span.name, span.parentSpanId]))).toEqual([[['ExecuteActivity:slow', DURO_SPAN]]]);
  });

  it('exports to the collector the env\'s OTEL_* variables name when no tracing option is given', async () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20t', OTEL_SERVICE_NAME: 'billing' };
    await attempt(serve({ tracing: undefined }), `00-${TRACE}-${DURO_SPAN}-01`, {}, env);
    expect(exports).toHaveLength(1);
    expect(exports[0]).toMatchObject({ url: 'http://127.0.0.1:4318/v1/traces', headers: { authorization: 'Bearer t' }, serviceName: 'billing' });
    expect(exports[0]!.spans[0]).toMatchObject({ name: 'ExecuteActivity:charge', traceId: TRACE, parentSpanId: DURO_SPAN });
  });

  it('records no span without a tracing option or OTEL_* variables, and hands the activity the request\'s context', async () => {
    await attempt(serve({ tracing: undefined }), `00-${TRACE}-${DURO_SPAN}-01`, { traceparent: `00-${TRACE}-${DURO_SPAN}-01` }, { DURO_ACTIVITY_SECRET: SECRET });
    expect(exports).toEqual([]);
    expect(seen[0]!.traceparent).toBe(`00-${TRACE}-${DURO_SPAN}-01`);
  });

  it('exports with the global fetch, not the callbacks\' fetch (Duro\'s own Worker routes that one into its API)', async () => {
    const callbacks = vi.fn(async () => new Response(null, { status: 404 }));
    await attempt(serve({ fetch: callbacks }), `00-${TRACE}-${DURO_SPAN}-01`);
    expect(exports).toHaveLength(1);
    expect(callbacks).not.toHaveBeenCalled();
  });
});
