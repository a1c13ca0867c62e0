// The engine's side of the activity protocol (docs/activities.md), under Node: what the dispatcher sends, and
// how it reads each kind of reply — from serveActivities, from a server written without Duro's classes, and from
// the Worker's own activity entrypoint over Workers RPC (decision 027).
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { serveActivities } from 'duro/client';
import { ApplicationFailure, Limits, type ActivityContext } from 'duro/workflow';
import { ActivityDispatcher, COMPLETES_LATER } from '../../../durable-objects/activity-dispatcher';
import type { ActivityTask } from '../../../src/core/internals';
import type { ActivityCallReply, ActivityEntrypointRpc } from '../../../src/protocol/activity-protocol';
import { verifyBodySignature } from '../../../src/protocol/signature';
import { verifyTaskToken } from '../../../src/protocol/task-token';

const SECRET = 'dispatcher-test-secret';

const task: ActivityTask = {
  workflowId: 'order-1', runId: 'run-1', workflowType: 'order', activityId: '3', activityType: 'charge', taskQueue: 'payments',
  input: { amount: 42 }, attempt: 2, scheduledAt: 1_000, startedAt: 2_000, deadline: Date.now() + 60_000,
};

type Handler = (request: Request) => Promise<Response> | Response;

function dispatcherFor(handler: Handler, options: { callbackUrl?: string } = {}) {
  const fetcher = { fetch: async (url: string, init?: RequestInit) => handler(new Request(url, init)) };
  return new ActivityDispatcher({ secret: SECRET, ...options, endpointOf: (queue) => (queue === 'payments' ? { url: 'https://activities.test/run', fetcher, concurrency: 4 } : undefined) });
}

const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

describe('ActivityDispatcher: the request', () => {
  it('POSTs the task with a task token, callbackUrl, Idempotency-Key and a Duro-Signature over the exact body', async () => {
    let seen: { method: string; url: string; key: string | null; signature: string | null; body: string } | undefined;
    const outcome = await dispatcherFor(async (request) => {
      seen = { method: request.method, url: request.url, key: request.headers.get('Idempotency-Key'), signature: request.headers.get('Duro-Signature'), body: await request.text() };
      return reply(200, { result: 'ok' });
    }, { callbackUrl: 'https://duro.example' }).dispatch(task);
    expect(outcome).toEqual({ result: 'ok' });
    expect(seen).toMatchObject({ method: 'POST', url: 'https://activities.test/run', key: 'order-1:run-1:3', signature: expect.stringMatching(/^t=\d+,v1=[A-Za-z0-9_-]+$/) });
    expect(await verifyBodySignature(SECRET, seen!.body, seen!.signature)).toEqual({ ok: true });
    const body = JSON.parse(seen!.body);
    expect(body).toEqual({ ...task, taskToken: expect.any(String), callbackUrl: 'https://duro.example' });
    expect(await verifyTaskToken(SECRET, body.taskToken)).toEqual({ workflowId: 'order-1', runId: 'run-1', activityId: '3', attempt: 2 });
  });

  it('sends no signature to a trusted endpoint (the Worker\'s own queue), but still a task token', async () => {
    let seen: { signature: string | null; body: string } | undefined;
    const fetcher = { fetch: async (url: string, init?: RequestInit) => {
      const request = new Request(url, init);
      seen = { signature: request.headers.get('Duro-Signature'), body: await request.text() };
      return reply(200, { result: 'ok' });
    } };
    const dispatcher = new ActivityDispatcher({ secret: SECRET, endpointOf: () => ({ url: 'https://duro.internal/_duro/activities', fetcher, concurrency: 4, trusted: true }) });
    expect(await dispatcher.dispatch(task)).toEqual({ result: 'ok' });
    expect(seen!.signature).toBeNull();
    expect(await verifyTaskToken(SECRET, JSON.parse(seen!.body).taskToken)).toMatchObject({ activityId: '3', attempt: 2 });
  });

  it('fails an activity of a task queue with no endpoint as non-retryable UnknownTaskQueue', async () => {
    const outcome = await dispatcherFor(() => reply(200, {})).dispatch({ ...task, taskQueue: 'nowhere' });
    expect(outcome).toMatchObject({ failure: { type: 'UnknownTaskQueue', nonRetryable: true } });
  });
});

describe('ActivityDispatcher: replies from serveActivities', () => {
  const server = serveActivities({
    secret: SECRET,
    activities: {
      charge: async (input: { amount: number }, ctx: ActivityContext) => ({ charged: input.amount, attempt: ctx.info.attempt }),
      decline: async () => { throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 }); },
      approve: async (_input: unknown, ctx: ActivityContext) => ctx.doNotCompleteOnReturn(),
    },
  });
  const dispatcher = dispatcherFor((request) => server.fetch(request));

  it('reads 200 {result} as the result', async () => {
    expect(await dispatcher.dispatch(task)).toEqual({ result: { charged: 42, attempt: 2 } });
  });

  it('reads a failure body with its type, details and non-retryable flag', async () => {
    expect(await dispatcher.dispatch({ ...task, activityType: 'decline' })).toMatchObject({ failure: { kind: 'application', type: 'PaymentDeclined', nonRetryable: true, details: { code: 51 } } });
  });

  it('reads 202 as "completes later"', async () => {
    expect(await dispatcher.dispatch({ ...task, activityType: 'approve' })).toBe(COMPLETES_LATER);
  });

  it('gets a retryable failure when the server refuses the signature (another secret)', async () => {
    const other = serveActivities({ secret: 'another-secret', activities: { charge: async () => 'never' } });
    const outcome = await dispatcherFor((request) => other.fetch(request)).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'ActivityServerError', nonRetryable: false, message: expect.stringContaining('401') } });
  });
});

describe('ActivityDispatcher: replies from other servers', () => {
  it('takes a failure body without kind or nonRetryable as a retryable application failure (docs/activities.md)', async () => {
    const outcome = await dispatcherFor(() => reply(500, { type: 'UpstreamDown', message: 'try later', details: [1] })).dispatch(task);
    expect(outcome).toEqual({ failure: { kind: 'application', type: 'UpstreamDown', message: 'try later', nonRetryable: false, details: [1] } });
  });

  it('keeps nonRetryable: true and a nested cause from a failure body without kind', async () => {
    const body = { type: 'InvalidCard', message: 'no such card', nonRetryable: true, cause: { type: 'LookupError', message: 'card 4242 unknown' } };
    const outcome = await dispatcherFor(() => reply(422, body)).dispatch(task);
    expect(outcome).toEqual({ failure: { kind: 'application', type: 'InvalidCard', message: 'no such card', nonRetryable: true, cause: { kind: 'application', type: 'LookupError', message: 'card 4242 unknown', nonRetryable: false } } });
  });

  it.each([
    [500, 'Internal Server Error', 'ActivityServerError'],
    [502, { error: 'bad gateway' }, 'ActivityServerError'],
    [404, { type: 'about:blank', title: 'Not Found', status: 404 }, 'ActivityServerError'],
    [429, '', 'ActivityServerBusy'],
    [503, '', 'ActivityServerBusy'],
  ])('takes a %i without a failure body as a retryable failure', async (status, body, type) => {
    const outcome = await dispatcherFor(() => reply(status, body, { 'retry-after': '3' })).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type, nonRetryable: false, message: expect.stringContaining(`answered ${status} (Retry-After 3)`) } });
  });

  it('takes an error thrown through a service binding (its Worker threw) as a retryable ActivityTransportError', async () => {
    const outcome = await dispatcherFor(() => { throw new Error('Worker exceeded CPU time limit.'); }).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'ActivityTransportError', nonRetryable: false } });
  });

  it('takes a 204 (no content: a void activity) as a null result; other 2xx must be {result} (activity-reply.test.ts)', async () => {
    expect(await dispatcherFor(() => new Response(null, { status: 204 })).dispatch(task)).toEqual({ result: null });
  });
});

describe('ActivityDispatcher: the payload limit on replies', () => {
  it('fails a result over 2 MiB as non-retryable PayloadTooLarge, also one whose reply text is shorter (numbers written wider again)', async () => {
    // 400 000 × `1e20,` is 2.0 MB of text; the result, encoded again, has `100000000000000000000` for each: 8.8 MB.
    const widening = `{"result":[${Array.from({ length: 400_000 }, () => '1e20').join(',')}]}`;
    expect(await dispatcherFor(() => reply(200, widening)).dispatch(task)).toMatchObject({ failure: { type: 'PayloadTooLarge', nonRetryable: true } });
    const shortButWide = `{"result":[${Array.from({ length: 110_000 }, () => '1e20').join(',')}]}`; // 550 kB of text, 2.4 MB encoded
    expect(await dispatcherFor(() => reply(200, shortButWide)).dispatch(task)).toMatchObject({ failure: { type: 'PayloadTooLarge', nonRetryable: true } });
  });

  it('takes a small result as it is', async () => {
    expect(await dispatcherFor(() => reply(200, { result: [1e20, 'é'] })).dispatch(task)).toEqual({ result: [1e20, 'é'] });
  });
});

/** A local port nothing listens on: connecting to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('ActivityDispatcher: an endpoint it cannot reach', () => {
  let log: MockInstance<typeof console.error>;
  beforeEach(() => {
    log = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    log.mockRestore();
    vi.unstubAllGlobals();
  });

  /** The log lines about one task queue (the dedupe is the isolate's: each test uses a queue of its own). */
  const linesAbout = (taskQueue: string) => log.mock.calls.map((args) => args.join(' ')).filter((line) => line.includes(`Task queue '${taskQueue}'`));

  async function attempts(dispatcher: ActivityDispatcher, taskQueue: string, count: number) {
    const outcomes = [];
    for (let attempt = 1; attempt <= count; attempt++) outcomes.push(await dispatcher.dispatch({ ...task, taskQueue, attempt }));
    return outcomes;
  }

  const urlEndpoint = (url: string, fetcher?: { fetch(input: string, init?: RequestInit): Promise<Response> }) => new ActivityDispatcher({
    secret: SECRET,
    endpointOf: (taskQueue) => ({ url, concurrency: 4, ...(fetcher && { fetcher }), label: { name: `URL ${url}`, remedy: `Check taskQueues.${taskQueue}.url.` } }),
  });

  it('fails every attempt at a URL that refuses connections as retryable ActivityEndpointUnreachable, logged once', async () => {
    const port = await closedPort();
    const outcomes = await attempts(urlEndpoint(`http://127.0.0.1:${port}/duro`), 'refused', 5);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ failure: {
        type: 'ActivityEndpointUnreachable',
        nonRetryable: false,
        message: expect.stringMatching(new RegExp(`^Task queue 'refused' cannot reach its activity endpoint \\(URL http://127\\.0\\.0\\.1:${port}/duro\\): fetch failed: .*ECONNREFUSED.*\\. Check taskQueues\\.refused\\.url\\.$`)),
      } });
    }
    expect(linesAbout('refused')).toEqual([expect.stringMatching(/^duro: Task queue 'refused' cannot reach .*ECONNREFUSED.*logged once per task queue and cause\.$/)]);
  });

  it('takes the 503 of a service binding to a Worker that is not running (wrangler dev) as unreachable', async () => {
    // What wrangler dev's registry answers for a [[services]] binding whose service is not running (miniflare).
    const notFound = { fetch: async () => new Response('Worker "my-app" not found. Make sure it is running locally.', { status: 503 }) };
    const label = { name: 'service binding DURO_SELF', remedy: 'Check the [[services]] binding DURO_SELF in wrangler.toml.' };
    const dispatcher = new ActivityDispatcher({ secret: SECRET, endpointOf: () => ({ url: 'https://duro.internal/_duro/activities', fetcher: notFound, concurrency: 4, trusted: true, label }) });
    const outcomes = await attempts(dispatcher, 'self-binding', 4);
    expect(outcomes).toEqual(Array(4).fill({ failure: expect.objectContaining({
      type: 'ActivityEndpointUnreachable',
      nonRetryable: false,
      message: 'Task queue \'self-binding\' cannot reach its activity endpoint (service binding DURO_SELF): it answered 503 "Worker "my-app" not found. Make sure it is running locally.", '
        + "not as this Worker's activity server would. Check the [[services]] binding DURO_SELF in wrangler.toml.",
    }) }));
    expect(linesAbout('self-binding')).toHaveLength(1);
  });

  it("reads the JSON error replies of the Worker's own activity server as usual", async () => {
    const own = { fetch: async () => reply(500, { type: 'Declined', message: 'no' }) };
    const dispatcher = new ActivityDispatcher({ secret: SECRET, endpointOf: () => ({ url: 'https://duro.internal/_duro/activities', fetcher: own, concurrency: 4, trusted: true }) });
    expect(await dispatcher.dispatch({ ...task, taskQueue: 'own' })).toMatchObject({ failure: { type: 'Declined' } });
    expect(linesAbout('own')).toEqual([]);
  });

  it("takes Cloudflare's 530 (the origin's name does not resolve) as unreachable", async () => {
    const outcome = await urlEndpoint('https://payments.example/duro', { fetch: async () => new Response('error code: 1016', { status: 530 }) }).dispatch({ ...task, taskQueue: 'dns-530' });
    expect(outcome).toMatchObject({ failure: { type: 'ActivityEndpointUnreachable', message: expect.stringContaining('Cloudflare answered 530: the host name could not be resolved') } });
  });

  it('logs again for another task queue or another cause, once each', async () => {
    let cause = 'connect ECONNREFUSED';
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('fetch failed', { cause: new Error(cause) });
    });
    const dispatcher = urlEndpoint('https://payments.example/duro');
    await attempts(dispatcher, 'flapping-a', 3);
    await attempts(dispatcher, 'flapping-b', 3);
    cause = 'getaddrinfo ENOTFOUND payments.example';
    await attempts(dispatcher, 'flapping-a', 3);
    expect(linesAbout('flapping-a')).toEqual([expect.stringContaining('ECONNREFUSED'), expect.stringContaining('ENOTFOUND')]);
    expect(linesAbout('flapping-b')).toHaveLength(1);
  });

  it('logs a failed DNS lookup in workerd once, though each attempt gets a new error reference', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new Error(`internal error; reference = ${crypto.randomUUID().replaceAll('-', '')}`);
    });
    const outcomes = await attempts(urlEndpoint('https://payments.invalid/duro'), 'workerd-dns', 3);
    expect(outcomes[2]).toMatchObject({ failure: { type: 'ActivityEndpointUnreachable', message: expect.stringContaining('internal error; reference = ') } });
    expect(linesAbout('workerd-dns')).toHaveLength(1);
  });

  it('leaves an aborted attempt (timed out or cancelled) an ActivityTransportError, logging nothing', async () => {
    const hanging = vi.fn((_url: string, init: RequestInit) => new Promise<Response>((_resolve, reject) => {
      init.signal!.addEventListener('abort', () => reject(new DOMException('The operation was aborted', 'AbortError')));
    }));
    vi.stubGlobal('fetch', hanging);
    const dispatcher = urlEndpoint('https://payments.example/duro');
    const pending = dispatcher.dispatch({ ...task, taskQueue: 'aborted' });
    await vi.waitFor(() => expect(hanging).toHaveBeenCalled());
    dispatcher.abort(task.runId, task.activityId, task.attempt);
    expect(await pending).toMatchObject({ failure: { type: 'ActivityTransportError' } });
    expect(linesAbout('aborted')).toEqual([]);
  });
});

/** One RPC call the fake entrypoint got. */
interface EntrypointCall {
  request: Parameters<ActivityEntrypointRpc['attempt']>[0];
  hungUp: () => Promise<boolean>;
}

/** A stand-in for the Worker's activity entrypoint: records each call and answers what `answer` gives. */
function fakeEntrypoint(answer: (call: EntrypointCall) => Promise<unknown>): ActivityEntrypointRpc & { calls: EntrypointCall[] } {
  const calls: EntrypointCall[] = [];
  return {
    calls,
    attempt(request, hungUp) {
      const call = { request, hungUp };
      calls.push(call);
      return answer(call) as Promise<ActivityCallReply>;
    },
  };
}

function rpcDispatcher(entrypoint: ActivityEntrypointRpc, options: { maxPayloadBytes?: number; callbackUrl?: string; concurrency?: number } = {}) {
  const { concurrency = 4, ...rest } = options;
  return new ActivityDispatcher({ secret: SECRET, ...rest, endpointOf: () => ({ url: 'https://duro.internal/_duro/activities', entrypoint, concurrency, trusted: true }) });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** What `promise` has settled to once pending callbacks ran, or 'pending': shows that something did *not* happen. */
async function settledValue<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('ActivityDispatcher: over RPC (an entrypoint)', () => {
  it('calls the entrypoint with the task, callbackUrl and maxPayloadBytes, no task token (it makes its own), and fetches nothing', async () => {
    const entrypoint = fakeEntrypoint(async () => ({ result: 'ok' }));
    const fetcher = { fetch: vi.fn(async () => reply(200, { result: 'from fetch' })) };
    const dispatcher = new ActivityDispatcher({
      secret: SECRET, callbackUrl: 'https://duro.example', maxPayloadBytes: 10_000_000,
      endpointOf: () => ({ url: 'https://duro.internal/_duro/activities', entrypoint, fetcher, concurrency: 4, trusted: true }),
    });
    expect(await dispatcher.dispatch(task)).toEqual({ result: 'ok' });
    expect(fetcher.fetch).not.toHaveBeenCalled();
    expect(entrypoint.calls).toHaveLength(1);
    const { request } = entrypoint.calls[0]!;
    expect(request).toEqual({ ...task, callbackUrl: 'https://duro.example', maxPayloadBytes: 10_000_000 });
    expect(request).not.toHaveProperty('taskToken');
  });

  it('leaves maxPayloadBytes and callbackUrl out of the request when none is configured', async () => {
    const entrypoint = fakeEntrypoint(async () => ({ result: 'ok' }));
    await rpcDispatcher(entrypoint).dispatch(task);
    expect(entrypoint.calls[0]!.request).toEqual({ ...task });
  });

  it('reads {result} as the result, with the log lines beside it', async () => {
    const logs = ['{"level":"info","message":"charging"}'];
    expect(await rpcDispatcher(fakeEntrypoint(async () => ({ result: { charged: 42 }, logs }))).dispatch(task)).toEqual({ result: { charged: 42 }, logs });
    expect(await rpcDispatcher(fakeEntrypoint(async () => ({ result: undefined }))).dispatch(task)).toEqual({ result: null });
  });

  it('reads {failure} as the failure, with its type, details, non-retryable flag and log lines', async () => {
    const declined = { kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } };
    const logs = ['{"level":"error","message":"declined by the bank"}'];
    expect(await rpcDispatcher(fakeEntrypoint(async () => ({ failure: declined, logs }))).dispatch(task)).toEqual({ failure: declined, logs });
  });

  it('reads {accepted: true} as "completes later"', async () => {
    expect(await rpcDispatcher(fakeEntrypoint(async () => ({ accepted: true }))).dispatch(task)).toBe(COMPLETES_LATER);
  });

  it.each([
    ['a string', 'ok'],
    ['an empty object', {}],
    ['nothing', undefined],
    ['an array', [{ result: 1 }]],
    ['a failure without a type', { failure: { message: 'no type' } }],
    ['{accepted} that is not true', { accepted: 'yes' }],
  ])('takes %s for a reply as a retryable ActivityReplyMalformed', async (_case, answer) => {
    const outcome = await rpcDispatcher(fakeEntrypoint(async () => answer)).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'ActivityReplyMalformed', nonRetryable: false, message: expect.stringContaining('not an activity reply') } });
  });

  it('fails a result over maxPayloadBytes as non-retryable PayloadTooLarge', async () => {
    const entrypoint = fakeEntrypoint(async () => ({ result: 'x'.repeat(2_000) }));
    const outcome = await rpcDispatcher(entrypoint, { maxPayloadBytes: 1_000 }).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'PayloadTooLarge', nonRetryable: true, message: expect.stringContaining('over the 1000-byte payload limit') } });
    expect(await rpcDispatcher(fakeEntrypoint(async () => ({ result: 'x'.repeat(500) })), { maxPayloadBytes: 1_000 }).dispatch(task)).toEqual({ result: 'x'.repeat(500) });
  });

  it('holds a call to what an RPC carries where the host allows more (a blob store), and sends a larger input by the fetcher', async () => {
    const entrypoint = fakeEntrypoint(async () => ({ result: 'from the entrypoint' }));
    const fetcher = { fetch: vi.fn(async () => reply(200, { result: 'from fetch' })) };
    const endpointOf = () => ({ url: 'https://duro.internal/_duro/activities', entrypoint, fetcher, concurrency: 4, trusted: true });
    const withBlobs = new ActivityDispatcher({ secret: SECRET, maxPayloadBytes: 100 * 1024 * 1024, endpointOf });
    // A small input: a call, whose result the entrypoint holds to the call's limit.
    expect(await withBlobs.dispatch(task)).toEqual({ result: 'from the entrypoint' });
    expect(entrypoint.calls[0]!.request.maxPayloadBytes).toBe(Limits.maxMessagePayloadBytes);
    // An input larger than a call carries: the fetch, with the host's whole limit.
    const large = { ...task, input: 'x'.repeat(Limits.maxMessagePayloadBytes) };
    expect(await withBlobs.dispatch(large)).toEqual({ result: 'from fetch' });
    expect(entrypoint.calls).toHaveLength(1);
    expect(JSON.parse(String((fetcher.fetch.mock.calls[0] as unknown as [string, RequestInit])[1].body)).maxPayloadBytes).toBe(100 * 1024 * 1024);
    // A host within what a call carries: the call, with its own limit.
    const within = new ActivityDispatcher({ secret: SECRET, maxPayloadBytes: 10_000_000, endpointOf });
    await within.dispatch(task);
    expect(entrypoint.calls[1]!.request.maxPayloadBytes).toBe(10_000_000);
  });

  it.each([
    ['rejects (its Worker threw: over its CPU limit)', () => Promise.reject(new Error('Worker exceeded CPU time limit.'))],
    ['throws as it is called', () => { throw new Error('Worker exceeded CPU time limit.'); }],
  ])('takes an entrypoint that %s as a retryable ActivityTransportError', async (_case, answer) => {
    const outcome = await rpcDispatcher(fakeEntrypoint(answer)).dispatch(task);
    expect(outcome).toMatchObject({ failure: { type: 'ActivityTransportError', nonRetryable: false, message: 'Activity request failed: Worker exceeded CPU time limit.' } });
  });

  it('stops waiting for a call when the attempt is aborted, and tells the entrypoint through hungUp()', async () => {
    const entrypoint = fakeEntrypoint(() => new Promise(() => undefined)); // a call that never ends
    const dispatcher = rpcDispatcher(entrypoint);
    const pending = dispatcher.dispatch(task);
    await vi.waitFor(() => expect(entrypoint.calls).toHaveLength(1));
    const hungUp = entrypoint.calls[0]!.hungUp(); // the activity read its signal
    expect(await settledValue(hungUp)).toBe('pending');
    expect(await settledValue(pending)).toBe('pending');

    dispatcher.abort(task.runId, task.activityId, task.attempt);
    expect(await pending).toMatchObject({ failure: { type: 'ActivityTransportError', nonRetryable: false } });
    expect(await hungUp).toBe(true);
    expect(await entrypoint.calls[0]!.hungUp()).toBe(true);
  });

  it('resolves hungUp() false once a call ends without an abort, answered or rejected', async () => {
    const seen: Array<boolean | 'pending'> = [];
    const entrypoint = fakeEntrypoint(async ({ hungUp }) => {
      const asked = hungUp(); // the activity read its signal
      seen.push(await settledValue(asked)); // undecided while the call runs
      if (seen.length === 2) throw new Error('Worker exceeded CPU time limit.');
      return { result: 'ok' };
    });
    const dispatcher = rpcDispatcher(entrypoint);
    expect(await dispatcher.dispatch(task)).toEqual({ result: 'ok' });
    expect(await dispatcher.dispatch(task)).toMatchObject({ failure: { type: 'ActivityTransportError' } });
    expect(seen).toEqual(['pending', 'pending']);
    expect(await Promise.all(entrypoint.calls.map((call) => call.hungUp()))).toEqual([false, false]);
  });

  it('holds RPC calls to the task queue\'s concurrency, as it does POSTs', async () => {
    const replies = [deferred<ActivityCallReply>(), deferred<ActivityCallReply>()];
    const entrypoint = fakeEntrypoint(() => replies[entrypoint.calls.length - 1]!.promise);
    const dispatcher = rpcDispatcher(entrypoint, { concurrency: 1 });
    const first = dispatcher.dispatch({ ...task, activityId: '1' });
    const second = dispatcher.dispatch({ ...task, activityId: '2' });
    await vi.waitFor(() => expect(entrypoint.calls).toHaveLength(1));
    expect(await settledValue(second)).toBe('pending');
    expect(entrypoint.calls).toHaveLength(1);

    replies[0]!.resolve({ result: 'first' });
    expect(await first).toEqual({ result: 'first' });
    await vi.waitFor(() => expect(entrypoint.calls).toHaveLength(2));
    expect(entrypoint.calls.map((call) => call.request.activityId)).toEqual(['1', '2']);
    replies[1]!.resolve({ result: 'second' });
    expect(await second).toEqual({ result: 'second' });
  });

  it('never calls the entrypoint for an attempt aborted while it waits for a slot', async () => {
    const first = deferred<ActivityCallReply>();
    const entrypoint = fakeEntrypoint(() => first.promise);
    const dispatcher = rpcDispatcher(entrypoint, { concurrency: 1 });
    const running = dispatcher.dispatch({ ...task, activityId: '1' });
    const waiting = dispatcher.dispatch({ ...task, activityId: '2' });
    await vi.waitFor(() => expect(entrypoint.calls).toHaveLength(1));
    dispatcher.abort(task.runId, '2', task.attempt);
    first.resolve({ result: 'first' });
    expect(await running).toEqual({ result: 'first' });
    expect(await waiting).toMatchObject({ failure: { type: 'ActivityCancelled', nonRetryable: false } });
    expect(entrypoint.calls.map((call) => call.request.activityId)).toEqual(['1']);
  });
});
