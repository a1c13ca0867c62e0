// duro/client: talking to Duro from any runtime, and serving activities.
export type { CreateScheduleOptions, ScheduleDescription } from './duro-client';
export { DuroClient, WorkflowHandle, DuroApiError, type DuroClientOptions, type StartWorkflowOptions } from './duro-client';
export type { FollowLogsOptions, KeptLog, LogLine, LogPage, LogsOptions } from './follow-logs';
export type { PayloadConverter } from '../src/core/payloads/envelope';
export type {
  BatchOperation, ListFilter, ListOptions, ListPageOptions, ListPage, ExecutionInfo, CountReply,
  BatchCloseOptions, BatchSignalOptions, BatchStarted, BatchDescription, BatchFailure,
} from './visibility';
export { WorkflowStatus } from '../src/core/history';
export {
  WorkflowFailedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRejectedError, WorkflowUpdateFailedError,
} from '../src/core/client-errors';
export { serveActivities, type ServeActivitiesOptions, type WaitUntil } from './serve-activities';
export type { OtlpOptions } from '../src/protocol/otlp';
export { toNodeListener, type FetchHandler } from './node-adapter';
