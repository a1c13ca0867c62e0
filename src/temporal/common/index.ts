// duro/temporal/common: what Temporal code imports from `@temporalio/common` — failures, their helpers and the option
// types — as Duro's own (duro/temporal/workflow and duro/temporal/activity re-export the same).
export {
  ApplicationFailure, ActivityFailure, TimeoutFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, isCancellation,
  DuroFailure as TemporalFailure, TimeoutType, type ApplicationFailureOptions,
} from '../../core/failure';
export { rootCause } from './root-cause';
export { WorkflowIdReusePolicy, WorkflowIdConflictPolicy } from './workflow-options';
export type { RetryPolicy } from '../../core/retry-policy';
export type { Duration } from '../../core/duration';
export type { SearchAttributes } from '../../core/history';
export { ParentClosePolicy, ActivityCancellationType } from '../workflow/index';
export { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../../core/client-errors';
