// Retry policies of remote activities: exponential backoff on the virtual clock, attempt limits, non-retryable failures.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, WorkflowFailedError, defineWorkflow, type ActivityContext, type RetryPolicy, WorkflowBlockedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

class InvalidInput extends Error {
  override name = 'InvalidInput';
}

/** An activity that fails `failures` times (with `makeError`), recording the virtual time and attempt of every call. */
function flakyActivities(clock: () => number, failures: number, makeError: (attempt: number) => Error = (n) => new Error(`attempt ${n} failed`)) {
  const calls: Array<{ at: number; attempt: number }> = [];
  return {
    calls,
    activities: {
      async flaky(_input: unknown, ctx: ActivityContext) {
        calls.push({ at: clock(), attempt: ctx.info.attempt });
        if (calls.length <= failures) throw makeError(ctx.info.attempt);
        return `ok after ${calls.length}`;
      },
      async hang(_input: unknown, ctx: ActivityContext) {
        calls.push({ at: clock(), attempt: ctx.info.attempt });
        if (calls.length <= failures) await ctx.sleep(86_400_000);
        return 'finished';
      },
    },
  };
}
type Acts = ReturnType<typeof flakyActivities>['activities'];

const callFlaky = defineWorkflow('callFlaky', async (ctx, input: { retry?: RetryPolicy; scheduleToCloseTimeout?: string }) => {
  const { flaky } = ctx.proxyActivities<Acts>({
    startToCloseTimeout: '1m',
    ...(input.scheduleToCloseTimeout && { scheduleToCloseTimeout: input.scheduleToCloseTimeout }),
    ...(input.retry && { retry: input.retry }),
  });
  return await flaky();
});

const callHang = defineWorkflow('callHang', async (ctx, input: { retry?: RetryPolicy }) => {
  const { hang } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '100ms', ...(input.retry && { retry: input.retry }) });
  return await hang();
});

const workflows = { callFlaky, callHang };

async function setup(failures: number, makeError?: (attempt: number) => Error) {
  let env!: TestWorkflowEnvironment;
  const flaky = flakyActivities(() => env.now(), failures, makeError);
  env = await TestWorkflowEnvironment.create({ workflows, activities: flaky.activities });
  return { env, calls: flaky.calls };
}

const gaps = (calls: Array<{ at: number }>) => calls.slice(1).map((call, i) => call.at - calls[i]!.at);

describe('activity retries', () => {
  it('backs off 1 s, 2 s, 4 s … capped at maximumInterval, and stops at maximumAttempts', async () => {
    const { env, calls } = await setup(Infinity);
    const handle = await env.start(callFlaky, { input: { retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 6 } } });

    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(gaps(calls)).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect((activityFailure as ActivityFailure).attempt).toBe(6);
    expect(activityFailure.cause).toBeInstanceOf(ApplicationFailure);
    expect(activityFailure.cause).toMatchObject({ type: 'Error', message: 'attempt 6 failed' });
  });

  it('uses Temporal defaults: first retry after 1 s, coefficient 2, unlimited attempts', async () => {
    const { env, calls } = await setup(7);
    const start = env.now();

    expect(await env.execute(callFlaky, { input: {} })).toBe('ok after 8');

    expect(gaps(calls)).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
    expect(env.now() - start).toBe(127_000);
  });

  it('caps the default maximumInterval at 100 × initialInterval', async () => {
    const { env, calls } = await setup(9);
    await env.execute(callFlaky, { input: { retry: { initialInterval: '10ms', backoffCoefficient: 3 } } });

    // 10, 30, 90, 270, 810 ms, then capped at 1000 ms
    expect(gaps(calls)).toEqual([10, 30, 90, 270, 810, 1_000, 1_000, 1_000, 1_000]);
  });

  it('records one Started and one final event for the activity, carrying the last attempt', async () => {
    const { env } = await setup(3);
    const handle = await env.start(callFlaky, { input: { retry: { initialInterval: '1s' } } });
    await handle.result();

    const types = (await handle.fetchHistory()).filter((e) => 'activityId' in e).map((e) => e.type);
    expect(types).toEqual(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']);
    const completed = (await handle.fetchHistory()).find((e) => e.type === 'ActivityTaskCompleted');
    expect(completed).toMatchObject({ attempt: 4, result: 'ok after 4' });
  });

  it('does not retry a failure whose type is in nonRetryableErrorTypes', async () => {
    const { env, calls } = await setup(Infinity, () => ApplicationFailure.retryable('bad sku', 'InvalidInput'));
    const error = await env.execute(callFlaky, { input: { retry: { nonRetryableErrorTypes: ['InvalidInput'] } } }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(calls).toHaveLength(1);
    expect(error?.cause).toBeInstanceOf(ActivityFailure);
    expect((error!.cause as ActivityFailure).attempt).toBe(1);
    expect(error?.cause.cause).toMatchObject({ type: 'InvalidInput', nonRetryable: false });
  });

  it('matches nonRetryableErrorTypes against the name of a plain Error', async () => {
    const { env, calls } = await setup(Infinity, () => new InvalidInput('bad sku'));
    const error = await env.execute(callFlaky, { input: { retry: { nonRetryableErrorTypes: ['InvalidInput'] } } }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(calls).toHaveLength(1);
    expect(error?.cause.cause).toMatchObject({ type: 'InvalidInput', message: 'bad sku' });
  });

  it('does not retry ApplicationFailure.nonRetryable, whatever the policy says', async () => {
    const { env, calls } = await setup(Infinity, () => ApplicationFailure.nonRetryable('card declined', 'CardDeclined'));
    const error = await env.execute(callFlaky, { input: { retry: { maximumAttempts: 10 } } }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(calls).toHaveLength(1);
    expect(error?.cause.cause).toBeInstanceOf(ApplicationFailure);
    expect(error?.cause.cause).toMatchObject({ type: 'CardDeclined', nonRetryable: true });
  });

  it('retries other failure types even when some are listed as non-retryable', async () => {
    const { env, calls } = await setup(2, () => ApplicationFailure.retryable('busy', 'RateLimited'));
    expect(await env.execute(callFlaky, { input: { retry: { nonRetryableErrorTypes: ['InvalidInput'] } } })).toBe('ok after 3');
    expect(calls).toHaveLength(3);
  });

  it('retries an attempt that exceeds startToCloseTimeout, and reports TimeoutFailure when attempts run out', async () => {
    const { env, calls } = await setup(Infinity);
    const error = await env.execute(callHang, { input: { retry: { maximumAttempts: 3, initialInterval: '1s' } } }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    // Each hanging attempt holds the clock for its 100 ms timeout (as much real time: a little more on a busy
    // machine), then the backoff of 1 s, then 2 s, is skipped exactly.
    const [first, second] = gaps(calls);
    expect(first! - 1_000).toBeGreaterThanOrEqual(100);
    expect(first! - 1_000).toBeLessThan(3_000);
    expect(second! - 2_000).toBeGreaterThanOrEqual(100);
    expect(second! - 2_000).toBeLessThan(3_000);
    expect(error?.cause).toBeInstanceOf(ActivityFailure);
    expect(error?.cause.cause).toBeInstanceOf(TimeoutFailure);
    expect((error!.cause.cause as TimeoutFailure).timeoutType).toBe('START_TO_CLOSE');
  });

  it('stops retrying when the next attempt would start after scheduleToCloseTimeout', async () => {
    const { env, calls } = await setup(Infinity);
    const error = await env.execute(callFlaky, { input: { scheduleToCloseTimeout: '10s', retry: { initialInterval: '1s' } } }).then(() => undefined, (e: WorkflowFailedError) => e);

    // attempts at 0, 1, 3, 7 s; the next would start at 15 s, past the 10 s budget
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 1_000, 3_000, 7_000]);
    expect(error?.cause).toBeInstanceOf(ActivityFailure);
    expect((error!.cause as ActivityFailure).attempt).toBe(4);
  });

  it('rejects an invalid retry policy when the activity is called', async () => {
    const { env, calls } = await setup(0);
    const error = await env.execute(callFlaky, { input: { retry: { initialInterval: '2s', maximumInterval: '1s' } } }).then(() => undefined, (e: WorkflowBlockedError) => e);

    expect(calls).toHaveLength(0);
    // A TypeError of workflow code blocks the run (a workflow task failure, as in Temporal).
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error?.cause).toMatchObject({ type: 'TypeError', message: expect.stringContaining('maximumInterval') });
  });
});
