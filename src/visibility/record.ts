// What the Visibility index knows of a run, and the messages an execution sends to keep it current
// (DESIGN §4: through the outbox, numbered, applied once each by the shard).
import type { AttemptObservation } from '../core/activity-state';
import type { WorkflowDescription } from '../core/describe';
import type { RunState } from '../core/run-state';
import type { MetricSums } from './metric-deltas';

/** One run as list and count see it: the identifying fields of its description (times in epoch ms). */
export type ExecutionRecord = Pick<WorkflowDescription, 'workflowId' | 'runId' | 'workflowType' | 'status' | 'startTime' | 'closeTime' | 'memo' | 'searchAttributes'>;

export type VisibilityMessage =
  /** The run is new, or its status, memo or search attributes changed. */
  | { kind: 'upsert'; execution: ExecutionRecord }
  /** Retention deleted the run. */
  | { kind: 'remove'; workflowId: string; runId: string }
  /** Activity attempts a step resolved: counters and latencies for /metrics (as rows written before `metrics` existed). */
  | { kind: 'attempts'; attempts: AttemptObservation[] }
  /** The /metrics sums of activity attempts, summed by the execution before they are sent (metric-deltas.ts). */
  | ({ kind: 'metrics' } & MetricSums)
  /** Workflow tasks a step failed (a run blocking or retrying), by reason: a counter for /metrics. */
  | { kind: 'taskFailures'; workflowType: string; reasons: string[] }
  /** What open runs wait on now, for the /metrics gauges (sent when it changed, with the metrics flush). */
  | { kind: 'gauges'; runs: RunGauges[] };

/** What one open run waits on: its pending activities and timers, and whether it is blocked. */
export interface RunGauges {
  runId: string;
  workflowType: string;
  pendingActivities: number;
  pendingTimers: number;
  blocked: boolean;
}

/** The gauges of a run as its state has them (a closed run has none: it is no longer counted). */
export function runGaugesOf(state: RunState): RunGauges {
  const open = state.status === 'running';
  return {
    runId: state.runId,
    workflowType: state.workflowType,
    pendingActivities: open ? Object.keys(state.activities).length : 0,
    pendingTimers: open ? Object.keys(state.timers).length : 0,
    blocked: open && state.blocked !== undefined,
  };
}

/** A message with its place in the sender's outbox: a shard applies each sender's messages once, in order. */
export type SequencedMessage = VisibilityMessage & { seq: number };

/** A record larger than this leaves its memo out of the index (the run's describe still has it). */
const MAX_RECORD_CHARS = 64 * 1024;

export function executionRecordOf(state: RunState): ExecutionRecord {
  const record: ExecutionRecord = {
    workflowId: state.workflowId,
    runId: state.runId,
    workflowType: state.workflowType,
    status: state.status,
    startTime: state.startTime,
    memo: state.memo,
    searchAttributes: state.searchAttributes,
  };
  if (state.closeTime !== undefined) record.closeTime = state.closeTime;
  if (JSON.stringify(record).length > MAX_RECORD_CHARS) record.memo = { memoOmitted: 'too large for the visibility index; describe the run to read it' };
  return record;
}

/**
 * The values an attribute matches in a `search.<name>=<value>` filter: a keyword list matches each of its
 * elements; numbers and booleans match their JSON spelling (`search.priority=2`, `search.vip=true`).
 */
export function searchValues(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(searchValues);
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  return [];
}
