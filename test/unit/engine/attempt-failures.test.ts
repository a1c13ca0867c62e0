// A retried activity's earlier failures: history keeps only the final attempt (as Temporal's does), so the pending
// activity keeps a bounded log of why each attempt failed, for describe, the API and the UI. Replay is unaffected.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, Limits, defineWorkflow, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const activities = {
  async flaky(failures: number, ctx: ActivityContext) {
    const { attempt } = ctx.info;
    if (attempt <= failures) throw ApplicationFailure.retryable(`down on attempt ${attempt}`, attempt % 2 === 0 ? 'Timeoutish' : 'Unavailable');
    return `up on attempt ${attempt}`;
  },
};

const retrying = defineWorkflow('retrying', async (ctx, failures: number) => {
  const { flaky } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1 minute', backoffCoefficient: 1 } });
  return await flaky(failures);
});

describe('attempt failures', () => {
  it('describe shows why each attempt failed, oldest first, and keeps the latest ones only', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { retrying }, activities });
    const handle = await env.start(retrying, { workflowId: 'flaky-3', input: 3 });
    await env.sleep('150 seconds'); // attempts 1, 2 and 3 failed; the fourth waits for its backoff
    const [activity] = (await handle.describe()).pendingActivities;
    expect(activity).toMatchObject({ attempt: 3, state: 'backoff', lastFailure: { type: 'Unavailable', message: 'down on attempt 3' } });
    expect(activity!.attemptFailures).toEqual([1, 2, 3].map((attempt) => ({
      attempt, at: expect.any(Number), kind: 'application', type: attempt % 2 === 0 ? 'Timeoutish' : 'Unavailable', message: `down on attempt ${attempt}`,
    })));
    expect(await handle.result()).toBe('up on attempt 4');
    await replayHistory({ retrying }, await handle.fetchHistory());

    const many = await env.start(retrying, { workflowId: 'flaky-12', input: 12 });
    await env.sleep('690 seconds'); // attempts 1 to 12 failed (one a minute); the 13th waits
    const kept = (await many.describe()).pendingActivities[0]!.attemptFailures!;
    expect(kept.map((failure) => failure.attempt)).toEqual(Array.from({ length: Limits.attemptFailuresKept }, (_, i) => 12 - Limits.attemptFailuresKept + 1 + i));
  });
});
