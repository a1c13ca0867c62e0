// The problem shape and its stable types (docs/api.md), shared by every producer (the API, the Durable Object, test hosts).

/** A refusal with a stable `type` (docs/api.md), e.g. `duro:workflow-not-found`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** The stable problem `type` codes of docs/api.md. The API produces the request-level ones, the backend the rest. */
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
  limitExceeded: 'duro:limit-exceeded',
  determinismViolation: 'duro:determinism-violation',
  notImplemented: 'duro:not-implemented',
  badResetPoint: 'duro:bad-reset-point',
  batchNotFound: 'duro:batch-not-found',
  scheduleNotFound: 'duro:schedule-not-found',
  scheduleAlreadyExists: 'duro:schedule-already-exists',
  unauthorized: 'duro:unauthorized',
  authNotConfigured: 'duro:auth-not-configured',
  payloadUnreadable: 'duro:payload-unreadable',
  payloadUnavailable: 'duro:payload-unavailable',
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
  'duro:limit-exceeded': { status: 429, title: 'Limit Exceeded' },
  'duro:determinism-violation': { status: 400, title: 'Determinism Violation' },
  'duro:not-implemented': { status: 501, title: 'Not Implemented' },
  'duro:bad-reset-point': { status: 400, title: 'Bad Reset Point' },
  'duro:batch-not-found': { status: 404, title: 'Batch Not Found' },
  'duro:schedule-not-found': { status: 404, title: 'Schedule Not Found' },
  'duro:schedule-already-exists': { status: 409, title: 'Schedule Already Exists' },
  'duro:unauthorized': { status: 401, title: 'Unauthorized' },
  'duro:auth-not-configured': { status: 503, title: 'API Token Not Configured' },
  'duro:payload-unreadable': { status: 500, title: 'Payload Cannot Be Read' },
  'duro:payload-unavailable': { status: 503, title: 'Payload Blob Unavailable' },
  'duro:internal': { status: 500, title: 'Internal Server Error' },
};

/**
 * A problem of a known type with its usual status and title; `extensions` add members (e.g. `failure`).
 * @example problem(ProblemType.workflowNotFound, 'Workflow order-42 not found')
 */
export function problem(type: ProblemType, detail: string, extensions: Record<string, unknown> = {}): Problem {
  return { ...extensions, type, ...DEFAULTS[type], detail };
}

