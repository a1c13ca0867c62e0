// Spans out over OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): where the
// OTEL_* variables say to send them, the exact request body, and the exporter's batching and failure handling on a
// virtual clock with a fake collector.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SpanData } from '../../../src/core/tracing/span';
import { otlpOptionsFrom, otlpTraceRequest, type OtlpOptions } from '../../../src/protocol/otlp';
import { OtlpSpanExporter } from '../../../src/protocol/otlp-exporter';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function span(overrides: Partial<SpanData> = {}): SpanData {
  return {
    traceId: TRACE, spanId: '00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', name: 'RunWorkflow:order', kind: 'server',
    startTime: 1_767_225_600_000, endTime: 1_767_225_600_250, attributes: {}, ...overrides,
  };
}

describe('otlpOptionsFrom', () => {
  it('gives no options when no endpoint is set', () => {
    expect(otlpOptionsFrom(undefined)).toBeUndefined();
    expect(otlpOptionsFrom({})).toBeUndefined();
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: '', OTEL_SERVICE_NAME: 'shop', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' })).toBeUndefined();
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 42 })).toBeUndefined();
  });

  it('sends to /v1/traces under the base endpoint, with or without its trailing slash', () => {
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toEqual({ url: 'http://127.0.0.1:4318/v1/traces' });
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/' })).toEqual({ url: 'http://127.0.0.1:4318/v1/traces' });
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318//' })).toEqual({ url: 'http://127.0.0.1:4318/v1/traces' });
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otlp.example/api/otel/' })).toEqual({ url: 'https://otlp.example/api/otel/v1/traces' });
  });

  it('sends to the traces endpoint as it is written, over the base endpoint', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest' };
    expect(otlpOptionsFrom(env)).toEqual({ url: 'https://traces.example/ingest' });
  });

  it('reads headers as comma-separated key=value pairs, percent-decoded and trimmed, skipping bad pairs', () => {
    const options = otlpOptionsFrom({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%20def%2C1 , x-team = ops,no-equals,=no-name,token=YWJj==,broken=%zz,bad%20name=1,split=a%0Ab',
    });
    expect(options?.headers).toEqual({ 'api-key': 'abc def,1', 'x-team': 'ops', token: 'YWJj==' });
  });

  it('takes the traces headers over the general ones', () => {
    const options = otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_EXPORTER_OTLP_HEADERS: 'a=1', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'b=2' });
    expect(options?.headers).toEqual({ b: '2' });
  });

  it('names the service after OTEL_SERVICE_NAME', () => {
    expect(otlpOptionsFrom({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318', OTEL_SERVICE_NAME: 'checkout' })).toEqual({ url: 'http://base:4318/v1/traces', serviceName: 'checkout' });
  });
});

describe('otlpTraceRequest', () => {
  it('writes spans in the OTLP JSON encoding: hex ids, kind numbers, nanosecond strings, typed attributes, status', () => {
    const body = otlpTraceRequest([
      span({ attributes: { 'duro.workflow.id': 'order-1', 'duro.activity.retrying': false, 'duro.activity.attempt': 3, ratio: 0.25 } }),
      span({ spanId: '1111111111111111', name: 'RunActivity:charge', kind: 'client', startTime: 1_767_225_600_000.5, endTime: 1_767_225_600_001.25, error: 'card declined' }),
      span({ spanId: '2222222222222222', parentSpanId: undefined, name: 'Activation:order', kind: 'internal' }),
    ], 'checkout');
    expect(body).toEqual({
      resourceSpans: [{
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: 'checkout' } },
            { key: 'telemetry.sdk.name', value: { stringValue: 'duro' } },
            { key: 'telemetry.sdk.language', value: { stringValue: 'webjs' } },
          ],
        },
        scopeSpans: [{
          scope: { name: 'duro' },
          spans: [
            {
              traceId: TRACE, spanId: '00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', name: 'RunWorkflow:order', kind: 2,
              startTimeUnixNano: '1767225600000000000', endTimeUnixNano: '1767225600250000000',
              attributes: [
                { key: 'duro.workflow.id', value: { stringValue: 'order-1' } },
                { key: 'duro.activity.retrying', value: { boolValue: false } },
                { key: 'duro.activity.attempt', value: { intValue: '3' } },
                { key: 'ratio', value: { doubleValue: 0.25 } },
              ],
              status: {},
            },
            {
              traceId: TRACE, spanId: '1111111111111111', parentSpanId: 'b7ad6b7169203331', name: 'RunActivity:charge', kind: 3,
              startTimeUnixNano: '1767225600000500000', endTimeUnixNano: '1767225600001250000',
              attributes: [],
              status: { code: 2, message: 'card declined' },
            },
            {
              traceId: TRACE, spanId: '2222222222222222', name: 'Activation:order', kind: 1,
              startTimeUnixNano: '1767225600000000000', endTimeUnixNano: '1767225600250000000',
              attributes: [],
              status: {},
            },
          ],
        }],
      }],
    });
  });

  it('names the service duro by default', () => {
    const body = otlpTraceRequest([]) as { resourceSpans: Array<{ resource: { attributes: unknown[] } }> };
    expect(body.resourceSpans[0]!.resource.attributes[0]).toEqual({ key: 'service.name', value: { stringValue: 'duro' } });
  });

  it('writes numbers a collector can read: integers past 2^53 as doubles, and NaN and the infinities as proto3 JSON strings', () => {
    const body = otlpTraceRequest([span({ attributes: { big: 1e21, nan: Number.NaN, inf: Number.POSITIVE_INFINITY, negInf: Number.NEGATIVE_INFINITY, max: Number.MAX_SAFE_INTEGER } })]);
    const attributes = JSON.parse(JSON.stringify(body)).resourceSpans[0].scopeSpans[0].spans[0].attributes;
    expect(attributes).toEqual([
      { key: 'big', value: { doubleValue: 1e21 } },
      { key: 'nan', value: { doubleValue: 'NaN' } },
      { key: 'inf', value: { doubleValue: 'Infinity' } },
      { key: 'negInf', value: { doubleValue: '-Infinity' } },
      { key: 'max', value: { intValue: '9007199254740991' } },
    ]);
  });
});

describe('OtlpSpanExporter', () => {
  const options: OtlpOptions = { url: 'https://collector.example/v1/traces', headers: { 'x-api-key': 'k' }, serviceName: 'checkout' };
  let requests: Array<{ url: string; init: RequestInit; spans: SpanData['spanId'][] }>;
  let answer: () => Promise<Response>;
  const fakeFetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Array<{ spanId: string }> }> }> };
    requests.push({ url: String(input), init: init!, spans: body.resourceSpans[0]!.scopeSpans[0]!.spans.map((s) => s.spanId) });
    return answer();
  });
  const spans = (count: number, from = 0) => Array.from({ length: count }, (_, i) => span({ spanId: (from + i + 1).toString(16).padStart(16, '0') }));

  beforeEach(() => {
    vi.useFakeTimers();
    requests = [];
    answer = async () => new Response(null, { status: 200 });
    fakeFetch.mockClear();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('POSTs the OTLP JSON of the spans to the collector, with its headers', async () => {
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    const sent = [span()];
    exporter.export(sent);
    await vi.advanceTimersByTimeAsync(200);
    expect(requests).toHaveLength(1);
    const { url, init } = requests[0]!;
    expect(url).toBe(options.url);
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'content-type': 'application/json', 'x-api-key': 'k' });
    expect(JSON.parse(String(init.body))).toEqual(otlpTraceRequest(sent, 'checkout'));
  });

  it('gathers the spans finished within 200 ms into one request', async () => {
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    exporter.export(spans(2));
    await vi.advanceTimersByTimeAsync(150);
    exporter.export(spans(1, 2));
    await vi.advanceTimersByTimeAsync(49);
    expect(requests).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests.map((request) => request.spans.length)).toEqual([3]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(requests).toHaveLength(1);
  });

  it('sends a full batch of 512 at once, and what is beyond it in the next request', async () => {
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    exporter.export(spans(511));
    expect(requests).toHaveLength(0);
    exporter.export(spans(89, 511));
    await vi.advanceTimersByTimeAsync(0);
    expect(requests.map((request) => request.spans.length)).toEqual([512, 88]);
    expect(requests.flatMap((request) => request.spans)).toEqual(spans(600).map((s) => s.spanId));
  });

  it('holds at most 4096 spans while the collector does not answer, dropping what comes beyond (and saying so once)', async () => {
    answer = () => new Promise(() => undefined); // a collector that never answers
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    for (let i = 0; i < 8; i++) exporter.export(spans(512, i * 512));
    expect(requests).toHaveLength(8);
    exporter.export(spans(1, 4096));
    exporter.export(spans(1, 4097));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(requests).toHaveLength(8);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/collector\.example.*1 span\(s\) dropped/);
  });

  it('drops one export that alone is beyond what it holds', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    exporter.export(spans(4097));
    exporter.export(spans(1, 4097));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(requests.flatMap((request) => request.spans)).toEqual([spans(1, 4097)[0]!.spanId]);
    expect(warn).toHaveBeenCalledWith('duro: the OTLP collector at https://collector.example is behind (more than 4096 spans would wait for it); 4097 span(s) dropped (reported once a minute)');
  });

  it('reports a collector that answers 500 once a minute, not once a batch, and drops those batches', async () => {
    answer = async () => new Response('overloaded', { status: 500 });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    for (let i = 0; i < 5; i++) {
      exporter.export(spans(1, i));
      await vi.advanceTimersByTimeAsync(200);
    }
    expect(requests).toHaveLength(5);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe('duro: the OTLP collector at https://collector.example answered 500; 1 span(s) dropped (reported once a minute)');
    await vi.advanceTimersByTimeAsync(60_000);
    exporter.export(spans(1, 9));
    await vi.advanceTimersByTimeAsync(200);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(requests).toHaveLength(6); // what failed was not sent again
  });

  it('reports a collector it cannot reach, never throws, and goes on with the next batch', async () => {
    answer = async () => {
      throw new TypeError('fetch failed');
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    expect(() => exporter.export(spans(1))).not.toThrow();
    await expect(exporter.flush()).resolves.toBeUndefined();
    exporter.export(spans(1, 1));
    await expect(exporter.flush()).resolves.toBeUndefined();
    expect(requests).toHaveLength(2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/could not be reached \(fetch failed\); 1 span\(s\) dropped/);
  });

  it('flush() sends what waits at once, and resolves when the collector answered', async () => {
    let release!: () => void;
    answer = () => new Promise((resolve) => (release = () => resolve(new Response(null, { status: 200 }))));
    const exporter = new OtlpSpanExporter(options, fakeFetch);
    exporter.export(spans(3));
    let flushed = false;
    const flush = exporter.flush().then(() => (flushed = true));
    expect(requests.map((request) => request.spans.length)).toEqual([3]);
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed).toBe(false);
    release();
    await flush;
    expect(flushed).toBe(true);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(requests).toHaveLength(1); // the batch timer went with the flush
    await expect(exporter.flush()).resolves.toBeUndefined();
    expect(requests).toHaveLength(1); // nothing left: no empty request
  });

  it('hands each send to waitUntil, to keep the invocation alive until the collector answered', async () => {
    let release!: () => void;
    answer = () => new Promise((resolve) => (release = () => resolve(new Response(null, { status: 200 }))));
    const kept: Array<Promise<unknown>> = [];
    const exporter = new OtlpSpanExporter(options, fakeFetch, (promise) => kept.push(promise));
    exporter.export(spans(1));
    expect(kept).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(kept).toHaveLength(1);
    let settled = false;
    void kept[0]!.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(false);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(settled).toBe(true);
  });

  it('uses the global fetch when given none', async () => {
    const globalFetch = vi.fn(async () => new Response(null, { status: 200 }));
    vi.stubGlobal('fetch', globalFetch);
    try {
      const exporter = new OtlpSpanExporter(options);
      exporter.export(spans(1));
      await exporter.flush();
      expect(globalFetch).toHaveBeenCalledWith(options.url, expect.objectContaining({ method: 'POST' }));
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('otlpTraceRequest bounds', () => {
  it('cuts names, error messages and string attributes to 1 024 characters', () => {
    const long = 'x'.repeat(5_000);
    const body = otlpTraceRequest([{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: long, kind: 'internal', startTime: 1, endTime: 2, attributes: { note: long }, error: long }]) as any;
    const [span] = body.resourceSpans[0].scopeSpans[0].spans;
    expect(span.name).toHaveLength(1_024);
    expect(span.status.message).toHaveLength(1_024);
    expect(span.attributes[0].value.stringValue).toHaveLength(1_024);
  });
});
