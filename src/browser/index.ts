// duro/browser: the engine in a tab, a Web Worker or a Service Worker, with history in IndexedDB.
export { createBrowserDuro, BrowserDuro } from './browser-duro';
export type { BrowserDuroOptions, BrowserPayloadOptions, BrowserStartOptions } from './browser-options';
export type { OtlpOptions } from '../protocol/otlp';
export { aesGcmCodec, type AesGcmKeys } from '../protocol/aes-gcm-codec';
export type { PayloadCodec, PayloadOptions } from '../core/payloads/options';
export type { PayloadConverter } from '../core/payloads/envelope';
export type { ListedBlob, PayloadBlobStore } from '../core/payloads/blob-store';
export { DEFAULT_BLOB_THRESHOLD_BYTES } from '../core/payloads/blob-reference';
export { PayloadUnavailableError, type BlobProblem } from '../core/payloads/payload-unavailable';
export { IndexedDbBlobStore, blobDatabaseName } from './indexeddb-blob-store';
export { BrowserWorkflowHandle } from './browser-handle';
export type { RemoteTaskQueue, ActivityHeadersHook } from './remote-activity';
export type { Driver, LockManagerLike } from './run-locks';
export { IndexedDbRunStore, type StoredRunSummary } from './indexeddb-store';
export { HistoryConflictError, StorageQuotaError, StoreCommitError } from './store-errors';
export type { WorkflowDescription } from '../core/describe';
export {
  WorkflowFailedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRejectedError, WorkflowUpdateFailedError, WorkflowClosedError,
} from '../core/client-errors';
