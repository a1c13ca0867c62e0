// Callbacks from activity servers, authorised by the task token alone (an HMAC bound to one attempt; DESIGN §4, §6).
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { AttemptRef } from '../../protocol/execution-rpc';
import type { FailureInfo } from '../../core/failure';
import { invalidOutcome, ReplyFailureType } from '../../protocol/activity-outcome';
import { verifyTaskToken } from '../../protocol/task-token';
import type { ApiBackend } from '../backend';
import { problem, ProblemError, ProblemType, unwrap } from '../problems';
import { CompleteBody, EmptyReply, HeartbeatBody, HeartbeatReply } from '../schemas';
import { COMMON_ERRORS, json, problems } from './responses';

const TOKEN_ERRORS = {
  404: 'The task token is forged, malformed or names no such workflow (`duro:unknown-task-token`).',
  409: 'That attempt is no longer running: it completed, timed out or was superseded (`duro:activity-not-running`).',
} as const;

const heartbeat = createRoute({
  method: 'post',
  path: '/v1/activities/heartbeat',
  tags: ['activities'],
  summary: 'Heartbeat a running activity attempt',
  request: { body: { content: { 'application/json': { schema: HeartbeatBody } }, required: true } },
  responses: { 200: json(HeartbeatReply, 'Recorded; `cancelRequested` tells the activity to stop.'), ...problems({ ...COMMON_ERRORS, ...TOKEN_ERRORS }) },
});

const complete = createRoute({
  method: 'post',
  path: '/v1/activities/complete',
  tags: ['activities'],
  summary: 'Complete an activity attempt asynchronously',
  request: { body: { content: { 'application/json': { schema: CompleteBody } }, required: true } },
  responses: { 200: json(EmptyReply, 'Recorded.'), ...problems({ ...COMMON_ERRORS, ...TOKEN_ERRORS }) },
});

export function registerActivityRoutes(app: OpenAPIHono, backend: ApiBackend): void {
  /** The attempt a genuine token names; anything else is a 404, never a hint about which part was wrong. */
  const attemptOf = async (taskToken: string): Promise<{ workflowId: string; ref: AttemptRef }> => {
    // An empty secret would make every token forgeable: with no secret configured no token is genuine.
    const claims = backend.activitySecret ? await verifyTaskToken(backend.activitySecret, taskToken) : undefined;
    if (!claims) throw new ProblemError(problem(ProblemType.unknownTaskToken, 'The task token is not valid for this deployment'));
    return { workflowId: claims.workflowId, ref: { runId: claims.runId, activityId: claims.activityId, attempt: claims.attempt } };
  };

  app.openapi(heartbeat, async (c) => {
    const { taskToken, details } = c.req.valid('json');
    const { workflowId, ref } = await attemptOf(taskToken);
    const { cancelRequested } = unwrap(await backend.execution(workflowId).activityHeartbeat(ref, details));
    return c.json({ cancelRequested }, 200);
  });

  app.openapi(complete, async (c) => {
    const body = c.req.valid('json');
    const { workflowId, ref } = await attemptOf(body.taskToken);
    const outcome = body.failure === undefined ? { result: body.result } : { failure: body.failure as FailureInfo };
    // The gate every reply to an attempt passes (activity-outcome.ts): refused whole, nothing is recorded.
    const invalid = invalidOutcome(outcome);
    if (invalid) throw new ProblemError(problem(invalid.type === ReplyFailureType.tooLarge ? ProblemType.payloadTooLarge : ProblemType.invalidRequest, invalid.message));
    unwrap(await backend.execution(workflowId).activityComplete(ref, body.logs === undefined ? outcome : { ...outcome, logs: body.logs }));
    return c.json({}, 200);
  });
}
