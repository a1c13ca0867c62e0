// duro/temporal/workflow: `@temporalio/workflow` on Duro. Workflow code written for Temporal runs with its import
// specifier changed: module-level activity proxies, free functions, `CancellationScope.current()`, Temporal's enum
// members. Behind it is the engine's own `ctx` API, reached through the async context of the running workflow
// (core/ambient.ts); docs/temporal.md lists every export, supported or not.
export { proxyActivities, proxyLocalActivities, scheduleActivity, scheduleLocalActivity, type ActivityInterfaceFor, type ActivityInterfaceFor as LocalActivityInterfaceFor } from './activities';
export { CancellationScope, type CancellationScopeOptions } from './cancellation-scope';
export { IllegalStateError, inWorkflowContext } from './current';
export {
  sleep, condition, setHandler, uuid4, patched, deprecatePatch, upsertSearchAttributes, upsertMemo, continueAsNew, makeContinueAsNewFunc,
  startChild, executeChild, getExternalWorkflowHandle, ChildWorkflowCancellationType,
  setDefaultSignalHandler, setDefaultQueryHandler, setDefaultUpdateHandler, allHandlersFinished, currentUpdateInfo, type UpdateInfo,
  type Workflow, type ContinueAsNewOptions, type ChildWorkflowOptions, type ChildWorkflowHandle,
} from './functions';
export { workflowInfo, log, type WorkflowInfo, type ParentWorkflowInfo, type UnsafeWorkflowInfo } from './info';
export { Trigger } from './trigger';
export { proxySinks, type Sink, type Sinks, type SinkFunction } from './sinks';
export { rootCause } from '../common/root-cause';
export { ContinueAsNewRequest as ContinueAsNew, DeterminismViolationError } from '../../core/workflow-errors';
export { defineSignal, defineQuery, defineUpdate, type SignalDefinition, type QueryDefinition, type UpdateDefinition } from '../../core/definitions';
export { temporalMetadataQuery as workflowMetadataQuery } from '../../core/built-in-queries';
export {
  ApplicationFailure, ActivityFailure, TimeoutFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, isCancellation,
  DuroFailure as TemporalFailure, type ApplicationFailureOptions,
} from '../../core/failure';
export type { ActivityOptions, LocalActivityOptions, ExternalWorkflowHandle } from '../../core/context';
export type { RetryPolicy } from '../../core/retry-policy';
export type { Duration } from '../../core/duration';
// What `@temporalio/workflow` re-exports from Temporal's common and activity packages, so imports of them port too.
export type { SearchAttributes } from '../../core/history';
export type { ActivityFunction, UntypedActivities, UntypedActivities as ActivityInterface } from '../activity/index';
export { CompleteAsyncError } from '../../core/activity-ambient';
export { WorkflowNotFoundError } from '../../core/client-errors';
export { WorkflowIdReusePolicy, WorkflowIdConflictPolicy } from '../common/workflow-options';

/** Temporal's `ParentClosePolicy`, by its member names. */
export const ParentClosePolicy = { TERMINATE: 'TERMINATE', REQUEST_CANCEL: 'REQUEST_CANCEL', ABANDON: 'ABANDON' } as const;
export type ParentClosePolicy = (typeof ParentClosePolicy)[keyof typeof ParentClosePolicy];

/** Temporal's `ActivityCancellationType`, by its member names. */
export const ActivityCancellationType = { TRY_CANCEL: 'TRY_CANCEL', WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED', ABANDON: 'ABANDON' } as const;
export type ActivityCancellationType = (typeof ActivityCancellationType)[keyof typeof ActivityCancellationType];
