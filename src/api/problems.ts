// Every API error leaves as application/problem+json (RFC 9457) with a stable `type` code that clients match on.
import type { Problem } from '../../durable-objects/rpc-types';

export type { Problem };

/** The stable problem `type` codes of shared/API.md. The API produces the request-level ones, the backend the rest. */
export const ProblemType = {
  invalidRequest: 'duro:invalid-request',
  notFound: 'duro:not-found',
  methodNotAllowed: 'duro:method-not-allowed',
  payloadTooLarge: 'duro:payload-too-large',
  workflowTypeNotFound: 'duro:workflow-type-not-found',
  workflowNotFound: 'duro:workflow-not-found',
  workflowAlreadyStarted: 'duro:workflow-already-started',
  workflowClosed: 'duro:workflow-closed',
  queryNotFound: 'duro:query-not-found',
  queryFailed: 'duro:query-failed',
  updateRejected: 'duro:update-rejected',
  unknownTaskToken: 'duro:unknown-task-token',
  activityNotRunning: 'duro:activity-not-running',
  internal: 'duro:internal',
} as const;
export type ProblemType = (typeof ProblemType)[keyof typeof ProblemType];

/** Status and title of each type, so every producer (API, Durable Object, test hosts) answers alike. */
const DEFAULTS: Record<ProblemType, { status: number; title: string }> = {
  'duro:invalid-request': { status: 400, title: 'Invalid Request' },
  'duro:not-found': { status: 404, title: 'Not Found' },
  'duro:method-not-allowed': { status: 405, title: 'Method Not Allowed' },
  'duro:payload-too-large': { status: 413, title: 'Payload Too Large' },
  'duro:workflow-type-not-found': { status: 404, title: 'Workflow Type Not Found' },
  'duro:workflow-not-found': { status: 404, title: 'Workflow Not Found' },
  'duro:workflow-already-started': { status: 409, title: 'Workflow Already Started' },
  'duro:workflow-closed': { status: 409, title: 'Workflow Closed' },
  'duro:query-not-found': { status: 400, title: 'Query Not Found' },
  'duro:query-failed': { status: 500, title: 'Query Failed' },
  'duro:update-rejected': { status: 400, title: 'Update Rejected' },
  'duro:unknown-task-token': { status: 404, title: 'Unknown Task Token' },
  'duro:activity-not-running': { status: 409, title: 'Activity Not Running' },
  'duro:internal': { status: 500, title: 'Internal Server Error' },
};

/**
 * A problem of a known type with its usual status and title; `extensions` add members (e.g. `failure`).
 * @example problem(ProblemType.workflowNotFound, 'Workflow order-42 not found')
 */
export function problem(type: ProblemType, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { ...extensions, type, ...DEFAULTS[type], detail };
}

/** The HTTP response of a problem: its own status, its body as is. */
export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  // A backend's problem is passed on as is; only a status no Response accepts is replaced, or the reply itself would throw.
  const status = Number.isInteger(body.status) && body.status >= 400 && body.status <= 599 ? body.status : 500;
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json' },
  });
}

/** Thrown by route handlers to answer with a problem; the app's error handler renders it. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.type}: ${problem.detail}`);
    this.name = 'ProblemError';
  }
}

/** The value of a successful backend reply; a refusal is thrown as a {@link ProblemError} and passes through unchanged. */
export function unwrap<T>(reply: { ok: true; value: T } | { ok: false; problem: Problem }): T {
  if (!reply.ok) throw new ProblemError(reply.problem);
  return reply.value;
}
