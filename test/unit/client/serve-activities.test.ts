// serveActivities as an activity server must behave (docs/activities.md): it refuses unsigned or stale requests,
// answers 200 {result} or a failure body, heartbeats to the Duro API, and completes slow activities through it.
// taskRunner, what it wraps, serves the same tasks as Workers RPC calls (decision 027).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, CancelledFailure, Limits, type ActivityContext } from 'duro/workflow';
import { serveActivities, type ServeActivitiesOptions } from 'duro/client';
import { taskRunner } from '../../../client/serve-activities';
import { verifyTaskToken } from '../../../src/protocol/task-token';
import { CompleteAsyncError, Context } from 'duro/temporal/activity';
import { activityRequest, deferred, FakeDuroApi, SECRET, settle, signedRequest } from './helpers';

let api: FakeDuroApi;
beforeEach(async () => {
  api = await FakeDuroApi.start();
});
afterEach(async () => {
  await api.close();
});

function serve(activities: Record<string, unknown>, options: Partial<ServeActivitiesOptions> = {}) {
  return serveActivities({ activities, secret: SECRET, ...options });
}

async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}

const charge = async (input: { amount: number }) => ({ charged: input.amount });

describe('serveActivities: signatures', () => {
  it('runs a request signed with the deployment secret', async () => {
    const response = await serve({ charge }).fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ result: { charged: 42 } });
  });

  it.each([
    ['signed with another secret', { secret: 'not-the-secret' }, 'signature does not match'],
    ['without a Duro-Signature header', { signature: null }, 'missing Duro-Signature header'],
    ['with a malformed header', { signature: 'v1=abc' }, 'malformed Duro-Signature header'],
    ['signed more than 5 minutes ago', { at: Date.now() - 5 * 60_000 - 1_000 }, 'outside the tolerance window'],
    ['signed more than 5 minutes in the future', { at: Date.now() + 5 * 60_000 + 1_000 }, 'outside the tolerance window'],
    ['whose body changed after signing', { tamperedBody: '{"activityType":"charge"}' }, 'signature does not match'],
  ])('refuses a request %s with 401 and never runs the activity', async (_case, sign, reason) => {
    let ran = false;
    const response = await serve({ charge: () => (ran = true) }).fetch(await signedRequest(await activityRequest(), sign));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await json(response)).toMatchObject({ type: 'duro:bad-signature', status: 401, detail: expect.stringContaining(reason) });
    expect(ran).toBe(false);
  });

  it('serves unsigned requests only where trustRequest says they come from the deployment itself', async () => {
    const trusting = serveActivities({ activities: { charge }, secret: SECRET, trustRequest: (request) => new URL(request.url).hostname === 'duro.internal' });
    const inside = await trusting.fetch(await signedRequest(await activityRequest(), { signature: null }, 'https://duro.internal/_duro/activities'));
    expect(inside.status).toBe(200);
    expect(await json(inside)).toEqual({ result: { charged: 42 } });
    const outside = await trusting.fetch(await signedRequest(await activityRequest(), { signature: null }, 'https://duro.example.com/_duro/activities'));
    expect(outside.status).toBe(401);
  });

  it('accepts a request signed 4 minutes ago (inside the tolerance)', async () => {
    const response = await serve({ charge }).fetch(await signedRequest(await activityRequest(), { at: Date.now() - 4 * 60_000 }));
    expect(response.status).toBe(200);
  });

  it('answers 405 to anything but POST, and 400 to a signed body that is not an activity request', async () => {
    const server = serve({ charge });
    expect((await server.fetch(new Request('http://activities.test/'))).status).toBe(405);
    const response = await server.fetch(await signedRequest({ hello: 'world' }));
    expect(response.status).toBe(400);
    expect(await json(response)).toMatchObject({ type: 'duro:invalid-body' });
  });
});

describe('serveActivities: results and failures', () => {
  it('answers 200 {result}, and {result: null} for an activity that returns nothing', async () => {
    const server = serve({ charge, noop: async () => undefined });
    expect(await json(await server.fetch(await signedRequest(await activityRequest())))).toEqual({ result: { charged: 42 } });
    const response = await server.fetch(await signedRequest(await activityRequest({ activityType: 'noop' })));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ result: null });
  });

  it('gives the activity its input, ctx.info (idempotency fields, attempt, times, timeouts, retry policy, task token) and heartbeat details', async () => {
    let seen: { input: unknown; info: ActivityContext['info']; heartbeatDetails: unknown } | undefined;
    const retryPolicy = { initialIntervalMs: 2_000, backoffCoefficient: 3, maximumIntervalMs: 60_000, maximumAttempts: 5, nonRetryableErrorTypes: ['Declined'] };
    const task = await activityRequest({
      attempt: 3, scheduledAt: 1_767_225_600_000, startedAt: 1_767_225_608_000, deadline: Date.now() + 60_000, heartbeatTimeoutMs: 5_000, heartbeatDetails: { page: 7 },
      startToCloseTimeoutMs: 30_000, scheduleToCloseTimeoutMs: 600_000, retryPolicy,
    });
    await serve({ charge: (input: unknown, ctx: ActivityContext) => void (seen = { input, info: ctx.info, heartbeatDetails: ctx.heartbeatDetails }) }).fetch(await signedRequest(task));
    expect(seen).toEqual({
      input: { amount: 42 },
      heartbeatDetails: { page: 7 },
      info: {
        workflowId: 'order-1', runId: 'run-1', workflowType: 'order', activityId: '1', activityType: 'charge', taskQueue: 'payments',
        attempt: 3, scheduledAt: 1_767_225_600_000, startedAt: 1_767_225_608_000, deadline: task.deadline, heartbeatTimeoutMs: 5_000,
        startToCloseTimeoutMs: 30_000, scheduleToCloseTimeoutMs: 600_000, retryPolicy, isLocal: false, taskToken: task.taskToken,
      },
    });
  });

  it('gives a Temporal-style activity the timeouts, times and retry policy by Temporal\'s names', async () => {
    let seen: unknown;
    const task = await activityRequest({
      attempt: 2, scheduledAt: 1_767_225_600_000, startedAt: 1_767_225_601_000, startToCloseTimeoutMs: 30_000,
      retryPolicy: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 100_000, maximumAttempts: 0, nonRetryableErrorTypes: [] },
    });
    await serve({ charge: () => void (seen = Context.current().info) }).fetch(await signedRequest(task));
    expect(seen).toMatchObject({
      attempt: 2, scheduledTimestampMs: 1_767_225_600_000, currentAttemptScheduledTimestampMs: 1_767_225_601_000, startToCloseTimeoutMs: 30_000,
      retryPolicy: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 100_000, maximumAttempts: 0, nonRetryableErrorTypes: [] },
    });
    expect(seen).not.toHaveProperty('scheduleToCloseTimeoutMs');
  });

  it('runs a task from an older Duro, without the timeouts and retry policy: ctx.info leaves them out', async () => {
    let seen: ActivityContext['info'] | undefined;
    const response = await serve({ charge: (_input: unknown, ctx: ActivityContext) => void (seen = ctx.info) }).fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(200);
    expect(seen).toBeDefined();
    for (const field of ['startToCloseTimeoutMs', 'scheduleToCloseTimeoutMs', 'retryPolicy']) expect(seen).not.toHaveProperty(field);
  });

  it('answers a non-2xx failure body that keeps the type, details and non-retryable flag', async () => {
    const decline = async () => {
      throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
    };
    const response = await serve({ charge: decline }).fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(500);
    expect(await json(response)).toMatchObject({ kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } });
  });

  it('reports a plain Error as a retryable failure typed by its name, with its cause', async () => {
    const flaky = async () => {
      throw new TypeError('socket hang up', { cause: new RangeError('port 0') });
    };
    const body = await json(await serve({ charge: flaky }).fetch(await signedRequest(await activityRequest())));
    expect(body).toMatchObject({ kind: 'application', type: 'TypeError', message: 'socket hang up', nonRetryable: false, cause: { type: 'RangeError', message: 'port 0' } });
  });

  it('answers ActivityNotRegistered (non-retryable) for an activity it does not serve, inherited names included', async () => {
    const server = serve({ charge });
    for (const activityType of ['refund', 'toString', 'constructor', '__proto__']) {
      const response = await server.fetch(await signedRequest(await activityRequest({ activityType })));
      expect(response.status).toBe(500);
      expect(await json(response)).toMatchObject({ type: 'ActivityNotRegistered', nonRetryable: true, message: `Activity '${activityType}' is not served here` });
    }
  });

  it('fails a result over the 2 MiB payload limit as non-retryable PayloadTooLarge', async () => {
    const response = await serve({ charge: () => 'x'.repeat(2 * 1024 * 1024 + 1) }).fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(500);
    expect(await json(response)).toMatchObject({ type: 'PayloadTooLarge', nonRetryable: true });
  });
});

describe("serveActivities: the attempt's log lines, sent back for the run to keep", () => {
  beforeEach(() => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());
  const messagesOf = (logs: string[]) => logs.map((line) => (JSON.parse(line) as { message: string }).message);

  it('answers `logs` beside the result: each line as ctx.log wrote it, with who wrote it', async () => {
    const logging = async (input: { amount: number }, ctx: ActivityContext) => {
      ctx.log.info('charging', { amount: input.amount });
      ctx.log.warn('slow network');
      return { charged: input.amount };
    };
    const body = await json(await serve({ charge: logging }).fetch(await signedRequest(await activityRequest({ attempt: 2 }))));
    expect(body.result).toEqual({ charged: 42 });
    expect(body.logs.map((line: string) => JSON.parse(line))).toEqual([
      { level: 'info', message: 'charging', time: expect.any(String), activityId: '1', activityType: 'charge', attempt: 2, workflowId: 'order-1', runId: 'run-1', amount: 42 },
      { level: 'warn', message: 'slow network', time: expect.any(String), activityId: '1', activityType: 'charge', attempt: 2, workflowId: 'order-1', runId: 'run-1' },
    ]);
    // An attempt that wrote nothing answers as it always did.
    expect(await json(await serve({ charge }).fetch(await signedRequest(await activityRequest())))).toEqual({ result: { charged: 42 } });
  });

  it("answers `logs` beside a failure's fields", async () => {
    const decline = async (_input: unknown, ctx: ActivityContext) => {
      ctx.log.error('declined by the bank', { code: 51 });
      throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
    };
    const response = await serve({ charge: decline }).fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(500);
    const body = await json(response);
    expect(body).toMatchObject({ kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } });
    expect(messagesOf(body.logs)).toEqual(['declined by the bank']);
  });

  it(`sends at most the latest Limits.logLinesPerAttempt lines and Limits.logCharsPerAttempt characters`, async () => {
    const chatty = async (input: { lines: number; chars: number }, ctx: ActivityContext) => {
      for (let i = 0; i < input.lines; i++) ctx.log.info(`${i} ${'x'.repeat(input.chars)}`);
    };
    const server = serve({ chatty });
    const many = await json(await server.fetch(await signedRequest(await activityRequest({ activityType: 'chatty', input: { lines: Limits.logLinesPerAttempt + 50, chars: 0 } }))));
    expect(many.logs).toHaveLength(Limits.logLinesPerAttempt);
    expect(messagesOf(many.logs).map((message) => Number.parseInt(message, 10))).toEqual(Array.from({ length: Limits.logLinesPerAttempt }, (_, i) => 50 + i));

    const long = await json(await server.fetch(await signedRequest(await activityRequest({ activityType: 'chatty', input: { lines: 30, chars: 6_000 } }))));
    const chars = (long.logs as string[]).reduce((sum, line) => sum + line.length, 0);
    expect(chars).toBeLessThanOrEqual(Limits.logCharsPerAttempt);
    expect(chars).toBeGreaterThan(Limits.logCharsPerAttempt - 7_000); // as many of the latest as fit
    expect(Number.parseInt(messagesOf(long.logs).at(-1)!, 10)).toBe(29);

    // A line longer than Limits.logLineMaxChars is cut: who wrote it and the start of its message stay.
    const huge = await json(await server.fetch(await signedRequest(await activityRequest({ activityType: 'chatty', input: { lines: 1, chars: Limits.logLineMaxChars * 2 } }))));
    expect(huge.logs[0].length).toBeLessThanOrEqual(Limits.logLineMaxChars);
    expect(JSON.parse(huge.logs[0])).toMatchObject({ level: 'info', activityType: 'chatty', truncated: true, message: expect.stringMatching(/^0 x+$/) });
  });

  it('sends the lines of a slow attempt with its completion through /v1/activities/complete', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.log.info('waiting for the bank');
        await ctx.sleep(60);
        ctx.log.info('charged');
        return { charged: 42 };
      },
      async refund(_input: unknown, ctx: ActivityContext) {
        ctx.log.warn('refund refused');
        await ctx.sleep(60);
        throw ApplicationFailure.nonRetryable('too late', 'RefundRefused');
      },
    }, { asyncAfterMs: 10 });
    expect((await server.fetch(await signedRequest(task))).status).toBe(202);
    const completed = await api.next('/v1/activities/complete');
    expect(completed.body).toMatchObject({ taskToken: task.taskToken, result: { charged: 42 } });
    expect(messagesOf(completed.body.logs!)).toEqual(['waiting for the bank', 'charged']);

    const refund = { ...(await activityRequest({ activityType: 'refund' })), callbackUrl: api.url };
    expect((await server.fetch(await signedRequest(refund))).status).toBe(202);
    const failed = await api.next('/v1/activities/complete', (call) => 'failure' in call.body);
    expect(failed.body).toMatchObject({ taskToken: refund.taskToken, failure: { type: 'RefundRefused' } });
    expect(messagesOf(failed.body.logs!)).toEqual(['refund refused']);
  });
});

describe('serveActivities: heartbeats', () => {
  it('sends heartbeats with the task token and details to the callback URL, throttled to the latest details', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat({ done: 1 });
        ctx.heartbeat({ done: 2 }); // within the throttle: replaces {done: 1}... which was already on its way
        ctx.heartbeat({ done: 3 });
        await api.next('/v1/activities/heartbeat', (call) => (call.body.details as { done: number }).done === 3);
        return 'ok';
      },
    }, { heartbeatThrottleMs: 20 });
    const response = await server.fetch(await signedRequest(task));
    expect(await json(response)).toEqual({ result: 'ok' });
    const heartbeats = api.callsTo('/v1/activities/heartbeat');
    expect(heartbeats.map((call) => call.body)).toEqual([{ taskToken: task.taskToken, details: { done: 3 } }]);
  });

  it('delivers the heartbeat of an attempt that completes later, even when the activity returns at once', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat({ callback: ctx.info.taskToken }); // where an approver will complete it
        ctx.doNotCompleteOnReturn();
      },
    }, { heartbeatThrottleMs: 1_000 });
    const response = await server.fetch(await signedRequest(task));
    expect(response.status).toBe(202);
    expect(api.callsTo('/v1/activities/heartbeat').map((call) => call.body)).toEqual([{ taskToken: task.taskToken, details: { callback: task.taskToken } }]);
  });

  it('uses serveActivities({ duroUrl }) over the callbackUrl of the request', async () => {
    const task = { ...(await activityRequest()), callbackUrl: 'http://127.0.0.1:1' };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat('tick');
        await api.next('/v1/activities/heartbeat');
        return 'ok';
      },
    }, { duroUrl: api.url, heartbeatThrottleMs: 0 });
    expect((await server.fetch(await signedRequest(task))).status).toBe(200);
    expect(api.callsTo('/v1/activities/heartbeat')).toHaveLength(1);
  });

  it('aborts ctx.cancellationSignal when a heartbeat answers cancelRequested, and reports the cancellation', async () => {
    api.reply = (call) => call.path === '/v1/activities/heartbeat' ? { status: 200, body: { cancelRequested: true } } : { status: 200, body: {} };
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    let reason: unknown;
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat();
        ctx.cancellationSignal.addEventListener('abort', () => (reason = ctx.cancellationSignal.reason));
        await ctx.sleep(60_000); // rejects with the CancelledFailure
      },
    }, { heartbeatThrottleMs: 0 });
    const response = await server.fetch(await signedRequest(task));
    expect(reason).toBeInstanceOf(CancelledFailure);
    expect(response.status).toBe(500);
    expect(await json(response)).toMatchObject({ kind: 'cancelled', type: 'CancelledFailure', message: 'Activity cancelled' });
  });

  it.each([404, 409])('treats a heartbeat answered %i as the end of the attempt: the signal aborts', async (status) => {
    api.reply = () => ({ status, body: { type: 'duro:activity-not-running' } });
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat();
        await ctx.sleep(60_000);
      },
    }, { heartbeatThrottleMs: 0 });
    expect(await json(await server.fetch(await signedRequest(task)))).toMatchObject({ kind: 'cancelled', message: 'Activity attempt is no longer current' });
  });

  it('delivers throttled heartbeat details of a failed attempt before the failure, so the next attempt resumes from them', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat({ page: 1 });
        await api.next('/v1/activities/heartbeat');
        ctx.heartbeat({ page: 2 }); // held back by the throttle
        throw new Error('upstream down');
      },
    }, { heartbeatThrottleMs: 60_000 });
    const response = await server.fetch(await signedRequest(task));
    expect(response.status).toBe(500);
    expect(api.callsTo('/v1/activities/heartbeat').map((call) => call.body.details)).toEqual([{ page: 1 }, { page: 2 }]);
  });

  it('drops a throttled heartbeat once the attempt succeeded (nothing is sent for a finished attempt)', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.heartbeat({ page: 1 });
        await api.next('/v1/activities/heartbeat');
        ctx.heartbeat({ page: 2 });
        return 'done';
      },
    }, { heartbeatThrottleMs: 0 });
    expect((await server.fetch(await signedRequest(task))).status).toBe(200);
    await settle(); // a 0 ms throttle: the second heartbeat would have gone by now
    expect(api.callsTo('/v1/activities/heartbeat')).toHaveLength(1);
  });
});

describe('serveActivities: cancellation without heartbeats', () => {
  it('aborts ctx.cancellationSignal at the attempt deadline', async () => {
    const task = await activityRequest({ deadline: Date.now() + 50 });
    const server = serve({ charge: (_input: unknown, ctx: ActivityContext) => ctx.sleep(60_000) });
    const response = await server.fetch(await signedRequest(task));
    expect(await json(response)).toMatchObject({ kind: 'cancelled', message: 'Activity attempt passed its deadline' });
  });

  it('aborts ctx.cancellationSignal when Duro hangs up before the reply (the attempt timed out or was cancelled)', async () => {
    const hangUp = new AbortController();
    const signed = await signedRequest(await activityRequest());
    const request = new Request(signed, { signal: hangUp.signal });
    const started = deferred();
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        started.resolve();
        await ctx.sleep(60_000);
      },
    });
    const reply = server.fetch(request);
    await started.promise;
    hangUp.abort();
    expect(await json(await reply)).toMatchObject({ kind: 'cancelled', message: expect.stringContaining('Duro closed the request') });
  });
  it('gives an activity that first reads its signal after the deadline an aborted signal', async () => {
    let seen: boolean | undefined;
    const serveLate = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        await new Promise((resolve) => setTimeout(resolve, 40));
        seen = ctx.cancellationSignal.aborted;
        return 'late';
      },
    });
    await serveLate.fetch(await signedRequest(await activityRequest({ deadline: Date.now() + 20 })));
    expect(seen).toBe(true);
  });

  it('gives an activity that reads its signal only after the hang-up an aborted signal', async () => {
    const hangUp = new AbortController();
    const signed = await signedRequest(await activityRequest());
    const request = new Request(signed, { signal: hangUp.signal });
    const hungUp = deferred();
    let seen: { aborted: boolean; reason: unknown } | undefined;
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        await hungUp.promise;
        seen = { aborted: ctx.cancellationSignal.aborted, reason: ctx.cancellationSignal.reason };
        return 'done anyway';
      },
    });
    const reply = server.fetch(request);
    hangUp.abort();
    hungUp.resolve();
    await reply;
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(CancelledFailure);
  });

  it('aborts the signal of a finished attempt, stopping what the activity left running on it', async () => {
    let signal: AbortSignal | undefined;
    const server = serve({
      charge(_input: unknown, ctx: ActivityContext) {
        signal = ctx.cancellationSignal;
        return 'quick';
      },
    });
    expect(await json(await server.fetch(await signedRequest(await activityRequest())))).toEqual({ result: 'quick' });
    expect(signal?.aborted).toBe(true);
    expect((signal!.reason as Error).message).toBe('Activity finished');
  });
});

describe('serveActivities: asynchronous completion', () => {
  it('answers 202 when the activity outlives asyncAfterMs, then POSTs its result to /v1/activities/complete', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const release = deferred();
    const server = serve({
      async charge() {
        await release.promise;
        return { charged: 42 };
      },
    }, { asyncAfterMs: 20 });
    const response = await server.fetch(await signedRequest(task));
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ accepted: true });
    expect(api.callsTo('/v1/activities/complete')).toEqual([]);
    release.resolve();
    const completion = await api.next('/v1/activities/complete');
    expect(completion.body).toEqual({ taskToken: task.taskToken, result: { charged: 42 } });
  });

  it('POSTs the failure of a slow activity to /v1/activities/complete', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        await ctx.sleep(60);
        throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined');
      },
    }, { asyncAfterMs: 10 });
    expect((await server.fetch(await signedRequest(task))).status).toBe(202);
    const completion = await api.next('/v1/activities/complete');
    expect(completion.body).toMatchObject({ taskToken: task.taskToken, failure: { type: 'PaymentDeclined', nonRetryable: true } });
  });

  it('keeps the ExecutionContext alive with waitUntil until the completion is delivered', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const kept: Array<Promise<unknown>> = [];
    const server = serve({ charge: async (_input: unknown, ctx: ActivityContext) => (await ctx.sleep(50), 'late') }, { asyncAfterMs: 10 });
    expect((await server.fetch(await signedRequest(task), {}, { waitUntil: (promise) => kept.push(promise) })).status).toBe(202);
    expect(kept).toHaveLength(1);
    await kept[0];
    expect(api.callsTo('/v1/activities/complete').map((call) => call.body.result)).toEqual(['late']);
  });

  it('tries a completion again after a transport error or a 5xx, and stops at a 4xx', async () => {
    const calls: Array<{ url: string; body: unknown }> = [];
    const answers: Array<() => Response> = [
      () => { throw new TypeError('fetch failed'); },
      () => new Response('{}', { status: 503 }),
      () => new Response('{}', { status: 200 }),
    ];
    const fetch = async (url: string, init?: RequestInit) => {
      calls.push({ url, body: JSON.parse(String(init?.body)) });
      return answers[calls.length - 1]!();
    };
    const task = { ...(await activityRequest()), callbackUrl: 'https://duro.example' };
    const done = deferred();
    const kept: Array<Promise<unknown>> = [];
    const server = serve({ charge: async () => (await done.promise, 'late') }, { asyncAfterMs: 5, fetch });
    expect((await server.fetch(await signedRequest(task), {}, { waitUntil: (p) => kept.push(p) })).status).toBe(202);
    done.resolve();
    await kept[0];
    expect(calls.map((call) => call.url)).toEqual(Array(3).fill('https://duro.example/v1/activities/complete'));
    expect(calls[2]!.body).toEqual({ taskToken: task.taskToken, result: 'late' });

    calls.length = 0;
    answers.splice(0, 3, () => new Response('{}', { status: 409 }));
    const again = deferred();
    const server2 = serve({ charge: async () => (await again.promise, 'late') }, { asyncAfterMs: 5, fetch });
    kept.length = 0;
    expect((await server2.fetch(await signedRequest(task), {}, { waitUntil: (p) => kept.push(p) })).status).toBe(202);
    again.resolve();
    await kept[0];
    expect(calls).toHaveLength(1);
  });

  it('waits for a slow activity instead of answering 202 when there is no Duro URL to complete through', async () => {
    const server = serve({ charge: async (_input: unknown, ctx: ActivityContext) => (await ctx.sleep(50), 'held') }, { asyncAfterMs: 5 });
    const response = await server.fetch(await signedRequest(await activityRequest()));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ result: 'held' });
  });

  it('answers 202 for ctx.doNotCompleteOnReturn() and posts no completion: the activity completes itself later', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const returned = deferred<string>();
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        ctx.doNotCompleteOnReturn();
        returned.resolve(ctx.info.taskToken!);
        return 'ignored';
      },
    });
    const response = await server.fetch(await signedRequest(task));
    expect(response.status).toBe(202);
    expect(await returned.promise).toBe(task.taskToken);
    await settle();
    expect(api.calls).toEqual([]);
  });

  it('posts no completion for doNotCompleteOnReturn() either when the activity was already answered 202 for being slow', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const returned = deferred();
    const server = serve({
      async charge(_input: unknown, ctx: ActivityContext) {
        await ctx.sleep(40);
        ctx.doNotCompleteOnReturn();
        returned.resolve();
        return 'ignored';
      },
    }, { asyncAfterMs: 5 });
    expect((await server.fetch(await signedRequest(task))).status).toBe(202);
    await returned.promise;
    await settle();
    expect(api.calls).toEqual([]);
  });
});

describe('serveActivities: Temporal-style activities (duro/temporal/activity)', () => {
  it('calls fn(...input) for a task whose input is a positional argument list, with Context.current() set', async () => {
    const task = { ...(await activityRequest({ input: ['order-1', 42], arguments: 'positional' })), callbackUrl: api.url };
    const server = serve({
      async charge(orderId: string, amount: number, currency = 'EUR') {
        const { info, heartbeat } = Context.current();
        heartbeat({ charged: amount });
        await api.next('/v1/activities/heartbeat', () => true);
        return `${orderId} ${amount} ${currency} ${info.activityType} ${info.workflowExecution.workflowId} ${info.taskToken === task.taskToken}`;
      },
    }, { heartbeatThrottleMs: 0 });
    const response = await server.fetch(await signedRequest(task));
    expect(await json(response)).toEqual({ result: 'order-1 42 EUR charge order-1 true' });
    expect(api.callsTo('/v1/activities/heartbeat').map((call) => call.body)).toEqual([{ taskToken: task.taskToken, details: { charged: 42 } }]);
  });

  it('fails, without retries, a positional task whose input is not a list', async () => {
    const response = await serve({ charge: async (a: unknown, b: unknown) => [a, b] }).fetch(await signedRequest(await activityRequest({ arguments: 'positional' })));
    expect(response.status).toBe(500);
    expect(await json(response)).toMatchObject({ type: 'InvalidActivityInput', nonRetryable: true });
  });

  it('answers 202 for an activity that throws CompleteAsyncError, and posts no completion', async () => {
    const task = { ...(await activityRequest()), callbackUrl: api.url };
    const response = await serve({
      async charge() {
        throw new CompleteAsyncError();
      },
    }).fetch(await signedRequest(task));
    expect(response.status).toBe(202);
    await settle();
    expect(api.calls).toEqual([]);
  });
});

describe('serveActivities: payloads', () => {
  const stamp = async (input: { at: Date; ids: Set<bigint> }) => ({ day: input.at.getUTCDate(), ids: [...input.ids].map((id) => id * 2n), bytes: new Uint8Array([1, 2]) });

  it('reads and writes as the task says: a rich task gets its Date and Set, and its result is marked rich', async () => {
    const input = { $duro: 'rich', v: { at: { $t: 'D', v: '2026-12-07T00:00:00.000Z' }, ids: { $t: 'S', v: [{ $t: 'n', v: '21' }] } } };
    const response = await serve({ stamp }).fetch(await signedRequest(await activityRequest({ activityType: 'stamp', input, payloadConverter: 'rich' })));
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ result: { $duro: 'rich', v: { day: 7, ids: [{ $t: 'n', v: '42' }], bytes: { $t: 'B', v: 'AQI=' } } } });
  });

  it('keeps plain JSON for a task that names no converter (a run recorded before payloads carried marks)', async () => {
    const input = { $duro: 'rich', v: 'data of an older run, not a mark' };
    const echo = async (value: unknown) => value;
    const response = await serve({ echo }).fetch(await signedRequest(await activityRequest({ activityType: 'echo', input })));
    expect(await json(response)).toEqual({ result: input });
  });

  it('fails an attempt whose result the task\'s converter cannot carry, naming where, without retrying it', async () => {
    class Invoice {}
    const returnsClass = async () => ({ lines: [new Invoice()] });
    const response = await serve({ returnsClass }).fetch(await signedRequest(await activityRequest({ activityType: 'returnsClass', payloadConverter: 'rich' })));
    const body = await json(response);
    expect(body).toMatchObject({ type: 'PayloadTooLarge', nonRetryable: true });
    expect(body.message).toMatch(/Activity result holds an instance of Invoice \(at lines\[0\]\)/);
  });
});

describe('taskRunner: a task served as a Workers RPC call', () => {
  beforeEach(() => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());
  const runner = (activities: Record<string, unknown>) => taskRunner({ activities, secret: SECRET });
  const messagesOf = (logs: string[] | undefined) => logs?.map((line) => (JSON.parse(line) as { message: string }).message);

  it('answers {result}, with `logs` only when the activity wrote some, and {result: null} for nothing returned', async () => {
    const logging = async (input: { amount: number }, ctx: ActivityContext) => {
      ctx.log.info('charging');
      return { charged: input.amount };
    };
    const served = runner({ charge, logging, noop: async () => undefined });
    expect(await served.run(await activityRequest(), {})).toEqual({ result: { charged: 42 } });
    expect(await served.run(await activityRequest({ activityType: 'noop' }), {})).toEqual({ result: null });
    const logged = await served.run(await activityRequest({ activityType: 'logging' }), {});
    expect(logged).toEqual({ result: { charged: 42 }, logs: [expect.any(String)] });
    expect(messagesOf((logged as { logs?: string[] }).logs)).toEqual(['charging']);
  });

  it('answers {failure} with its type, details and non-retryable flag, and `logs` beside it when the activity wrote some', async () => {
    const served = runner({
      quiet: async () => {
        throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
      },
      chatty: async (_input: unknown, ctx: ActivityContext) => {
        ctx.log.error('declined by the bank');
        throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
      },
    });
    const declined = { kind: 'application', type: 'PaymentDeclined', message: 'card declined', nonRetryable: true, details: { code: 51 } };
    expect(await served.run(await activityRequest({ activityType: 'quiet' }), {})).toEqual({ failure: expect.objectContaining(declined) });
    const logged = await served.run(await activityRequest({ activityType: 'chatty' }), {});
    expect(logged).toEqual({ failure: expect.objectContaining(declined), logs: [expect.any(String)] });
    expect(messagesOf((logged as { logs?: string[] }).logs)).toEqual(['declined by the bank']);
  });

  it('makes the task token of a task sent without one only when the activity reads it, signed with its secret', async () => {
    const seen: string[] = [];
    const served = runner({
      quiet: async () => 'done',
      reads: async (_input: unknown, ctx: ActivityContext) => {
        seen.push(ctx.info.taskToken!, ctx.info.taskToken!);
        return 'done';
      },
    });
    const { taskToken: _left, ...withoutToken } = await activityRequest({ activityType: 'quiet' });
    const quiet = { ...withoutToken };
    expect(await served.run(quiet, {})).toEqual({ result: 'done' });
    expect(quiet).not.toHaveProperty('taskToken'); // never made
    expect(await served.run({ ...withoutToken, activityType: 'reads' }, {})).toEqual({ result: 'done' });
    expect(seen[0]).toBe(seen[1]); // made once
    expect(await verifyTaskToken(SECRET, seen[0]!)).toEqual({ workflowId: withoutToken.workflowId, runId: withoutToken.runId, activityId: withoutToken.activityId, attempt: withoutToken.attempt });
  });

  it("answers a failure's details as JSON, as its HTTP body would carry them: a Date as its text, an instance as its fields", async () => {
    class Receipt {
      constructor(readonly id: string) {}
      total(): number {
        return 1;
      }
    }
    const at = new Date('2026-12-07T10:00:00.000Z');
    const served = runner({
      declines: async () => {
        throw ApplicationFailure.nonRetryable('declined', 'CardDeclined', { at, receipt: new Receipt('r-1') });
      },
    });
    const reply = (await served.run(await activityRequest({ activityType: 'declines' }), {})) as { failure: { details: unknown } };
    expect(reply.failure.details).toEqual({ at: '2026-12-07T10:00:00.000Z', receipt: { id: 'r-1' } });
    expect(Object.getPrototypeOf((reply.failure.details as { receipt: object }).receipt)).toBe(Object.prototype);
  });

  it('answers {accepted: true} for ctx.doNotCompleteOnReturn()', async () => {
    const approve = async (_input: unknown, ctx: ActivityContext) => ctx.doNotCompleteOnReturn();
    expect(await runner({ approve }).run(await activityRequest({ activityType: 'approve' }), {})).toEqual({ accepted: true });
  });

  it('answers {failure} ActivityNotRegistered (non-retryable) for an activity it does not serve, and asks no watchHangUp', async () => {
    const watchHangUp = vi.fn(() => new Promise<boolean>(() => undefined));
    const served = runner({ charge });
    for (const activityType of ['refund', 'toString']) {
      expect(await served.run(await activityRequest({ activityType }), { watchHangUp })).toEqual({
        failure: expect.objectContaining({ type: 'ActivityNotRegistered', nonRetryable: true, message: `Activity '${activityType}' is not served here` }),
      });
    }
    expect(watchHangUp).not.toHaveBeenCalled();
  });

  it('never asks watchHangUp for an activity that does not read its signal', async () => {
    const watchHangUp = vi.fn(() => new Promise<boolean>(() => undefined));
    const served = runner({ charge, slow: async () => (await settle(), 'done') });
    expect(await served.run(await activityRequest(), { watchHangUp })).toEqual({ result: { charged: 42 } });
    expect(await served.run(await activityRequest({ activityType: 'slow' }), { watchHangUp })).toEqual({ result: 'done' });
    expect(watchHangUp).not.toHaveBeenCalled();
  });

  it('asks watchHangUp once, when the activity first reads its signal, and aborts the signal with a CancelledFailure when it resolves true', async () => {
    const hungUp = deferred<boolean>();
    const watchHangUp = vi.fn(() => hungUp.promise);
    const reading = deferred();
    let askedBeforeRead: number | undefined;
    let reason: unknown;
    const served = runner({
      async charge(_input: unknown, ctx: ActivityContext) {
        askedBeforeRead = watchHangUp.mock.calls.length;
        const signal = ctx.cancellationSignal;
        void ctx.cancellationSignal; // read again: asks nothing more
        reading.resolve();
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        reason = signal.reason;
        throw signal.reason;
      },
    });
    const reply = served.run(await activityRequest(), { watchHangUp });
    await reading.promise;
    expect(askedBeforeRead).toBe(0);
    expect(watchHangUp).toHaveBeenCalledTimes(1);

    hungUp.resolve(true);
    expect(await reply).toEqual({ failure: expect.objectContaining({ kind: 'cancelled', message: 'Duro gave up on the attempt: it timed out or was cancelled' }) });
    expect(reason).toBeInstanceOf(CancelledFailure);
    expect(watchHangUp).toHaveBeenCalledTimes(1);
  });

  it('aborts the signal when watchHangUp rejects: the workflow object that made the call is gone', async () => {
    const watchHangUp = vi.fn(async (): Promise<boolean> => Promise.reject(new Error('Network connection lost.')));
    const served = runner({
      async charge(_input: unknown, ctx: ActivityContext) {
        const signal = ctx.cancellationSignal;
        await watchHangUp.mock.results[0]!.value.catch(() => undefined);
        await settle();
        return signal.aborted ? `aborted: ${(signal.reason as Error).message}` : 'still running';
      },
    });
    expect(await served.run(await activityRequest(), { watchHangUp })).toEqual({ result: 'aborted: Duro no longer waits for the attempt: its workflow object restarted' });
  });

  it('leaves an activity completing later alone once the reply is made: no watch, no abort', async () => {
    const watchHangUp = vi.fn(async (): Promise<boolean> => Promise.reject(new Error('RPC stub used after being disposed.')));
    let signal: AbortSignal | undefined;
    const approve = async (_input: unknown, ctx: ActivityContext) => {
      ctx.doNotCompleteOnReturn();
      setTimeout(() => (signal = ctx.cancellationSignal), 0); // read after the reply, as it waits for its approver
    };
    expect(await runner({ approve }).run(await activityRequest({ activityType: 'approve' }), { watchHangUp })).toEqual({ accepted: true });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await settle();
    expect(signal?.aborted).toBe(false);
    expect(watchHangUp).not.toHaveBeenCalled();
  });

  it('aborts nothing when watchHangUp resolves false (the attempt ended otherwise)', async () => {
    const watchHangUp = vi.fn(async () => false);
    const served = runner({
      async charge(_input: unknown, ctx: ActivityContext) {
        const signal = ctx.cancellationSignal;
        await watchHangUp.mock.results[0]!.value.catch(() => undefined); // Duro's answer has come
        await settle();
        return signal.aborted ? `aborted: ${(signal.reason as Error).message}` : 'still running';
      },
    });
    expect(await served.run(await activityRequest(), { watchHangUp })).toEqual({ result: 'still running' });
    expect(watchHangUp).toHaveBeenCalledTimes(1);
  });
});
