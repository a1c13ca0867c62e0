// Duro's run descriptions in Temporal's shapes: WorkflowExecutionInfo (list) and WorkflowExecutionDescription
// (describe), with Temporal's status codes and names, Date times, and search attributes as arrays of values.
import type { WorkflowDescription } from '../../core/describe';
import type { SearchAttributes as DuroSearchAttributes, WorkflowStatus } from '../../core/history';
import type { ExecutionRecord } from '../../visibility/record';

export type WorkflowExecutionStatusName =
  | 'UNSPECIFIED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'UNKNOWN';

/** Temporal's (deprecated but common) search attribute shape: each attribute a list of values. */
export type SearchAttributes = Record<string, ReadonlyArray<string | number | boolean | Date> | undefined>;

export interface WorkflowExecutionInfo {
  type: string;
  workflowId: string;
  runId: string;
  /** Duro has no task queues: always 'default'. */
  taskQueue: string;
  status: { code: number; name: WorkflowExecutionStatusName };
  /** Known from describe; a list entry does not carry it (undefined). */
  historyLength: number | undefined;
  startTime: Date;
  executionTime: Date;
  closeTime?: Date;
  memo?: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  parentExecution?: { workflowId: string; runId: string };
  /** What Duro answered, as it answered it. */
  raw: ExecutionRecord | WorkflowDescription;
}

export interface WorkflowExecutionDescription extends WorkflowExecutionInfo {
  historyLength: number;
  raw: WorkflowDescription;
}

/** Temporal's `WorkflowExecutionStatus` codes by Duro status. */
const STATUS: Record<WorkflowStatus, { code: number; name: WorkflowExecutionStatusName }> = {
  running: { code: 1, name: 'RUNNING' },
  completed: { code: 2, name: 'COMPLETED' },
  failed: { code: 3, name: 'FAILED' },
  canceled: { code: 4, name: 'CANCELLED' },
  terminated: { code: 5, name: 'TERMINATED' },
  continuedAsNew: { code: 6, name: 'CONTINUED_AS_NEW' },
  timedOut: { code: 7, name: 'TIMED_OUT' },
};

export function executionInfoOf(record: ExecutionRecord): WorkflowExecutionInfo {
  const info: WorkflowExecutionInfo = {
    type: record.workflowType,
    workflowId: record.workflowId,
    runId: record.runId,
    taskQueue: 'default',
    status: STATUS[record.status] ?? { code: 0, name: 'UNKNOWN' },
    historyLength: undefined,
    startTime: new Date(record.startTime),
    executionTime: new Date(record.startTime),
    memo: record.memo,
    searchAttributes: toTemporalSearchAttributes(record.searchAttributes),
    raw: record,
  };
  if (record.closeTime !== undefined) info.closeTime = new Date(record.closeTime);
  return info;
}

export function executionDescriptionOf(description: WorkflowDescription): WorkflowExecutionDescription {
  const info = executionInfoOf(description);
  return {
    ...info,
    historyLength: description.historyLength,
    ...(description.parent && { parentExecution: { workflowId: description.parent.workflowId, runId: description.parent.runId } }),
    raw: description,
  };
}

/** Duro's values as Temporal's lists of values. */
export function toTemporalSearchAttributes(attributes: DuroSearchAttributes | undefined): SearchAttributes {
  const out: SearchAttributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== null) out[key] = Array.isArray(value) ? value : [value];
  return out;
}

/** Temporal's lists of values as Duro's: one value as itself, several (strings) as a keyword list, none as unset. */
export function toDuroSearchAttributes(attributes: SearchAttributes): DuroSearchAttributes {
  const out: DuroSearchAttributes = {};
  for (const [key, values] of Object.entries(attributes)) {
    if (values === undefined || values.length === 0) out[key] = null;
    else if (values.length === 1) out[key] = scalar(values[0]!);
    else out[key] = values.map((value) => String(scalar(value)));
  }
  return out;
}

function scalar(value: string | number | boolean | Date): string | number | boolean {
  return value instanceof Date ? value.toISOString() : value;
}
