// For hosts (the test environment, the Durable Object host, the browser host) — not for workflow authors.
export { WorkflowRun, WorkflowClosedError, type CarriedSignal, type RunHost, type RunStore, type RunCommit, type RunEffect, type RunRef, type UpdateOutcome } from './run';
export { replayInto } from './replay';
export { nextWakeAt } from './run-transitions';
export type { RunState, RunRecord, RunOutcome, PendingChildState, PendingExternalState, BlockedState, PendingChange, PendingCollection } from './run-state';
export { blockedOnOtherCode, outcomeOfCloseEvent, runRecordOf, runStateFrom, PENDING_COLLECTIONS } from './run-state';
export { Activator, QueryNotFoundError, DeterminismViolationError } from './activator';
export type { LocalActivityCommand, LocalActivityMarkerData } from './activation';
export { activityInfoOf, type ActivityTask, type AttemptObservation, type PendingActivityState } from './activity-state';
export { collectActivities, type ActivityImplementations } from './activity';
export { resolveRetryPolicy, nextRetryDelay, type ResolvedRetryPolicy } from './retry-policy';
export { checkPayload, payloadSize } from './payload';
export { isCloseEvent, isCommandEvent } from './history';
export { seededRandom, uuidFrom } from './random';
export { definedFields } from './objects';
export { continuedRunParams, nextRunOf, startParamsOf, type NextRun, type StartParams } from './run-chain';
export { runActivityAttempt, runLocalActivityAttempt, type HostClock } from './activity-execution';
export { describeRun, type WorkflowDescription, type PendingActivityView } from './describe';
export { badResetPoint, planReset, type ResetPlan } from './run-reset';
