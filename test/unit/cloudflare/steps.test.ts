// duro/cloudflare on the time-skipping environment: Cloudflare Workflows' step semantics (docs/decisions/015) on
// Duro's engine, checked through results, history and how often each callback really ran.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import * as workflows from './workflows';
import type { Env } from './workflows';

const markers = (history: HistoryEvent[]) =>
  history.flatMap((e) => (e.type === 'MarkerRecorded' && e.markerName === 'LocalActivity' ? [{ ...(e.data as { activityType: string; attempt: number; outcome: Record<string, unknown> }), at: e.timestamp }] : []));
const timers = (history: HistoryEvent[]) => history.flatMap((e) => (e.type === 'TimerStarted' ? [e.durationMs] : []));

async function setup(overrides: Partial<Env> = {}) {
  const env: Env = { GREETING: 'Hello', calls: {}, ...overrides };
  const test = await TestWorkflowEnvironment.create({ workflows, env });
  return { env, test };
}

async function failureOf(promise: Promise<unknown>): Promise<{ type: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  const cause = (error as WorkflowFailedError).cause;
  return { type: (cause as { type: string }).type, message: cause.message };
}

describe('a WorkflowEntrypoint on Duro', () => {
  it('runs with event.payload (the params), event.instanceId (the workflow id), event.timestamp and this.env', async () => {
    const { env, test } = await setup();
    const started = test.now();
    const handle = await test.start('SignupWorkflow', { workflowId: 'signup-1', input: { email: 'ada@example.com' } });
    expect(await handle.result()).toEqual({ user: { id: 'u1', email: 'ada@example.com' }, greeting: 'Hello, ada@example.com', instanceId: 'signup-1', startedAt: started });
    expect(env.calls).toEqual({ 'create user': 1, greet: 1 });
  });

  it('records each step.do as a LocalActivity marker named for the step, and step.sleep as a durable timer', async () => {
    const { test } = await setup();
    const handle = await test.start('SignupWorkflow', { input: { email: 'ada@example.com' } });
    await handle.result();
    const history = await handle.fetchHistory();
    expect(markers(history).map((m) => [m.activityType, m.attempt, m.outcome])).toEqual([
      ['create user', 1, { result: { id: 'u1', email: 'ada@example.com' } }],
      ['greet', 1, { result: 'Hello, ada@example.com' }],
    ]);
    expect(timers(history)).toEqual([3_600_000]);
  });

  it('is registered under the name it is exported as (wrangler\'s class_name), or its class name in an array', async () => {
    const keyed = await TestWorkflowEnvironment.create({ workflows: { signup: workflows.SignupWorkflow }, env: { GREETING: 'Hi', calls: {} } });
    expect((await (await keyed.start('signup', { input: { email: 'x@y.z' } })).result()).greeting).toBe('Hi, x@y.z');
    const listed = await TestWorkflowEnvironment.create({ workflows: [workflows.SignupWorkflow as never], env: { GREETING: 'Yo', calls: {} } });
    expect((await (await listed.start('SignupWorkflow', { input: { email: 'x@y.z' } })).result()).greeting).toBe('Yo, x@y.z');
  });
});

describe('step.do retries, on the workflow clock', () => {
  const run = async (retries: unknown, failures: number) => {
    const { env, test } = await setup({ failures: { flaky: failures } });
    const handle = await test.start('RetryingWorkflow', { input: { retries } as never });
    const outcome = await handle.result().then((result) => ({ result }), (error: unknown) => ({ error }));
    const history = await handle.fetchHistory();
    const attempts = markers(history);
    return { outcome, calls: env.calls.flaky, delays: timers(history), gaps: attempts.slice(1).map((m, i) => m.at - attempts[i]!.at) };
  };

  it('by default: 5 retries, 10 s apart, doubling (Cloudflare\'s documented defaults)', async () => {
    const { outcome, calls, delays, gaps } = await run(undefined, 5);
    expect(outcome).toEqual({ result: 'done' });
    expect(calls).toBe(6);
    expect(delays).toEqual([10_000, 20_000, 40_000, 80_000, 160_000]);
    expect(gaps).toEqual(delays);
  });

  it('gives up after limit + 1 attempts and fails the instance with the callback\'s error', async () => {
    const { outcome, calls, delays } = await run({ limit: 2, delay: 1000, backoff: 'constant' }, 10);
    expect(calls).toBe(3);
    expect(delays).toEqual([1000, 1000]);
    const cause = ((outcome as { error: WorkflowFailedError }).error).cause as unknown as { type: string; message: string };
    expect({ type: cause.type, message: cause.message }).toEqual({ type: 'Error', message: 'flaky failed (3)' });
  });

  it('constant backoff waits the delay every time', async () => {
    expect((await run({ limit: 3, delay: 1000, backoff: 'constant' }, 3)).delays).toEqual([1000, 1000, 1000]);
  });

  it('linear backoff waits delay × attempts made', async () => {
    expect((await run({ limit: 3, delay: '2 seconds', backoff: 'linear' }, 3)).delays).toEqual([2000, 4000, 6000]);
  });

  it('exponential backoff waits delay × 2^(attempts made - 1), also when backoff is left out', async () => {
    expect((await run({ limit: 3, delay: 1000, backoff: 'exponential' }, 3)).delays).toEqual([1000, 2000, 4000]);
    expect((await run({ limit: 3, delay: 1000 }, 3)).delays).toEqual([1000, 2000, 4000]);
  });

  it('limit 0 means one attempt', async () => {
    const { calls, delays, outcome } = await run({ limit: 0, delay: 1000 }, 1);
    expect([calls, delays]).toEqual([1, []]);
    expect(outcome).toHaveProperty('error');
  });

  it('a delay function gives the base delay of each retry, recorded with the attempt', async () => {
    const { env, test } = await setup({ failures: { flaky: 3 } });
    const handle = await test.start('DelayFunctionWorkflow');
    expect(await handle.result()).toBe('done');
    const history = await handle.fetchHistory();
    expect(timers(history)).toEqual([1000, 2000, 3000]);
    expect(env.calls.flaky).toBe(4);
    await replayHistory(workflows, history); // the recorded delays, without calling the function again
  });

  it('times out each attempt after `timeout`, retries it, and fails with WorkflowTimeoutError', async () => {
    const { env, test } = await setup();
    const handle = await test.start('HangingWorkflow');
    expect(await failureOf(handle.result())).toEqual({ type: 'WorkflowTimeoutError', message: 'Execution timed out after 50ms' });
    expect(env.calls.hang).toBe(2);
    expect(timers(await handle.fetchHistory())).toEqual([1000]);
  });

  it('stops at a NonRetryableError, which fails the instance', async () => {
    const { env, test } = await setup();
    const handle = await test.start('FatalWorkflow', { input: {} });
    expect(await failureOf(handle.result())).toEqual({ type: 'NonRetryableError', message: 'card declined' });
    expect(env.calls.charge).toBe(1);
    expect(timers(await handle.fetchHistory())).toEqual([]);
    expect((await handle.describe()).status).toBe('failed');
  });

  it('hands run a NonRetryableError it may catch', async () => {
    const { test } = await setup();
    const handle = await test.start('FatalWorkflow', { input: { catchIt: true } });
    expect(await handle.result()).toBe('caught NonRetryableError: card declined');
  });
});

describe('step results are cached by name and occurrence', () => {
  it('counts a repeated step name: each occurrence is a new step', async () => {
    const { env, test } = await setup();
    const handle = await test.start('RepeatingWorkflow');
    expect(await handle.result()).toEqual(['tick#1 attempt 1', 'tick#2 attempt 1', 'tick#3 attempt 1']);
    expect(env.calls).toEqual({ run: 1, tick: 3 });
    expect(markers(await handle.fetchHistory()).map((m) => m.activityType)).toEqual(['tick', 'tick', 'tick']);
  });

  it('returns recorded results after an eviction, without calling the callbacks again', async () => {
    const { env, test } = await setup();
    const handle = await test.start('RepeatingWorkflow', { workflowId: 'repeat' });
    test.evict('repeat'); // three ticks done, sleeping: the next activation replays them
    expect(await handle.result()).toEqual(['tick#1 attempt 1', 'tick#2 attempt 1', 'tick#3 attempt 1']);
    expect(env.calls).toEqual({ run: 2, tick: 3 }); // the code ran again from the top; the steps did not
  });

  it('resumes a step between its retries after an eviction, counting the attempts already made', async () => {
    const { env, test } = await setup({ failures: { flaky: 2 } });
    const handle = await test.start('RetryingWorkflow', { workflowId: 'retrying', input: { retries: { limit: 3, delay: 1000, backoff: 'linear' } } });
    test.evict('retrying'); // attempt 1 failed, waiting 1 s
    expect(await handle.result()).toBe('done');
    expect(env.calls.flaky).toBe(3);
    expect(timers(await handle.fetchHistory())).toEqual([1000, 2000]);
  });

  it('replays a finished history without running a step (replayHistory)', async () => {
    const { test } = await setup();
    const handle = await test.start('SignupWorkflow', { input: { email: 'ada@example.com' } });
    await handle.result();
    const history = await handle.fetchHistory();
    // replayHistory gives workflows no env: a step's callback that ran would throw reading this.env.calls, so the
    // replay resolving is the check that every step came from its recorded marker.
    await expect(replayHistory({ SignupWorkflow: workflows.SignupWorkflow }, history)).resolves.toBeUndefined();
  });
});

describe('step.sleep and step.sleepUntil', () => {
  it('sleep for "1 minute" or a number of ms, and sleepUntil a Date, on durable timers', async () => {
    const { env, test } = await setup();
    const start = test.now();
    const until = start + 86_400_000;
    const handle = await test.start('SleepyWorkflow', { input: { until } });
    expect(await handle.result()).toBe('awake');
    expect(timers(await handle.fetchHistory())).toEqual([60_000, 5_000, 86_400_000 - 65_000]);
    expect(test.now()).toBeGreaterThanOrEqual(until);
    expect(env.calls.wake).toBe(1);
  });

  it('sleepUntil a time already past fails the instance', async () => {
    const { test } = await setup();
    const handle = await test.start('SleepyWorkflow', { input: { until: test.now() - 1 } });
    expect(await failureOf(handle.result())).toEqual({ type: 'Error', message: "You can't sleep until a time in the past, time-traveler" });
  });
});

describe('step.waitForEvent', () => {
  it('returns an event sent while it waits: { payload, type, timestamp }', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { input: {} });
    await test.sleep('15 minutes');
    const sentAt = test.now();
    await handle.signal('approval', { approved: true });
    expect(await handle.result()).toEqual({ approved: true, type: 'approval', at: sentAt });
  });

  it('returns an event that arrived before the wait, buffered with the time it arrived', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { input: {} });
    const sentAt = test.now();
    await handle.signal('approval', { approved: false }); // the workflow is still in its 10-minute sleep
    expect(await handle.result()).toEqual({ approved: false, type: 'approval', at: sentAt });
    const history = await handle.fetchHistory();
    expect(timers(history)).toEqual([600_000]); // no wait was needed: no timeout timer
    // As stored (JSON): a step that returned nothing, and the buffered event, replay as they ran.
    await replayHistory(workflows, JSON.parse(JSON.stringify(history)) as HistoryEvent[]);
  });

  it('times out with WorkflowTimeoutError after its timeout', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { input: { timeout: '1 hour' } });
    const start = test.now();
    expect(await failureOf(handle.result())).toEqual({ type: 'WorkflowTimeoutError', message: 'Execution timed out after 3600000ms' });
    expect(test.now() - start).toBe(600_000 + 3_600_000);
  });

  it('waits 24 hours by default', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { input: {} });
    await test.sleep('1 hour');
    expect(timers(await handle.fetchHistory())).toEqual([600_000, 86_400_000]);
  });
});
