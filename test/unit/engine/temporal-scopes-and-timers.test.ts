// Cancellation scopes and timers as Temporal's SDK tests assert them (issue 17): work started in a scope stays that scope's after the
// scope's callback returned, so cancelling the workflow reaches it.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, CancellationScope, CancelledFailure, NonDeterminismError, defineSignal, defineWorkflow, isCancellation } from 'duro/workflow';
import { cancelsShielded } from '../../fixtures/integration-worker/workflows';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

/** A timer started inside `CancellationScope.cancellable` and awaited after the callback returned. */
const timerOutlivesCallback = defineWorkflow('timerOutlivesCallback', async (ctx) => {
  let sleeping!: Promise<void>;
  await CancellationScope.cancellable(ctx, async (inner) => {
    sleeping = inner.sleep('1 hour');
  });
  try {
    await sleeping;
    return 'slept';
  } catch (error) {
    return isCancellation(error) ? 'cancelled' : `failed: ${String(error)}`;
  }
});

/** The same scope run twice: the second, short run must not detach the first run's timer from the parent. */
const scopeRunTwice = defineWorkflow('scopeRunTwice', async (ctx) => {
  const scope = new CancellationScope(ctx);
  let sleeping!: Promise<void>;
  await scope.run(async (inner) => {
    sleeping = inner.sleep('1 hour');
  });
  await scope.run(async () => undefined);
  try {
    await sleeping;
    return 'slept';
  } catch (error) {
    return isCancellation(error) ? 'cancelled' : `failed: ${String(error)}`;
  }
});

const workflows = { timerOutlivesCallback, scopeRunTwice };

describe('cancellation scopes (Temporal semantics)', () => {
  it.each(['timerOutlivesCallback', 'scopeRunTwice'])('%s: a workflow cancel reaches a timer whose scope callback already returned', async (workflowType) => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(workflowType);
    await handle.cancel();
    expect(await handle.result()).toBe('cancelled');
    const history = await handle.fetchHistory();
    expect(history.map((event) => event.type)).toContain('TimerCanceled');
    expect(history.some((event) => event.type === 'TimerFired')).toBe(false);
    // The fix is recorded with the run (an engine flag), so its history replays the same way.
    expect(history.some((event) => (event as { flags?: string[] }).flags?.includes('scopeOutlivesRun'))).toBe(true);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('replays the old way where the history does not record the fix: a history without its flag did not cancel the timer', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(timerOutlivesCallback);
    await handle.cancel();
    expect(await handle.result()).toBe('cancelled');
    // The same history with the flag taken out reads as an older engine's: replay then keeps the scope detached, does
    // not cancel the timer, and so finds the recorded TimerCanceled unexpected. An older engine's own history (no
    // TimerCanceled, the timer fired) replays as it ran.
    const unflagged = (await handle.fetchHistory()).map((event) => {
      const { flags: _flags, ...rest } = event as typeof event & { flags?: string[] };
      return rest as typeof event;
    });
    await expect(replayHistory(workflows, unflagged)).rejects.toThrow(NonDeterminismError);
  });
});

describe('timers (Temporal semantics)', () => {
  const zeroTimers = defineWorkflow('zeroTimers', async (ctx) => {
    await ctx.sleep(0);
    await ctx.condition(() => false, 0);
    return 'done';
  });

  it('records sleep(0) and condition(fn, 0) as 1 ms timers', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { zeroTimers } });
    const handle = await env.start(zeroTimers);
    expect(await handle.result()).toBe('done');
    const timers = (await handle.fetchHistory()).filter((event) => event.type === 'TimerStarted');
    expect(timers.map((event) => (event as { durationMs: number }).durationMs)).toEqual([1, 1]);
  });
});

describe('work asked of a scope already cancelled (Temporal semantics)', () => {
  const nudge = defineSignal('nudge');
  const inCancelledScope = defineWorkflow('inCancelledScope', async (ctx) => {
    const scope = new CancellationScope(ctx);
    scope.cancel();
    return scope.run(async (inner) => {
      const seen: string[] = [];
      const { work } = inner.proxyActivities<{ work(): Promise<void> }>({ startToCloseTimeout: '1m' });
      await work().catch((error: unknown) => seen.push(`activity: ${kindOf(error)}`));
      await inner.getExternalWorkflowHandle('someone-else').signal(nudge).catch((error: unknown) => seen.push(`signal: ${kindOf(error)}`));
      return seen;
    });
  });

  it('rejects an activity call and a signal to another workflow with the plain CancelledFailure, sending nothing', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { inCancelledScope }, activities: { work: async () => undefined } });
    const handle = await env.start(inCancelledScope);
    expect(await handle.result()).toEqual(['activity: CancelledFailure', 'signal: CancelledFailure']);
    const history = await handle.fetchHistory();
    expect(history.some((event) => event.type === 'ActivityTaskScheduled' || event.type === 'ExternalSignalInitiated')).toBe(false);
    await expect(replayHistory({ inCancelledScope }, history)).resolves.toBeUndefined();
  });
});

function kindOf(error: unknown): string {
  return error instanceof ActivityFailure ? 'ActivityFailure' : error instanceof CancelledFailure ? 'CancelledFailure' : String(error);
}

describe('a timer started and cancelled in one activation (Temporal semantics)', () => {
  const quickWithTimeout = defineWorkflow('quickWithTimeout', async (ctx) => {
    // The work finishes at once: withTimeout's timer is started and cancelled within this activation.
    const value = await CancellationScope.withTimeout(ctx, '1 hour', async () => 'quick');
    await ctx.sleep('1s'); // a timer that is recorded, for contrast
    return value;
  });

  it('records neither its start nor its cancel, and the history replays', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { quickWithTimeout } });
    const handle = await env.start(quickWithTimeout);
    expect(await handle.result()).toBe('quick');
    const history = await handle.fetchHistory();
    expect(history.filter((event) => event.type === 'TimerStarted').map((event) => (event as { durationMs: number }).durationMs)).toEqual([1_000]);
    expect(history.some((event) => event.type === 'TimerCanceled')).toBe(false);
    expect(history.some((event) => (event as { flags?: string[] }).flags?.includes('timerPairsDropped'))).toBe(true);
    await expect(replayHistory({ quickWithTimeout }, history)).resolves.toBeUndefined();
  });
});

describe('cancel() on a non-cancellable scope (Temporal semantics)', () => {
  // The conformance suite's own (every host runs it there too): timers in a shielded scope and a child scope of it.
  const cancelShielded = cancelsShielded;

  it('cancels neither the work started in it nor its child scopes, and the scope is not considered cancelled', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { cancelShielded } });
    const handle = await env.start(cancelShielded);
    expect(await handle.result()).toEqual({ own: 'slept', inner: 'slept', consideredCancelled: false, innerConsideredCancelled: false });
    const history = await handle.fetchHistory();
    expect(history.some((event) => event.type === 'TimerCanceled')).toBe(false);
    expect(history.some((event) => (event as { flags?: string[] }).flags?.includes('nonCancellableIgnoresCancel'))).toBe(true);
    await expect(replayHistory({ cancelShielded }, history)).resolves.toBeUndefined();
  });

  it('replays the old way where the history does not record the fix: without its flag the cancel reached the timers', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { cancelShielded } });
    const handle = await env.start(cancelShielded);
    await handle.result();
    const unflagged = (await handle.fetchHistory()).map((event) => {
      const { flags: _flags, ...rest } = event as typeof event & { flags?: string[] };
      return rest as typeof event;
    });
    await expect(replayHistory({ cancelShielded }, unflagged)).rejects.toThrow(NonDeterminismError);
  });
});

describe('a local activity in a scope already cancelled (Temporal semantics)', () => {
  const lookup = defineWorkflow('lookupInCancelledScope', async (ctx) => {
    const scope = new CancellationScope(ctx);
    scope.cancel();
    try {
      await scope.run((inner) => inner.proxyLocalActivities<{ lookup(): Promise<string> }>({ startToCloseTimeout: '1s' }).lookup());
      return 'ran';
    } catch (error) {
      return error instanceof CancelledFailure ? 'CancelledFailure' : (error as Error).name;
    }
  });

  it('rejects with the scope\'s plain CancelledFailure and runs nothing', async () => {
    let calls = 0;
    const env = await TestWorkflowEnvironment.create({ workflows: { lookup }, activities: { lookup: async () => `call ${++calls}` } });
    expect(await env.execute(lookup)).toBe('CancelledFailure');
    expect(calls).toBe(0);
  });
});
