// Replies an activity server should never send, read by the dispatcher over real HTTP (docs/activities.md, The
// reply): deep nesting, cut-off JSON, redirects to another origin, bodies far over the cap.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ActivityDispatcher } from '../../../durable-objects/activity-dispatcher';
import type { ActivityTask } from '../../../src/core/internals';
import { Limits } from '../../../src/core/limits';
import { payloadShapeProblem } from '../../../src/core/payload';
import { invalidOutcome } from '../../../src/protocol/activity-outcome';

const task: ActivityTask = {
  workflowId: 'order-1', runId: 'run-1', workflowType: 'order', activityId: '3', activityType: 'charge', taskQueue: 'payments',
  input: { amount: 42 }, attempt: 1, scheduledAt: 1_000, startedAt: 2_000, deadline: Date.now() + 60_000,
};

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(handler: (request: IncomingMessage, response: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server answering every attempt with `status` and exactly these bytes. */
const answering = (status: number, body: string, headers: Record<string, string> = {}) => listen((_request, response) => {
  response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
});

const dispatchTo = (url: string) => new ActivityDispatcher({ secret: 'reply-test-secret', endpointOf: () => ({ url, concurrency: 4 }) }).dispatch(task);

const nested = (depth: number, leaf: string = '1') => '['.repeat(depth) + leaf + ']'.repeat(depth);

describe('payloadShapeProblem', () => {
  it('measures nesting without recursion, so 100 000 levels do not overflow the stack', () => {
    expect(payloadShapeProblem(JSON.parse(nested(Limits.maxPayloadDepth)))).toBeUndefined();
    expect(payloadShapeProblem(JSON.parse(nested(Limits.maxPayloadDepth + 1)))).toMatch(/deeper than 64/);
    expect(payloadShapeProblem(JSON.parse(nested(100_000)))).toMatch(/deeper than 64/);
  });

  it('refuses numbers JSON cannot carry', () => {
    expect(payloadShapeProblem({ balance: Infinity })).toMatch(/Infinity/);
    expect(payloadShapeProblem([NaN])).toMatch(/NaN/);
    expect(payloadShapeProblem({ ok: [1e308, 'text', null, true] })).toBeUndefined();
  });
});

describe('invalidOutcome (replies and POST /v1/activities/complete)', () => {
  it('holds a failure to what leaves the object (15 MiB) even when a blob store lets results be 100 MiB', () => {
    const message = 'x'.repeat(16 * 1024 * 1024);
    const failure = { kind: 'application', type: 'Huge', message, nonRetryable: false } as never;
    // The body's length alone says nothing here: 16 Mi characters could be under 100 MiB, not under 15.
    expect(invalidOutcome({ failure }, message.length + 80, Limits.maxBlobPayloadBytes)).toMatchObject({ type: 'PayloadTooLarge', message: expect.stringContaining(`over the ${Limits.maxMessagePayloadBytes}-byte payload limit`) });
    expect(invalidOutcome({ result: message }, message.length + 20, Limits.maxBlobPayloadBytes)).toBeUndefined();
  });

  const chain = (causes: number) => {
    let failure: Record<string, unknown> = { kind: 'application', type: 'Leaf', message: 'deepest', nonRetryable: false };
    for (let i = 0; i < causes; i++) failure = { kind: 'application', type: `Level${i}`, message: 'wraps', nonRetryable: false, cause: failure };
    return failure as never;
  };

  it('takes a failure with 32 causes and refuses one with 33 as ActivityReplyInvalid', () => {
    expect(invalidOutcome({ failure: chain(32) })).toBeUndefined();
    expect(invalidOutcome({ failure: chain(33) })).toMatchObject({ type: 'ActivityReplyInvalid', nonRetryable: true, message: expect.stringContaining('more than 32 causes') });
  });

  it("checks every failure's details, down the cause chain", () => {
    const deepDetails = { kind: 'application', type: 'Outer', message: 'm', nonRetryable: false, cause: { kind: 'application', type: 'Inner', message: 'm', nonRetryable: false, details: JSON.parse(nested(65)) } } as never;
    expect(invalidOutcome({ failure: deepDetails })).toMatchObject({ type: 'ActivityReplyInvalid', message: expect.stringContaining("(cause 1) field 'details' nests deeper than 64") });
  });
});

describe('ActivityDispatcher: hostile replies over HTTP', () => {
  it('fails a result nested 100 000 deep as non-retryable ActivityReplyInvalid', async () => {
    const url = await answering(200, `{"result":${nested(100_000)}}`);
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'ActivityReplyInvalid', nonRetryable: true, message: expect.stringContaining('Activity result nests deeper than 64') } });
  });

  it('fails a failure whose details nest 100 000 deep as non-retryable ActivityReplyInvalid, not as the failure sent', async () => {
    const url = await answering(500, `{"type":"Boom","message":"m","details":${nested(100_000)}}`);
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'ActivityReplyInvalid', nonRetryable: true, message: expect.stringContaining("field 'details' nests deeper") } });
  });

  it('fails a failure with a cause chain 2 000 deep as ActivityReplyInvalid', async () => {
    const url = await answering(500, '{"type":"T","message":"m","cause":'.repeat(2_000) + '{"type":"T","message":"m"}' + '}'.repeat(2_000));
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'ActivityReplyInvalid', nonRetryable: true } });
  });

  it.each([
    ['cut-off JSON', '{"result":{"charged":4'],
    ['an empty body', ''],
    ['text', 'OK'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"done"'],
  ])('fails a 200 with %s as retryable ActivityReplyMalformed, never as a result', async (_what, body) => {
    const url = await answering(200, body);
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'ActivityReplyMalformed', nonRetryable: false, message: expect.stringContaining('answered 200') } });
  });

  it('still takes {} (a void activity) as a null result', async () => {
    expect(await dispatchTo(await answering(200, '{}'))).toEqual({ result: null });
  });

  it("hands on a reply's `logs` beside the outcome, never inside the failure that is recorded", async () => {
    const logs = [JSON.stringify({ level: 'info', message: 'charging', time: '2026-01-01T00:00:00.000Z' })];
    expect(await dispatchTo(await answering(200, JSON.stringify({ result: 'ch-1', logs })))).toEqual({ result: 'ch-1', logs });
    const failed = await dispatchTo(await answering(500, JSON.stringify({ type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, logs })));
    expect(failed).toEqual({ failure: { kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true }, logs });
    // Anything but a list of lines is left out.
    expect(await dispatchTo(await answering(200, JSON.stringify({ result: 1, logs: 'not a list' })))).toEqual({ result: 1 });
    expect(await dispatchTo(await answering(500, JSON.stringify({ type: 'Boom', message: 'm', logs: {} })))).toEqual({ failure: { kind: 'application', type: 'Boom', message: 'm', nonRetryable: false } });
  });

  it('does not follow a 307 to another origin: the other host never sees the signed body', async () => {
    const hits: string[] = [];
    const elsewhere = await listen((request, response) => {
      hits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"result":"from elsewhere"}');
    });
    const url = await answering(307, '', { location: `${elsewhere}/steal` });
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'ActivityRedirected', nonRetryable: false, message: expect.stringContaining(`answered 307 to ${elsewhere}/steal`) } });
    expect(hits).toEqual([]);
  });

  it('refuses a 150 MB body after reading about the cap, cancelling the rest', async () => {
    let written = 0;
    let closed = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const url = await listen((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"result":"');
      response.on('close', () => { closed = true; });
      const pump = () => {
        while (!closed && written < 150 * 1024 * 1024) {
          written += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump); // only as fast as the client reads
        }
        if (!closed) response.end('"}');
      };
      pump();
    });
    const outcome = await dispatchTo(url);
    expect(outcome).toMatchObject({ failure: { type: 'PayloadTooLarge', nonRetryable: true, message: expect.stringContaining(`over ${Limits.maxReplyBodyBytes} bytes`) } });
    await expect.poll(() => closed).toBe(true);
    // What the server got out before the client hung up: the cap plus socket buffers, not 150 MB.
    expect(written).toBeLessThan(Limits.maxReplyBodyBytes + 16 * 1024 * 1024);
  });

  it('refuses a body whose Content-Length is over the cap without reading it', async () => {
    const url = await listen((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': String(150 * 1024 * 1024) });
      response.write('{"result":"');
    });
    expect(await dispatchTo(url)).toMatchObject({ failure: { type: 'PayloadTooLarge', message: expect.stringContaining('at its Content-Length') } });
  });
});
