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

/**
 * What an attempt sent as a Workers RPC call answers (Duro's own Worker serving its 'self' queues, decision 027): the
 * bodies of the HTTP replies above, told apart by their fields instead of a status.
 */
export type ActivityCallReply = ((ActivitySuccessReply | { failure: ActivityFailureReply }) & { logs?: string[] }) | ActivityAcceptedReply;

/**
 * An attempt as an RPC call: the task token is left out, and made by the entrypoint (which holds the secret) only if the
 * activity asks for it (decision 027).
 */
export type ActivityCallRequest = Omit<ActivityRequest, 'taskToken'> & { taskToken?: string };

/**
 * The entrypoint that runs a Worker's own activities over Workers RPC. `hungUp` resolves true once Duro gives up on
 * the attempt (timed out or cancelled), false once it is over: asked only when the activity reads its signal.
 */
export interface ActivityEntrypointRpc {
  attempt(request: ActivityCallRequest, hungUp: () => Promise<boolean>): Promise<ActivityCallReply>;
}

export interface HeartbeatRequest {
  taskToken: string;
  details?: unknown;
}

export interface HeartbeatReply {
  cancelRequested: boolean;
}

/** `logs`: the attempt's `ctx.log` lines (JSON text), kept with its run as a reply's are. */
export type CompleteRequest = ({ taskToken: string; result: unknown } | { taskToken: string; failure: FailureInfo }) & { logs?: string[] };

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Printable ASCII: what any HTTP stack carries in a header unchanged. */
const PLAIN_HEADER_VALUE = /^[\x20-\x7e]*$/;

/**
 * `<workflowId>:<runId>:<activityId>`, percent-encoded (encodeURIComponent) when it holds anything but printable
 * ASCII: an id with a control character or non-Latin text (which older versions let in) would otherwise make every
 * attempt fail with an invalid header value. Plain ids keep the key they always had.
 */
export function idempotencyKey(request: Pick<ActivityRequest, 'workflowId' | 'runId' | 'activityId'>): string {
  const key = `${request.workflowId}:${request.runId}:${request.activityId}`;
  return PLAIN_HEADER_VALUE.test(key) ? key : encodeURIComponent(key.replace(LONE_SURROGATE, '\uFFFD'));
}

/** encodeURIComponent throws on half a surrogate pair, which an id from before the name rule may hold. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
