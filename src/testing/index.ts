// duro/testing: the time-skipping test environment and replay helpers.
export { TestWorkflowEnvironment, type TestEnvironmentOptions, type StartOptions } from './environment';
export { TestWorkflowHandle, type WorkflowDescription } from './handle';
export { replayHistory } from './replay';
export { VirtualClock } from './virtual-clock';
export { aesGcmCodec, type AesGcmKeys } from '../protocol/aes-gcm-codec';
export type { PayloadCodec, PayloadOptions } from '../core/payloads/options';
export { MemoryBlobStore } from './memory-blob-store';
export type { ListedBlob, PayloadBlobStore } from '../core/payloads/blob-store';
export type { BlobReference } from '../core/payloads/blob-reference';
export type { PayloadConverter } from '../core/payloads/envelope';
export type { SpanData, SpanKind, SpanAttributes } from '../core/tracing/span';
export type { LogPage } from '../core/execution/execution';
export type { LogLine } from '../core/log';
export { TestSchedules, type TestScheduleOptions, type TestScheduleDescription } from './schedules';
