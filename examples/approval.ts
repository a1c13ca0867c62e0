// Human-in-the-loop approval, two ways: `approval` waits for an approve/reject signal with two deadlines (escalate, then
// auto-reject); `approvalWebhook` waits on an activity that an outside caller completes with its task token. docs/patterns/approval.md
import {
  ActivityFailure, TimeoutFailure, defineQuery, defineSignal, defineWorkflow, toMs, type ActivityContext, type Duration,
} from 'duro/workflow';

export interface ApprovalRequest {
  title: string;
  amount: number;
  requester: string;
  /** Who is asked first. */
  approver: string;
  /** Who is asked once the first deadline passes (`approval` only). */
  manager: string;
}

export type ApprovalState = 'pending' | 'escalated' | 'approved' | 'rejected' | 'autoRejected';

export interface ApprovalStatus {
  state: ApprovalState;
  /** Who decided (approved or rejected). */
  by?: string;
  reason?: string;
  /** Workflow time of the decision (ms since the epoch). */
  decidedAt?: number;
  /** Set once the request was escalated. */
  escalatedTo?: string;
}

export interface ApprovalInput {
  request?: Partial<ApprovalRequest>;
  /** Time from the start after which the request is escalated to the manager. Default '1 day'. */
  firstDeadline?: Duration;
  /** Time from the start after which the request is rejected automatically. Default '2 days'. */
  secondDeadline?: Duration;
}

export interface ApprovalWebhookInput {
  request?: Partial<ApprovalRequest>;
  /** How long the approver has to answer through the callback before the request is rejected. Default '1 day'. */
  timeout?: Duration;
}

/** What the caller posts as the activity's result: `POST /v1/activities/complete {taskToken, result: {approved, by, reason?}}`. */
export interface ApprovalDecision {
  approved: boolean;
  by?: string;
  reason?: string;
}

export const approve = defineSignal<[decision: { by: string }]>('approve');
export const reject = defineSignal<[decision: { by: string; reason?: string }]>('reject');
export const approvalStatus = defineQuery<ApprovalStatus>('status');

const DEMO_REQUEST: ApprovalRequest = { title: 'New laptop', amount: 1800, requester: 'grace', approver: 'ada', manager: 'barbara' };

// Demo only: notifications sent, by idempotency key (workflowId:runId:activityId), so a retried attempt does not
// notify twice. A real activity would hand the key to the mail or chat service; this map is per isolate.
const notified = new Map<string, string>();

function notifyOnce(ctx: ActivityContext, message: string): { notified: string } {
  const key = `${ctx.info.workflowId}:${ctx.info.runId}:${ctx.info.activityId}`;
  if (!notified.has(key)) {
    notified.set(key, message);
    console.log(`[approval] ${message}`);
  }
  return { notified: notified.get(key)! };
}

export const approvalActivities = {
  /** Asks the approver (here: a log line). The answer comes back as an `approve` or `reject` signal. */
  async requestApproval(input: { workflowId: string; request: ApprovalRequest }, ctx: ActivityContext): Promise<{ notified: string }> {
    const { request } = input;
    return notifyOnce(ctx, `${request.approver}: please approve "${request.title}" (${request.amount}) for ${request.requester}; signal approve/reject on workflow ${input.workflowId}`);
  },

  /** Tells the manager the approver did not answer in time. */
  async escalate(input: { workflowId: string; request: ApprovalRequest }, ctx: ActivityContext): Promise<{ notified: string }> {
    const { request } = input;
    return notifyOnce(ctx, `${request.manager}: ${request.approver} has not answered on "${request.title}" (${request.amount}); signal approve/reject on workflow ${input.workflowId}`);
  },

  /**
   * Asynchronous completion: hands this attempt's task token to the outside world and returns without completing;
   * whoever holds the token completes the activity with `POST /v1/activities/complete`. A real activity would mail
   * the token (inside an approve/reject link) to the approver. This demo logs it and records it as heartbeat details,
   * which `GET /v1/workflows/{id}` shows under `pendingActivities[].heartbeatDetails`; anyone who may read the
   * workflow can then decide for the approver, so do not do that with real approvals.
   */
  async awaitApprovalCallback(input: { workflowId: string; request: ApprovalRequest }, ctx: ActivityContext): Promise<ApprovalDecision | void> {
    const taskToken = ctx.info.taskToken!;
    ctx.heartbeat({ taskToken, approver: input.request.approver });
    console.log(`[approvalWebhook] ${input.request.approver}: decide on "${input.request.title}" for workflow ${input.workflowId} with POST /v1/activities/complete {"taskToken":"${taskToken}","result":{"approved":true,"by":"${input.request.approver}"}}`);
    ctx.doNotCompleteOnReturn();
  },
};

export const approval = defineWorkflow('approval', async (ctx, input: ApprovalInput = {}): Promise<ApprovalStatus> => {
  const { requestApproval, escalate } = ctx.proxyActivities<typeof approvalActivities>({ startToCloseTimeout: '1 minute' });
  const request = { ...DEMO_REQUEST, ...input.request };
  const firstMs = toMs(input.firstDeadline ?? '1 day');
  const secondMs = Math.max(firstMs, toMs(input.secondDeadline ?? '2 days'));
  const startedAt = ctx.now();
  const { workflowId } = ctx.info();

  let status: ApprovalStatus = { state: 'pending' };
  const isDecided = () => status.state === 'approved' || status.state === 'rejected' || status.state === 'autoRejected';
  // The first decision wins; later ones are recorded in history but change nothing.
  ctx.setHandler(approve, (decision) => {
    if (!isDecided()) status = { ...status, state: 'approved', by: String(decision?.by ?? 'unknown'), decidedAt: ctx.now() };
  });
  ctx.setHandler(reject, (decision) => {
    if (isDecided()) return;
    status = { ...status, state: 'rejected', by: String(decision?.by ?? 'unknown'), decidedAt: ctx.now() };
    if (decision?.reason !== undefined) status.reason = String(decision.reason);
  });
  ctx.setHandler(approvalStatus, () => status);

  await requestApproval({ workflowId, request });
  if (await ctx.condition(isDecided, Math.max(0, startedAt + firstMs - ctx.now()))) return status;

  status = { state: 'escalated', escalatedTo: request.manager };
  await escalate({ workflowId, request });
  // The second deadline counts from the start, like the first: time spent escalating is not added to it.
  if (await ctx.condition(isDecided, Math.max(0, startedAt + secondMs - ctx.now()))) return status;

  status = { ...status, state: 'autoRejected', reason: `no decision within ${input.secondDeadline ?? '2 days'}`, decidedAt: ctx.now() };
  return status;
});

export const approvalWebhook = defineWorkflow('approvalWebhook', async (ctx, input: ApprovalWebhookInput = {}): Promise<ApprovalStatus> => {
  const timeout = input.timeout ?? '1 day';
  // One attempt: a retry would mint a new task token that nobody was told about. Its start-to-close timeout is the
  // time the approver has.
  const { awaitApprovalCallback } = ctx.proxyActivities<typeof approvalActivities>({ startToCloseTimeout: timeout, retry: { maximumAttempts: 1 } });
  const request = { ...DEMO_REQUEST, ...input.request };
  let status: ApprovalStatus = { state: 'pending' };
  ctx.setHandler(approvalStatus, () => status);

  let decision: ApprovalDecision | undefined;
  try {
    decision = (await awaitApprovalCallback({ workflowId: ctx.info().workflowId, request })) ?? undefined;
  } catch (error) {
    if (!(error instanceof ActivityFailure && error.cause instanceof TimeoutFailure)) throw error;
    status = { state: 'autoRejected', reason: `no decision within ${timeout}`, decidedAt: ctx.now() };
    return status;
  }
  // The result is whatever the caller posted: accept only an explicit `approved: true`.
  status = { state: decision?.approved === true ? 'approved' : 'rejected', by: String(decision?.by ?? 'unknown'), decidedAt: ctx.now() };
  if (decision?.reason !== undefined) status.reason = String(decision.reason);
  return status;
});
