// An activity may destructure or spread its context, as plain JavaScript allows, whether it runs as a local activity
// or as a normal one in-process (the test environment, the browser host): no member of ctx depends on `this`.
import { describe, expect, it } from 'vitest';
import { defineWorkflow, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const activities = {
  async destructures(_input: undefined, { info, heartbeat, sleep, cancellationSignal, heartbeatDetails }: ActivityContext) {
    heartbeat({ step: 1 });
    await sleep(10);
    return { attempt: info.attempt, aborted: cancellationSignal.aborted, details: heartbeatDetails ?? null };
  },
  async spreads(_input: undefined, ctx: ActivityContext) {
    const wrapped = { ...ctx, label: 'wrapped' };
    wrapped.heartbeat();
    await wrapped.sleep(10);
    return { label: wrapped.label, attempt: wrapped.info.attempt, signal: wrapped.cancellationSignal instanceof AbortSignal };
  },
};
type Acts = typeof activities;

const both = defineWorkflow('contextShapes', async (ctx) => {
  const local = ctx.proxyLocalActivities<Acts>({ startToCloseTimeout: '5s', retry: { maximumAttempts: 1 } });
  const remote = ctx.proxyActivities<Acts>({ startToCloseTimeout: '5s', retry: { maximumAttempts: 1 } });
  return {
    local: [await local.destructures(undefined), await local.spreads(undefined)],
    remote: [await remote.destructures(undefined), await remote.spreads(undefined)],
  };
});

describe('the activity context', () => {
  it('can be destructured and spread, in local and in normal activities', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { both }, activities });
    const result = await (await env.start(both)).result();
    const shapes = [{ attempt: 1, aborted: false, details: null }, { label: 'wrapped', attempt: 1, signal: true }];
    expect(result).toEqual({ local: shapes, remote: shapes });
  });
});
