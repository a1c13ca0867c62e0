// Engine fixes behind recorded flags (src/core/engine-flags.ts): a live run records the flag on the event that ends
// the activation which first relied on it, and replay applies the fix only where the history recorded it.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, CancellationScope, defineQuery, defineSignal, defineWorkflow, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import { Activator } from '../../../src/core/activator';
import type { WorkflowDefinition } from '../../../src/core/definitions';
import { replayInto } from '../../../src/core/internals';

const activities = {
  async longTask(_input: unknown, ctx: ActivityContext): Promise<string> {
    await ctx.sleep(86_400_000); // until cancelled
    return 'finished';
  },
};

const seenAttempt = defineQuery<number | undefined>('seenAttempt');
const finish = defineSignal('finish');

/** Cancels an activity and waits for the activity to confirm, then keeps the attempt its failure named. */
const confirmedCancel = defineWorkflow('confirmedCancel', async (ctx) => {
  let attempt: number | undefined;
  let done = false;
  ctx.setHandler(seenAttempt, () => attempt);
  ctx.setHandler(finish, () => void (done = true));
  const scope = new CancellationScope(ctx);
  const running = scope.run((ctx) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '2 days', cancellationType: 'WAIT_CANCELLATION_COMPLETED' }).longTask(undefined));
  await ctx.sleep('1 minute');
  scope.cancel();
  const error = await running.then(() => undefined, (e: unknown) => e);
  attempt = error instanceof ActivityFailure ? error.attempt : undefined;
  await ctx.condition(() => done);
  return attempt;
});

/** What the workflow code saw when `history` is replayed into a fresh activator. */
async function replayedAttempt(history: HistoryEvent[]): Promise<unknown> {
  const activator = new Activator(confirmedCancel as unknown as WorkflowDefinition, history[0] as Extract<HistoryEvent, { type: 'WorkflowExecutionStarted' }>);
  await replayInto(activator, structuredClone(history));
  return activator.query('seenAttempt', []);
}

describe('engine flags', () => {
  it('records a fix on the activation that first relied on it, and replays the history with it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { confirmedCancel }, activities });
    const handle = await env.start(confirmedCancel);
    await env.sleep('2 minutes');
    expect(await handle.query(seenAttempt)).toBe(1); // the attempt the ActivityTaskCanceled event names

    const history = await handle.fetchHistory();
    // Other flags (payloadShape from the first activation; scopeOutlivesRun from this one, whose cancelled scope
    // settled) are recorded beside it.
    const flagged = history.filter((event) => (event as { flags?: string[] }).flags?.includes('cancelledActivityAttempt'));
    expect(flagged).toHaveLength(1);
    expect(flagged[0]).toMatchObject({ type: 'WorkflowTaskCompleted', flags: expect.arrayContaining(['cancelledActivityAttempt']) });
    const canceledAt = history.findIndex((event) => event.type === 'ActivityTaskCanceled');
    expect(history.findIndex((event) => event.type === 'WorkflowTaskCompleted' && event.eventId > history[canceledAt]!.eventId)).toBe(history.indexOf(flagged[0]!));

    expect(await replayedAttempt(history)).toBe(1);
    await handle.signal(finish);
    expect(await handle.result()).toBe(1);
  });

  it('replays a history recorded before the fix the old way', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { confirmedCancel }, activities });
    const handle = await env.start(confirmedCancel);
    await env.sleep('2 minutes');
    // As the history reads when written by a Duro without the flag: no flags, and the run saw attempt 0.
    const older = (await handle.fetchHistory()).map((event) => {
      const { flags: _flags, ...rest } = event as HistoryEvent & { flags?: string[] };
      return rest as HistoryEvent;
    });
    expect(await replayedAttempt(older)).toBe(0);
  });
});
