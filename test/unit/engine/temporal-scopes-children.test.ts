// Child workflows whose cancellation scope is cancelled before they started, as Temporal's SDK and core treat them
// (issue 17): the start is never sent, nothing of the child is recorded, and the child's promises reject.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CancellationScope, CancelledFailure, ChildWorkflowFailure, NonDeterminismError, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const sleepyChild = defineWorkflow('sleepyChild', async (ctx) => {
  await ctx.sleep('1 hour');
  return 'child done';
});

/** How a child's promise settled: the failure's class, and its cause's. */
function settled(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'started',
    (error: unknown) => (error instanceof ChildWorkflowFailure ? `ChildWorkflowFailure(${nameOf(error.cause)})` : nameOf(error)),
  );
}

function nameOf(error: unknown): string {
  return error instanceof CancelledFailure ? 'CancelledFailure' : error instanceof Error ? error.name : String(error);
}

/** Starts children and cancels their scope in the same activation (both cancellation types). */
const cancelledWhereStarted = defineWorkflow('cancelledWhereStarted', async (ctx) => {
  const scope = new CancellationScope(ctx);
  const outcomes = Promise.all([
    settled(scope.run((inner) => inner.startChild(sleepyChild, { workflowId: 'child-requested' }))),
    settled(scope.run((inner) => inner.executeChild(sleepyChild, { workflowId: 'child-abandoned', cancellationType: 'ABANDON' }))),
  ]);
  scope.cancel();
  return outcomes;
});

/** Starts children in a scope that is already cancelled. */
const startedInCancelledScope = defineWorkflow('startedInCancelledScope', async (ctx) => {
  const scope = new CancellationScope(ctx);
  scope.cancel();
  return Promise.all([
    settled(scope.run((inner) => inner.startChild(sleepyChild, { workflowId: 'child-late' }))),
    settled(scope.run((inner) => inner.executeChild(sleepyChild, { workflowId: 'child-later' }))),
  ]);
});

const workflows = { sleepyChild, cancelledWhereStarted, startedInCancelledScope };
const childEvents = ['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed', 'ExternalCancelInitiated'];

describe('children cancelled before they started (Temporal semantics)', () => {
  it('does not start a child whose scope is cancelled in the activation that started it, and rejects it with ChildWorkflowFailure(CancelledFailure)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(cancelledWhereStarted);
    expect(await handle.result()).toEqual(['ChildWorkflowFailure(CancelledFailure)', 'ChildWorkflowFailure(CancelledFailure)']);
    const history = await handle.fetchHistory();
    expect(history.filter((event) => childEvents.includes(event.type))).toEqual([]);
    expect(history.some((event) => (event as { flags?: string[] }).flags?.includes('childCancelledBeforeStart'))).toBe(true);
    for (const childId of ['child-requested', 'child-abandoned']) expect(() => env.getHandle(childId)).toThrow(/not found/i);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('replays the old way where the history does not record the fix: a history without its flag started the children', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(cancelledWhereStarted);
    await handle.result();
    // Without the flag, replay starts the children as an older engine did, and finds them missing from this history.
    const unflagged = (await handle.fetchHistory()).map((event) => {
      const { flags: _flags, ...rest } = event as typeof event & { flags?: string[] };
      return rest as typeof event;
    });
    await expect(replayHistory(workflows, unflagged)).rejects.toThrow(NonDeterminismError);
  });

  it('rejects a child started in a scope already cancelled with the plain CancelledFailure, recording nothing of it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(startedInCancelledScope);
    expect(await handle.result()).toEqual(['CancelledFailure', 'CancelledFailure']);
    const history = await handle.fetchHistory();
    expect(history.filter((event) => childEvents.includes(event.type))).toEqual([]);
    for (const childId of ['child-late', 'child-later']) expect(() => env.getHandle(childId)).toThrow(/not found/i);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });
});

/** A child that takes a cancel request and goes on to the end of its hour. */
const stubbornChild = defineWorkflow('stubbornChild', async (ctx) => {
  await CancellationScope.nonCancellable(ctx, (inner) => inner.sleep('1 hour'));
  return 'stubborn done';
});

/** Starts the child, lets it run a minute, then cancels the scope around the wait for its result. */
const cancelsRunningChild = defineWorkflow('cancelsRunningChild', async (ctx, cancellationType: 'REQUEST_CANCEL' | 'TRY_CANCEL' | 'WAIT_CANCELLATION_REQUESTED') => {
  const scope = new CancellationScope(ctx);
  const outcome = settled(scope.run((inner) => inner.executeChild(stubbornChild, { workflowId: `stubborn-${cancellationType}`, cancellationType, parentClosePolicy: 'ABANDON' })));
  await ctx.sleep('1 minute');
  scope.cancel();
  const result = await outcome;
  return { result, at: ctx.now() - ctx.info().runStartTime };
});

describe('cancellation types of a running child', () => {
  it.each([
    ['TRY_CANCEL', 'at once', 60_000],
    ['WAIT_CANCELLATION_REQUESTED', 'once the child has the request', 60_000],
  ] as const)('%s fails the wait %s, while the child declining the cancel runs on; the history replays', async (cancellationType, _when, at) => {
    const env = await TestWorkflowEnvironment.create({ workflows: { stubbornChild, cancelsRunningChild } });
    const handle = await env.start(cancelsRunningChild, { workflowId: `parent-${cancellationType}`, input: cancellationType });
    expect(await handle.result()).toEqual({ result: 'ChildWorkflowFailure(CancelledFailure)', at });
    const child = env.getHandle(`stubborn-${cancellationType}`);
    expect((await child.describe()).status).toBe('running');
    const parentEvents = env.history(`parent-${cancellationType}`).map((event) => event.type);
    expect(parentEvents).toContain('ExternalCancelInitiated');
    if (cancellationType === 'WAIT_CANCELLATION_REQUESTED') expect(parentEvents).toContain('ExternalCancelDelivered');
    await expect(replayHistory({ stubbornChild, cancelsRunningChild }, env.history(`parent-${cancellationType}`))).resolves.toBeUndefined();
  });

  it('REQUEST_CANCEL (Temporal\'s WAIT_CANCELLATION_COMPLETED) waits until the child closes', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { stubbornChild, cancelsRunningChild } });
    const result = await env.execute(cancelsRunningChild, { workflowId: 'parent-waits', input: 'REQUEST_CANCEL' });
    // The child declined the cancel and completed its hour: the parent's wait took its result.
    expect(result).toEqual({ result: 'started', at: 60 * 60_000 });
  });
});

describe('child cancellation types in histories recorded before them (EngineFlag.ChildCancellationTypes)', () => {
  it.each(['try-cancel', 'wait-cancellation-requested'])('replays a %s run that waited for its child to close, as it ran', async (kind) => {
    const workflows = await import('../../fixtures/temporal/child-cancel-history');
    const history = JSON.parse(readFileSync(new URL(`../../fixtures/histories/child-${kind}-before-types.json`, import.meta.url), 'utf8')) as HistoryEvent[];
    expect(history.at(-1)).toMatchObject({ type: 'WorkflowExecutionCompleted', result: 'result: declined and finished' });
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('runs the new way live: the same workflow gives up on its child at once', async () => {
    const workflows = await import('../../fixtures/temporal/child-cancel-history');
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute('triesToCancelChild', { workflowId: 'live-try', input: ['TRY_CANCEL'] })).toBe('cancelled');
  });
});
