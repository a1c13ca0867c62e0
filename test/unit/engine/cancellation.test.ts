// Cancellation: workflow cancel requests, cancellation scopes, and how activities and timers react.
import { describe, expect, it } from 'vitest';
import {
  ActivityFailure, CancellationScope, CancelledFailure, WorkflowFailedError, defineWorkflow, isCancellation,
  type ActivityCancellationType, type ActivityContext, type HistoryEvent,
} from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

function trackedActivities(log: string[]) {
  return {
    async longTask(_input: unknown, ctx: ActivityContext) {
      log.push('longTask started');
      try {
        await ctx.sleep(86_400_000);
        log.push('longTask finished');
        return 'finished';
      } catch (error) {
        log.push(`longTask aborted: ${isCancellation(error) ? 'cancelled' : String(error)}`);
        throw error;
      }
    },
    async cleanup(input: { reason: string }, _ctx: ActivityContext) {
      log.push(`cleanup: ${input.reason}`);
      return 'cleaned';
    },
  };
}
type Acts = ReturnType<typeof trackedActivities>;
const quick = { startToCloseTimeout: '10s' } as const;

const withCleanup = defineWorkflow('withCleanup', async (ctx, input: { waitOn: 'timer' | 'activity' }) => {
  const { longTask } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '2 days', heartbeatTimeout: '3 days' });
  try {
    if (input.waitOn === 'timer') await ctx.sleep('30 days');
    else await longTask();
    return 'done';
  } catch (error) {
    if (!isCancellation(error)) throw error;
    const cleaned = await CancellationScope.nonCancellable(ctx, (ctx) => ctx.proxyActivities<Acts>(quick).cleanup({ reason: 'cancelled' }));
    // A timer in the shielded scope still works after the cancel request.
    await CancellationScope.nonCancellable(ctx, (ctx) => ctx.sleep('1s'));
    throw new CancelledFailure(`cancelled after ${cleaned}`, undefined, error as Error);
  }
});

const cleanupWithOuterProxy = defineWorkflow('cleanupWithOuterProxy', async (ctx) => {
  const { cleanup } = ctx.proxyActivities<Acts>(quick);
  try {
    await ctx.sleep('30 days');
  } catch (error) {
    // Wrong on purpose: the proxy belongs to the cancelled root scope, so this call fails at once.
    await CancellationScope.nonCancellable(ctx, () => cleanup({ reason: 'outer proxy' }));
    throw error;
  }
});

const swallowsCancel = defineWorkflow('swallowsCancel', async (ctx) => {
  try {
    await ctx.sleep('30 days');
    return 'slept';
  } catch (error) {
    if (isCancellation(error)) return 'cancelled, but finished cleanly';
    throw error;
  }
});

const timeoutScope = defineWorkflow('timeoutScope', async (ctx, input: { workMs: number; timeoutMs: number }) => {
  const started = ctx.now();
  try {
    const value = await CancellationScope.withTimeout(ctx, input.timeoutMs, async (ctx) => {
      await ctx.sleep(input.workMs);
      return 'work done';
    });
    return { value, elapsed: ctx.now() - started };
  } catch (error) {
    return { value: error instanceof CancelledFailure ? `cancelled: ${error.message}` : String(error), elapsed: ctx.now() - started };
  }
});

const manualScope = defineWorkflow('manualScope', async (ctx) => {
  const scope = new CancellationScope(ctx);
  const sleeping = scope.run((ctx) => ctx.sleep('1 day'));
  const outside = ctx.sleep('2s');
  await ctx.sleep('1s');
  scope.cancel();
  const outcome = await sleeping.then(() => 'slept', (error: unknown) => (error instanceof CancelledFailure ? 'cancelled' : 'other'));
  await outside; // the cancellation did not reach the parent scope
  return { outcome, parentCancelled: ctx.cancellationScope.consideredCancelled };
});

const cancelActivityScope = defineWorkflow('cancelActivityScope', async (ctx, input: { cancellationType: ActivityCancellationType }) => {
  const scope = new CancellationScope(ctx);
  const running = scope.run((ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '2 days', cancellationType: input.cancellationType }).longTask());
  await ctx.sleep('1 minute');
  scope.cancel();
  const error = await running.then(() => undefined, (e: unknown) => e);
  const at = ctx.now();
  await ctx.sleep('5 minutes'); // stay open a while: closing the run stops whatever still runs
  return {
    isActivityFailure: error instanceof ActivityFailure,
    causeIsCancelled: error instanceof ActivityFailure && error.cause instanceof CancelledFailure,
    at,
  };
});

const workflows = { withCleanup, cleanupWithOuterProxy, swallowsCancel, timeoutScope, manualScope, cancelActivityScope };

const typesOf = (history: HistoryEvent[]) => history.map((e) => e.type);

describe('cancelling a workflow', () => {
  it('runs cleanup inside CancellationScope.nonCancellable and ends the workflow canceled', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: trackedActivities(log) });
    const handle = await env.start(withCleanup, { input: { waitOn: 'timer' } });
    await env.sleep('1 hour');

    await handle.cancel('no longer needed');
    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    expect(log).toEqual(['cleanup: cancelled']);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).status).toBe('canceled');
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((error as WorkflowFailedError).cause.message).toBe('cancelled after cleaned');
    expect((error as WorkflowFailedError).cause.cause).toMatchObject({ message: 'Workflow cancelled: no longer needed' });

    const history = await handle.fetchHistory();
    const types = typesOf(history);
    expect(types).toContain('WorkflowExecutionCancelRequested');
    expect(types).toContain('TimerCanceled');
    expect(types.indexOf('ActivityTaskCompleted')).toBeLessThan(types.indexOf('WorkflowExecutionCanceled'));
    expect(history.at(-1)?.type).toBe('WorkflowExecutionCanceled');
    expect((await handle.describe()).status).toBe('canceled');
  });

  it('cancels a running activity: the activity sees its cancellationSignal, then cleanup runs', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: trackedActivities(log) });
    const handle = await env.start(withCleanup, { input: { waitOn: 'activity' } });
    await env.sleep('1 minute');

    await handle.cancel();
    await expect(handle.result()).rejects.toMatchObject({ status: 'canceled' });

    // TRY_CANCEL: the workflow does not wait for the activity to stop, so cleanup may run first.
    expect(log.sort()).toEqual(['cleanup: cancelled', 'longTask aborted: cancelled', 'longTask started']);
    expect(typesOf(await handle.fetchHistory())).toContain('ActivityTaskCancelRequested');
  });

  it('fails a cleanup activity at once when its proxy came from the cancelled scope', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: trackedActivities(log) });
    const handle = await env.start(cleanupWithOuterProxy);
    await handle.cancel();
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

    expect(log).toEqual([]);
    expect(error.status).toBe('canceled');
    // Called in a scope already cancelled, the activity is never scheduled: the call rejects with the scope's own
    // CancelledFailure, as in Temporal (engine flag cancelledScopeRefuses; before, an ActivityFailure around it).
    expect(error.cause).toBeInstanceOf(CancelledFailure);
    expect(error.cause).not.toBeInstanceOf(ActivityFailure);
    expect(isCancellation(error.cause)).toBe(true);
  });

  it('completes normally when the workflow catches the cancellation and returns', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(swallowsCancel);
    await handle.cancel();
    expect(await handle.result()).toBe('cancelled, but finished cleanly');
    expect((await handle.fetchHistory()).at(-1)?.type).toBe('WorkflowExecutionCompleted');
  });

  it('records a repeated cancel request once', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: trackedActivities(log) });
    const handle = await env.start(withCleanup, { input: { waitOn: 'timer' } });
    await handle.cancel();
    await handle.cancel().catch(() => undefined); // may find the run already closed
    await handle.result().catch(() => undefined);
    expect(typesOf(await handle.fetchHistory()).filter((t) => t === 'WorkflowExecutionCancelRequested')).toHaveLength(1);
    expect(log).toEqual(['cleanup: cancelled']);
  });
});

describe('cancellation scopes', () => {
  it('CancellationScope.withTimeout cancels the work when the timeout passes first', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(timeoutScope, { input: { workMs: 60_000, timeoutMs: 5_000 } })).toEqual({ value: 'cancelled: timed out after 5000 ms', elapsed: 5_000 });
  });

  it('CancellationScope.withTimeout returns the value and cancels its timer when the work finishes first', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(timeoutScope, { input: { workMs: 1_000, timeoutMs: 5_000 } });
    expect(await handle.result()).toEqual({ value: 'work done', elapsed: 1_000 });
    const history = await handle.fetchHistory();
    expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(1);
    expect(history.filter((e) => e.type === 'TimerCanceled')).toHaveLength(1);
  });

  it('cancelling a scope cancels its timer but not the enclosing scope', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(manualScope);
    expect(await handle.result()).toEqual({ outcome: 'cancelled', parentCancelled: false });
    expect(typesOf(await handle.fetchHistory())).toContain('TimerCanceled');
  });

  it.each([
    ['TRY_CANCEL', true],
    ['WAIT_CANCELLATION_COMPLETED', true],
    ['ABANDON', false],
  ] as const)('cancelling the scope of an activity with %s fails the call with ActivityFailure(CancelledFailure)', async (cancellationType, activityIsTold) => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: trackedActivities(log) });
    const start = env.now();
    const handle = await env.start(cancelActivityScope, { input: { cancellationType } });
    await env.sleep('2 minutes');

    expect(log.includes('longTask aborted: cancelled')).toBe(activityIsTold);
    expect(typesOf(await handle.fetchHistory()).includes('ActivityTaskCancelRequested')).toBe(activityIsTold);
    // An abandoned attempt still runs and holds the clock while the test awaits the result: skip to the close first.
    await env.sleep('5 minutes');
    const result = await handle.result();
    expect(result).toMatchObject({ isActivityFailure: true, causeIsCancelled: true });
    expect(result.at - start).toBe(60_000);
  });
});
