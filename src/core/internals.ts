// For hosts (the test environment, the Durable Object host, the browser host) — not for workflow authors.
export { WorkflowRun, WorkflowClosedError, replayInto, type RunHost, type RunStore, type RunEffect, type RunRef, type UpdateOutcome } from './run';
export type { RunState, RunOutcome, PendingChildState, PendingExternalState, BlockedState } from './run-state';
export { outcomeOfCloseEvent } from './run-state';
export { Activator, QueryNotFoundError, DeterminismViolationError } from './activator';
export type { LocalActivityCommand, LocalActivityMarkerData } from './activation';
export type { ActivityTask, PendingActivityState } from './activity-state';
export { collectActivities, type ActivityImplementations } from './activity';
export { resolveRetryPolicy, nextRetryDelay, type ResolvedRetryPolicy } from './retry-policy';
export { checkPayload, payloadSize } from './payload';
export { isCloseEvent, isCommandEvent } from './history';
export { seededRandom, uuidFrom } from './random';
export { definedFields } from './objects';
