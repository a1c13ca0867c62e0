// Scopes and pending work let go of their cancellation scope once they settled (EngineFlag.ReleasesIdleScopes), so a
// long run's root scope does not keep a listener for every timer, activity, condition, child and scope it ever made;
// what cancellation means is unchanged.
import { describe, expect, it } from 'vitest';
import { CancellationScope, CancelledFailure, defineSignal, defineWorkflow, type WorkflowContext } from 'duro/workflow';
import { replayHistory, TestWorkflowEnvironment } from 'duro/testing';

/** Tests only (core/cancellation-scope.ts): how many listeners a scope holds. */
const listenerCount = (ctx: WorkflowContext): number => (ctx.cancellationScope as unknown as Record<symbol, number>)[Symbol.for('duro.CancellationScope.listenerCount')]!;

const activities = { async echo(n: number) { return n; } };

/** Many rounds of scopes, timers, activities, conditions and workflow setTimeouts; the root's listeners after each. */
const busy = defineWorkflow('busy', async (ctx, rounds: number) => {
  const { echo } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
  const counts: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await CancellationScope.cancellable(ctx, (inner) => inner.sleep(1));
    await echo(i);
    await ctx.condition(() => true, '1 hour');
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    counts.push(listenerCount(ctx));
  }
  return counts;
});

const go = defineSignal('go');

/** A scope left idle, then its parent cancelled: it reads as cancelled, and work started in it again is refused. */
const reused = defineWorkflow('reused', async (ctx) => {
  const outer = new CancellationScope(ctx);
  let inner!: CancellationScope;
  let released = false;
  ctx.setHandler(go, () => void (released = true));
  const seen = await outer.run(async (outerCtx) => {
    inner = new CancellationScope(outerCtx);
    await inner.run((c) => c.sleep(1));
    const idleListeners = listenerCount(outerCtx);
    outer.cancel(new CancelledFailure('the parent\'s'));
    inner.cancel(new CancelledFailure('its own, too late'));
    const afterCancel = { considered: inner.consideredCancelled, failure: inner.cancellationFailure?.message };
    const again = await inner.run((c) => c.sleep(1)).then(() => 'slept', (error: Error) => error.name);
    return { idleListeners, ...afterCancel, again };
  });
  await ctx.condition(() => released);
  return seen;
});

describe('idle scopes and settled work release their cancellation listeners', () => {
  it('keeps the root scope\'s listeners from growing over many rounds', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { busy }, activities });
    const counts = await env.execute(busy, { workflowId: 'busy', input: 50 });
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeLessThanOrEqual(1);
    await expect(replayHistory({ busy }, env.history('busy'))).resolves.toBeUndefined();
  });

  it('keeps cancellation as it was: a released scope reads its parent\'s cancel, and refuses new work after it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { reused } });
    const handle = await env.start(reused, { workflowId: 'reused' });
    await handle.signal(go);
    expect(await handle.result()).toEqual({ idleListeners: 0, considered: true, failure: 'the parent\'s', again: 'CancelledFailure' });
  });

});
