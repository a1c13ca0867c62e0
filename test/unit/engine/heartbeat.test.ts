// Heartbeats: a silent attempt times out and is retried; the next attempt resumes from the last heartbeat's details.
// A running attempt holds the test environment's clock (as in Temporal's time-skipping server): heartbeat timeouts
// pass in real time, so they are short here; the backoffs between attempts are skipped.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, TimeoutFailure, WorkflowFailedError, defineWorkflow, type ActivityContext, type RetryPolicy } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

interface Attempt {
  attempt: number;
  startedAt: number;
  resumedFrom: unknown;
}

function progressActivities(clock: () => number, hangingAttempts: number, hang: 'sleep' | 'forever') {
  const attempts: Attempt[] = [];
  return {
    attempts,
    activities: {
      /** Processes items 1..5, heartbeating after each; the first `hangingAttempts` attempts stall from item 3 on. */
      async processItems(_input: unknown, ctx: ActivityContext) {
        const resumedFrom = ctx.heartbeatDetails;
        attempts.push({ attempt: ctx.info.attempt, startedAt: clock(), resumedFrom });
        const from = typeof resumedFrom === 'number' ? resumedFrom + 1 : 1;
        for (let item = from; item <= 5; item++) {
          ctx.heartbeat(item);
          if (item >= 3 && attempts.length <= hangingAttempts) {
            if (hang === 'sleep') await ctx.sleep(3_600_000);
            else await new Promise(() => undefined);
          }
        }
        return { resumedFrom: resumedFrom ?? null };
      },
    },
  };
}
type Acts = ReturnType<typeof progressActivities>['activities'];

const batch = defineWorkflow('batch', async (ctx, input: { retry?: RetryPolicy; heartbeatTimeout?: string }) => {
  const { processItems } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '1 day', heartbeatTimeout: input.heartbeatTimeout ?? '200ms', ...(input.retry && { retry: input.retry }) });
  return await processItems();
});

async function setup(hangingAttempts: number, hang: 'sleep' | 'forever' = 'sleep') {
  let env!: TestWorkflowEnvironment;
  const p = progressActivities(() => env.now(), hangingAttempts, hang);
  env = await TestWorkflowEnvironment.create({ workflows: { batch }, activities: p.activities });
  return { env, attempts: p.attempts };
}

describe('activity heartbeats', () => {
  it('retries an attempt whose heartbeats stop (ctx.sleep), and the next attempt sees the last heartbeat details', async () => {
    const { env, attempts } = await setup(1, 'sleep');
    const start = env.now();

    expect(await env.execute(batch, { input: {} })).toEqual({ resumedFrom: 3 });

    expect(attempts).toEqual([
      { attempt: 1, startedAt: start, resumedFrom: undefined },
      { attempt: 2, startedAt: expect.any(Number), resumedFrom: 3 },
    ]);
    // The heartbeat timeout 200 ms after the last heartbeat (real time), then the default 1 s backoff (skipped).
    expect(attempts[1]!.startedAt - start).toBeGreaterThanOrEqual(1_200);
    expect(attempts[1]!.startedAt - start).toBeLessThan(1_200 + 3_000);
  });

  it('times out an attempt stuck on a promise that never settles', async () => {
    const { env, attempts } = await setup(1, 'forever');
    expect(await env.execute(batch, { input: {} })).toEqual({ resumedFrom: 3 });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2]);
  });

  it('fails with TimeoutFailure(HEARTBEAT) carrying the last details when no attempt is left', async () => {
    const { env, attempts } = await setup(Infinity);
    const handle = await env.start(batch, { input: { retry: { maximumAttempts: 2 } } });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    expect(attempts.map((a) => a.resumedFrom)).toEqual([undefined, 3]);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const activityFailure = (error as WorkflowFailedError).cause;
    expect(activityFailure).toBeInstanceOf(ActivityFailure);
    expect(activityFailure.cause).toBeInstanceOf(TimeoutFailure);
    expect(activityFailure.cause).toMatchObject({ timeoutType: 'HEARTBEAT', lastHeartbeatDetails: 4 });

    const timedOut = (await handle.fetchHistory()).filter((e) => e.type === 'ActivityTaskTimedOut');
    expect(timedOut).toHaveLength(1);
    expect(timedOut[0]).toMatchObject({ attempt: 2 });
  });

  it('keeps a long attempt alive while it heartbeats more often than the timeout', async () => {
    let env!: TestWorkflowEnvironment;
    const activities = {
      async processItems(_input: unknown, ctx: ActivityContext) {
        for (let i = 0; i < 10; i++) {
          await ctx.sleep(40); // each step well under the 1 s heartbeat timeout; the whole attempt is 400 ms
          ctx.heartbeat(i);
        }
        return { attempt: ctx.info.attempt, elapsed: env.now() - start };
      },
    };
    env = await TestWorkflowEnvironment.create({ workflows: { batch }, activities });
    const start = env.now();
    const result = (await env.execute(batch, { input: { heartbeatTimeout: '1s' } })) as unknown as { attempt: number; elapsed: number };
    expect(result).toEqual({ attempt: 1, elapsed: expect.any(Number) });
    expect(result.elapsed).toBeGreaterThanOrEqual(400);
  });

  it('aborts the timed-out attempt: its cancellationSignal fires and its late result is ignored', async () => {
    let firstSignal: AbortSignal | undefined;
    const activities = {
      async processItems(_input: unknown, ctx: ActivityContext) {
        if (ctx.info.attempt === 1) {
          firstSignal = ctx.cancellationSignal;
          ctx.heartbeat('started');
          await ctx.sleep(60_000).catch(() => undefined); // swallow the abort and answer late
          return { resumedFrom: 'stale attempt' };
        }
        return { resumedFrom: ctx.heartbeatDetails };
      },
    };
    const env = await TestWorkflowEnvironment.create({ workflows: { batch }, activities });
    expect(await env.execute(batch, { input: {} })).toEqual({ resumedFrom: 'started' });
    expect(firstSignal?.aborted).toBe(true);
  });
});
