// The approval examples (examples/approval.ts) in virtual time: decisions by signal, escalation, auto-rejection, and
// the webhook variant completed through its task token.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkflowFailedError, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import {
  approvalActivities, approvalStatus, approvalWebhook, approval, approve, reject, type ApprovalInput, type ApprovalRequest,
} from '../../../examples/approval';

/** requestApproval and escalate that record who was notified, and when (virtual time). */
function notifier(now: () => number) {
  const sent: Array<{ activity: string; to: string; at: number }> = [];
  const activities = {
    async requestApproval(input: { workflowId: string; request: ApprovalRequest }, _ctx: ActivityContext) {
      sent.push({ activity: 'requestApproval', to: input.request.approver, at: now() });
      return { notified: input.request.approver };
    },
    async escalate(input: { workflowId: string; request: ApprovalRequest }, _ctx: ActivityContext) {
      sent.push({ activity: 'escalate', to: input.request.manager, at: now() });
      return { notified: input.request.manager };
    },
  };
  return { sent, activities };
}

async function startApproval(input: ApprovalInput = {}) {
  let env!: TestWorkflowEnvironment;
  const { sent, activities } = notifier(() => env.now());
  env = await TestWorkflowEnvironment.create({ workflows: { approval }, activities });
  const start = env.now();
  const handle = await env.start(approval, { workflowId: 'approval-1', input });
  return { env, handle, sent, start };
}

const DAY = 86_400_000;

describe('approval', () => {
  it('asks the approver, and completes approved when approved before the first deadline', async () => {
    const { env, handle, sent, start } = await startApproval();
    expect(await handle.query(approvalStatus)).toEqual({ state: 'pending' });
    expect(sent).toEqual([{ activity: 'requestApproval', to: 'ada', at: start }]);

    await env.sleep('5 hours');
    await handle.signal(approve, { by: 'ada' });
    expect(await handle.query(approvalStatus)).toEqual({ state: 'approved', by: 'ada', decidedAt: start + 5 * 3_600_000 });
    expect(await handle.result()).toEqual({ state: 'approved', by: 'ada', decidedAt: start + 5 * 3_600_000 });
    expect(sent).toHaveLength(1);
  });

  it('completes rejected with the reason, and the first decision wins', async () => {
    const { handle, start } = await startApproval();
    await handle.signal(reject, { by: 'ada', reason: 'over budget' });
    expect(await handle.result()).toEqual({ state: 'rejected', by: 'ada', reason: 'over budget', decidedAt: start });
  });

  it('takes the first decision when several arrive before the workflow acts on them', async () => {
    let env!: TestWorkflowEnvironment;
    let release!: () => void;
    const notified = new Promise<void>((resolve) => (release = resolve));
    const slow = { ...notifier(() => env.now()).activities, requestApproval: async () => notified.then(() => ({ notified: 'ada' })) };
    env = await TestWorkflowEnvironment.create({ workflows: { approval }, activities: slow });
    const handle = await env.start(approval, { workflowId: 'approval-race', input: {} });
    await handle.signal(reject, { by: 'ada', reason: 'over budget' });
    await handle.signal(approve, { by: 'mallory' });
    expect(await handle.query(approvalStatus)).toMatchObject({ state: 'rejected', by: 'ada' });
    release();
    expect(await handle.result()).toMatchObject({ state: 'rejected', by: 'ada', reason: 'over budget' });
    const signals = (await handle.fetchHistory()).flatMap((e) => (e.type === 'SignalReceived' ? [e.signalName] : []));
    expect(signals).toEqual(['reject', 'approve']);
  });

  it('escalates to the manager after the first deadline, and the manager approves', async () => {
    const { env, handle, sent, start } = await startApproval();
    await env.sleep('1 day');
    expect(await handle.query(approvalStatus)).toEqual({ state: 'escalated', escalatedTo: 'barbara' });
    expect(sent).toEqual([
      { activity: 'requestApproval', to: 'ada', at: start },
      { activity: 'escalate', to: 'barbara', at: start + DAY },
    ]);

    await env.sleep('3 hours');
    await handle.signal(approve, { by: 'barbara' });
    const expected = { state: 'approved', by: 'barbara', escalatedTo: 'barbara', decidedAt: start + DAY + 3 * 3_600_000 };
    expect(await handle.query(approvalStatus)).toEqual(expected);
    expect(await handle.result()).toEqual(expected);
  });

  it('rejects automatically at the second deadline, counted from the start', async () => {
    const { env, handle, start } = await startApproval();
    await env.sleep('47 hours');
    expect(await handle.query(approvalStatus)).toMatchObject({ state: 'escalated' });
    await env.sleep('1 hour');
    const expected = { state: 'autoRejected', escalatedTo: 'barbara', reason: 'no decision within 2 days', decidedAt: start + 2 * DAY };
    expect(await handle.query(approvalStatus)).toEqual(expected);
    expect(await handle.result()).toEqual(expected);
  });

  it('takes its deadlines and request from the input', async () => {
    const { env, handle, sent, start } = await startApproval({ request: { approver: 'linus', manager: 'margaret' }, firstDeadline: '10m', secondDeadline: '30m' });
    expect(await handle.result()).toMatchObject({ state: 'autoRejected', escalatedTo: 'margaret', reason: 'no decision within 30m', decidedAt: start + 30 * 60_000 });
    expect(sent.map(({ to, at }) => ({ to, at }))).toEqual([{ to: 'linus', at: start }, { to: 'margaret', at: start + 10 * 60_000 }]);
    expect(env.now() - start).toBe(30 * 60_000);
  });

  it('keeps the status through a replay', async () => {
    const { env, handle } = await startApproval();
    await env.sleep('25 hours');
    env.evict();
    expect(await handle.query(approvalStatus)).toEqual({ state: 'escalated', escalatedTo: 'barbara' });
    await handle.signal(reject, { by: 'barbara', reason: 'no' });
    expect(await handle.result()).toMatchObject({ state: 'rejected', by: 'barbara', reason: 'no' });
  });
});

describe('approvalWebhook', () => {
  // The demo activity logs the token for `npm run dev` users; keep it out of the test output, and check it.
  let log: ReturnType<typeof vi.spyOn>;
  beforeEach(() => void (log = vi.spyOn(console, 'log').mockImplementation(() => undefined)));
  afterEach(() => log.mockRestore());

  async function startWebhook(timeout?: string) {
    const env = await TestWorkflowEnvironment.create({ workflows: { approvalWebhook }, activities: approvalActivities });
    const start = env.now();
    const handle = await env.start(approvalWebhook, { workflowId: 'approval-webhook-1', input: timeout === undefined ? {} : { timeout } });
    return { env, handle, start };
  }

  /** The token, as a user finds it: in the pending activity's heartbeat details of the workflow's description. */
  async function taskTokenOf(handle: Awaited<ReturnType<typeof startWebhook>>['handle']): Promise<string> {
    const [pending] = (await handle.describe()).pendingActivities;
    expect(pending).toMatchObject({ activityType: 'awaitApprovalCallback', state: 'running', heartbeatDetails: { approver: 'ada' } });
    return (pending!.heartbeatDetails as { taskToken: string }).taskToken;
  }

  it('waits for the callback, and completes with the decision posted with the task token', async () => {
    const { env, handle, start } = await startWebhook();
    expect(await handle.query(approvalStatus)).toEqual({ state: 'pending' });
    await env.sleep('2 hours');
    const taskToken = await taskTokenOf(handle);
    expect(log).toHaveBeenCalledWith(expect.stringContaining(`"taskToken":"${taskToken}"`));

    expect(env.completeActivity(taskToken, { result: { approved: true, by: 'ada' } })).toBe(true);
    expect(await handle.result()).toEqual({ state: 'approved', by: 'ada', decidedAt: start + 2 * 3_600_000 });
    expect(env.completeActivity(taskToken, { result: { approved: false, by: 'ada' } })).toBe(false); // the attempt is over
  });

  it('completes rejected unless the posted result says approved: true', async () => {
    const { env, handle } = await startWebhook();
    env.completeActivity(await taskTokenOf(handle), { result: { approved: 'yes', by: 'ada', reason: 'looks fine?' } });
    expect(await handle.result()).toMatchObject({ state: 'rejected', by: 'ada', reason: 'looks fine?' });
  });

  it('rejects automatically when nobody calls back before the timeout, without a second attempt', async () => {
    const { env, handle, start } = await startWebhook('3 hours');
    const taskToken = await taskTokenOf(handle);
    expect(await handle.result()).toEqual({ state: 'autoRejected', reason: 'no decision within 3 hours', decidedAt: start + 3 * 3_600_000 });
    expect((await handle.fetchHistory()).filter((e) => e.type === 'ActivityTaskStarted')).toHaveLength(1);
    expect(env.completeActivity(taskToken, { result: { approved: true } })).toBe(false);
  });

  it('fails the run when the callback posts a failure', async () => {
    const { env, handle } = await startWebhook();
    env.completeActivity(await taskTokenOf(handle), { failure: { kind: 'application', type: 'ApproverGone', message: 'the approver left', nonRetryable: true } });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ activityType: 'awaitApprovalCallback', cause: { type: 'ApproverGone', message: 'the approver left' } });
  });
});
