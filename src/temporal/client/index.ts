// duro/temporal/client: `@temporalio/client` on Duro. Code that starts and talks to workflows with Temporal's client
// runs with its import specifier changed; `Connection.connect({ address })` points it at a Duro Worker's REST API.
// docs/temporal.md lists every export, supported or not.
export { Client, type ClientOptions } from './client';
export { Connection, type ConnectionOptions } from './connection';
export { WorkflowClient, WithStartWorkflowOperation, type WorkflowSignalWithStartOptions } from './workflow-client';
export { WorkflowHandle, WorkflowUpdateStage, type WorkflowUpdateHandle, type WorkflowUpdateOptions, type History } from './handle';
export {
  WorkflowIdReusePolicy, WorkflowIdConflictPolicy, type Workflow, type WorkflowResultType, type WorkflowOptions, type WorkflowStartOptions,
} from './start-options';
export type { WorkflowExecutionInfo, WorkflowExecutionDescription, WorkflowExecutionStatusName, SearchAttributes } from './description';
export { WorkflowFailedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from './errors';
export {
  ApplicationFailure, ActivityFailure, TimeoutFailure, CancelledFailure, ChildWorkflowFailure, TerminatedFailure, isCancellation,
  DuroFailure as TemporalFailure,
} from '../../core/failure';
export { defineSignal, defineQuery, defineUpdate, type SignalDefinition, type QueryDefinition, type UpdateDefinition } from '../../core/definitions';
export type { RetryPolicy } from '../../core/retry-policy';
export type { Duration } from '../../core/duration';
