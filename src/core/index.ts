// duro/workflow: everything a workflow author imports.
export { defineWorkflow, defineSignal, defineQuery, defineUpdate, WorkflowRegistry } from './definitions';
export type { WorkflowDefinition, WorkflowDefinitionOptions, ErrorType, WorkflowFunction, SignalDefinition, QueryDefinition, UpdateDefinition, WorkflowInput, WorkflowOutput } from './definitions';
export type {
  WorkflowContext, WorkflowInfo, ActivityOptions, LocalActivityOptions, ChildWorkflowOptions, ChildWorkflowHandle, ContinueAsNewOptions,
  ExternalWorkflowHandle, UpdateHandlerOptions,
} from './context';
export type { ActivityContext, ActivityInfo, ActivityFunction, ActivityProxies } from './activity';
export type { Log, LogLevel, LogLine } from './log';
export { waitingQuery, workflowMetadataQuery, type WaitingOn, type WorkflowMetadata } from './built-in-queries';
export { CancellationScope } from './cancellation-scope';
export { Saga, CompensationError, type Compensation, type SagaOptions } from './saga';
export {
  DuroFailure, ApplicationFailure, ActivityFailure, TimeoutFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure,
  FailureKind, TimeoutType, toFailureInfo, fromFailureInfo, isCancellation, type FailureInfo, type ApplicationFailureOptions,
} from './failure';
export { NonDeterminismError, type NonDeterminismDiff } from './nondeterminism';
export { ActivityCancellationType, ParentClosePolicy, WorkflowStatus } from './history';
export type { HistoryEvent, EventType, SearchAttributes, Outcome } from './history';
export type { RetryPolicy } from './retry-policy';
export { toMs, DurationError, MAX_DURATION_MS, type Duration } from './duration';
export { Limits } from './limits';
export { PayloadError } from './payload';
export { WorkflowClosedError, WorkflowFailedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRejectedError, WorkflowUpdateFailedError, WorkflowBlockedError } from './client-errors';
