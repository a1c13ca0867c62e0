// Listing, counting and batch operations over many executions (docs/api.md `GET /v1/workflows`, `/v1/batch`):
// the shapes DuroClient sends and receives, and how a filter becomes a query string or a batch body.
import type { SignalDefinition } from '../src/core/definitions';
import type { WorkflowStatus } from '../src/core/history';
import type { BatchProgress } from '../src/visibility/batch';
import type { ExecutionRecord } from '../src/visibility/record';

export type { BatchFailure, BatchOperation } from '../src/visibility/batch';

/** Which executions to list, count or act on; every field narrows the set. */
export interface ListFilter {
  workflowType?: string;
  /** One status, or any of several. */
  status?: WorkflowStatus | WorkflowStatus[];
  /** A Date, an ISO-8601 string or epoch milliseconds. */
  startedAfter?: Date | string | number;
  startedBefore?: Date | string | number;
  /** Executions whose search attribute equals the value (`search.<attr>=<value>` on the wire). */
  search?: Record<string, string | number | boolean>;
}

/** One execution as the list returns it (times in epoch ms). */
export type ExecutionInfo = ExecutionRecord;

export interface ListPage {
  executions: ExecutionInfo[];
  /** Present when more executions follow; pass it back to get them. */
  nextPageToken?: string;
}

export interface ListOptions {
  pageSize?: number;
}

export interface ListPageOptions extends ListOptions {
  nextPageToken?: string;
}

export interface CountReply {
  count: number;
  byStatus: Partial<Record<WorkflowStatus, number>>;
}

/** A batch cancel or terminate: the executions the filter matches, with an optional reason. */
export type BatchCloseOptions = ListFilter & { reason?: string };

/** A batch signal: `signalName` (or its definition) with `args`, sent to every match. */
export type BatchSignalOptions<Args extends unknown[] = unknown[]> = ListFilter & {
  signalName: string | SignalDefinition<Args>;
  args?: Args;
  reason?: string;
};

export interface BatchStarted {
  batchId: string;
  /** How many executions the filter matched when the batch started. */
  matched: number;
}

/** Progress of a batch: counts so far, and the first executions it could not act on. */
export type BatchDescription = BatchProgress;

/** `?workflowType=…&status=a,b&search.attr=v…` for GET /v1/workflows and /v1/workflows/count. */
export function filterQuery(filter: ListFilter = {}, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  if (filter.workflowType !== undefined) params.set('workflowType', filter.workflowType);
  if (filter.status !== undefined) params.set('status', [filter.status].flat().join(','));
  if (filter.startedAfter !== undefined) params.set('startedAfter', toIsoTime(filter.startedAfter));
  if (filter.startedBefore !== undefined) params.set('startedBefore', toIsoTime(filter.startedBefore));
  for (const [attribute, value] of Object.entries(filter.search ?? {})) params.set(`search.${attribute}`, String(value));
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The JSON body of POST /v1/batch/{operation}: the filter's fields, times as ISO strings. */
export function batchBody(options: BatchCloseOptions | BatchSignalOptions): Record<string, unknown> {
  const { startedAfter, startedBefore, ...rest } = options;
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) if (value !== undefined) body[key] = value;
  if (startedAfter !== undefined) body.startedAfter = toIsoTime(startedAfter);
  if (startedBefore !== undefined) body.startedBefore = toIsoTime(startedBefore);
  if ('signalName' in options) body.signalName = typeof options.signalName === 'string' ? options.signalName : options.signalName.name;
  return body;
}

function toIsoTime(time: Date | string | number): string {
  if (typeof time === 'string') return time;
  const date = typeof time === 'number' ? new Date(time) : time;
  if (Number.isNaN(date.getTime())) throw new RangeError(`Invalid time: ${String(time)}`);
  return date.toISOString();
}
