// The wire format between a Duro deployment and an activity server (docs/activities.md).
import type { ActivityTask } from '../core/activity-state';
import type { FailureInfo } from '../core/failure';

/** POST body of one activity attempt. Headers: `Idempotency-Key`, `Duro-Signature`. */
export interface ActivityRequest extends ActivityTask {
  /** Authorises `POST /v1/activities/heartbeat` and `/complete` for this attempt only. */
  taskToken: string;
  /** Base URL of the Duro API for those callbacks, when the deployment knows it. */
  callbackUrl?: string;
}

/** 200 body. */
export interface ActivitySuccessReply {
  result: unknown;
}

/** Body of a non-2xx reply from an activity that failed (the failure's own shape). */
export type ActivityFailureReply = FailureInfo;

/** 202: the activity will complete later through `POST /v1/activities/complete`. */
export interface ActivityAcceptedReply {
  accepted: true;
}

export interface HeartbeatRequest {
  taskToken: string;
  details?: unknown;
}

export interface HeartbeatReply {
  cancelRequested: boolean;
}

export type CompleteRequest = { taskToken: string; result: unknown } | { taskToken: string; failure: FailureInfo };

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

export function idempotencyKey(request: Pick<ActivityRequest, 'workflowId' | 'runId' | 'activityId'>): string {
  return `${request.workflowId}:${request.runId}:${request.activityId}`;
}
