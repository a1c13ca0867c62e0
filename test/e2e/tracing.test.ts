// End to end: traces (docs/observability.md, Traces) from this repo's Worker under a real `wrangler dev` to a real
// OTLP/HTTP collector (a Node HTTP server here). A client starts an order saga with a `traceparent`: its charge step
// fails once and is retried, its fulfil step fails for good, and the saga compensates. The collector must receive one
// trace under the client's span: the run, its activations, every attempt (the retried one too), the activity
// server's span under each attempt, and the compensations.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpSpansOf, type OtlpSpan } from '../support/otlp';
import { ApiHttp } from './api-http';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'tracing-e2e-token';
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

let dev: WranglerDev | undefined;
let collector: Server | undefined;
let work: string;
let api: ApiHttp;
/** Every export request the collector received, as parsed. */
const requests: Array<{ contentType: string | undefined; body: any }> = [];

function receivedSpans(): Array<OtlpSpan & { service: unknown }> {
  return requests.flatMap(({ body }) => otlpSpansOf(body));
}

const attribute = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((entry) => entry.key === key)?.value ?? {})[0];

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; spans so far: ${receivedSpans().map((span) => span.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('traces over OTLP/HTTP', () => {
  beforeAll(async () => {
    collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') requests.push({ contentType: request.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString()) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const collectorPort = await freePort();
    await new Promise<void>((resolve) => collector!.listen(collectorPort, '127.0.0.1', resolve));
    work = mkdtempSync(join(tmpdir(), 'duro-e2e-tracing-'));
    const port = await freePort();
    dev = await WranglerDev.start({
      config: join(ROOT, 'wrangler.toml'), port, inspectorPort: await freePort(), persistTo: join(work, 'state'),
      vars: { DURO_API_TOKEN: TOKEN, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`, OTEL_SERVICE_NAME: 'shop' },
    });
    api = new ApiHttp(dev.url, TOKEN);
  }, 90_000);

  afterAll(async () => {
    await dev?.kill().catch(() => undefined);
    await new Promise((resolve) => (collector ? collector.close(resolve) : resolve(undefined)));
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("sends one trace of a saga with a retried activity, under the client's span", async () => {
    const started = await api.call('POST', '/v1/workflows', { workflowType: 'orderSaga', workflowId: 'traced-order', input: { flakyAt: 'charge', failAt: 'fulfil' } }, { headers: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` } });
    expect(started.status, started.text).toBe(201);
    const result = await api.call('GET', '/v1/workflows/traced-order/result?wait=30s');
    expect(result.body, result.text).toMatchObject({ status: 'failed' });

    const run = await until('the run span', () => receivedSpans().find((span) => span.name === 'RunWorkflow:orderSaga'));
    // The activity server's spans are sent when each attempt ends; the compensations' last.
    await until('the activity servers\' spans', () => (receivedSpans().filter((span) => span.name.startsWith('ExecuteActivity:')).length >= 7 ? true : undefined));
    const spans = receivedSpans();

    expect(requests.every((request) => request.contentType === 'application/json')).toBe(true);
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([CLIENT_TRACE]));
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['shop']));
    expect(run.parentSpanId).toBe(CLIENT_SPAN);
    expect(run.kind).toBe(2); // SERVER
    expect(run.status).toMatchObject({ code: 2, message: expect.stringContaining('failed at fulfil') });
    expect(attribute(run, 'duro.workflow.id')).toBe('traced-order');
    expect(BigInt(run.endTimeUnixNano)).toBeGreaterThan(BigInt(run.startTimeUnixNano));

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: OtlpSpan) => (span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId)?.name);
    const named = (name: string) => spans.filter((span) => span.name === name).sort((a, b) => Number(attribute(a, 'duro.activity.attempt')) - Number(attribute(b, 'duro.activity.attempt')));

    const charges = named('RunActivity:chargePayment');
    expect(charges.map((span) => [attribute(span, 'duro.activity.attempt'), span.status.code ?? 0])).toEqual([['1', 2], ['2', 0]]);
    expect(charges[0]!.status.message).toContain('the reply was lost');
    expect(named('RunActivity:fulfilOrder').map((span) => span.status.code)).toEqual([2]);
    for (const name of ['RunActivity:reserveInventory', 'RunActivity:chargePayment', 'RunActivity:fulfilOrder', 'RunActivity:cancelFulfilment', 'RunActivity:refundPayment', 'RunActivity:releaseInventory']) {
      expect(named(name).length, name).toBeGreaterThan(0);
      for (const span of named(name)) expect(parentOf(span), name).toBe('RunWorkflow:orderSaga');
    }
    expect(named('Activation:orderSaga').length).toBeGreaterThanOrEqual(3);
    for (const span of named('Activation:orderSaga')) expect(parentOf(span)).toBe('RunWorkflow:orderSaga');

    // Each attempt's own span on the activity server, under the attempt Duro sent.
    const served = spans.filter((span) => span.name === 'ExecuteActivity:chargePayment');
    expect(served.map((span) => byId.get(span.parentSpanId!)?.spanId).sort()).toEqual(charges.map((span) => span.spanId).sort());
    expect(served.every((span) => span.kind === 2)).toBe(true);
  }, 90_000);
});
