// Human-readable output of the `duro` CLI: key/value blocks, tables and the history timeline (`--json` bypasses all of it).
import { LOG_FIXED_FIELDS } from '../src/core/log';
import type { FailureInfo } from '../src/core/failure';
import type { HistoryEvent, Outcome } from '../src/core/history';
import type { LogLine } from '../src/core/log';
import type { WorkflowDescription } from '../src/protocol/execution-rpc';
import type { BatchDescription, CountReply, ExecutionInfo } from './visibility';

/** `key  value` lines with the values aligned; rows without a value are left out. */
export function formatKeyValues(rows: Array<[key: string, value: string | undefined]>): string {
  const present = rows.filter((row): row is [string, string] => row[1] !== undefined);
  const width = Math.max(0, ...present.map(([key]) => key.length));
  return present.map(([key, value]) => `${key.padEnd(width)}  ${value}`).join('\n');
}

/** Columns padded to their widest cell, a header row first. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatTime(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/** A value as JSON, cut to `max` characters: for one-line summaries. */
export function shortJson(value: unknown, max = 60): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A value as the result of a command: strings as they are, anything else as indented JSON. */
export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value, null, 2) ?? 'undefined');
}

/** `250ms`, `1.5s`, `5m`, `1h30m`, `2d`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, unitMs] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000]] as const) {
    if (rest >= unitMs) {
      parts.push(`${Math.floor(rest / unitMs)}${unit}`);
      rest %= unitMs;
    }
  }
  if (rest > 0) parts.push(`${rest / 1000}s`);
  return parts.join('');
}

export function formatDescription(d: WorkflowDescription): string {
  const lines = [
    formatKeyValues([
      ['workflowId', d.workflowId],
      ['runId', d.runId],
      ['workflowType', d.workflowType],
      ['status', d.paused ? `${d.status} (paused)` : d.status],
      ['startTime', formatTime(d.startTime)],
      ['closeTime', formatTime(d.closeTime)],
      ['historyLength', String(d.historyLength)],
      ['blockedReason', d.blockedReason],
      ['parent', d.parent && `${d.parent.workflowId} (run ${d.parent.runId})`],
      ['memo', Object.keys(d.memo).length > 0 ? JSON.stringify(d.memo) : undefined],
      ['searchAttributes', Object.keys(d.searchAttributes).length > 0 ? JSON.stringify(d.searchAttributes) : undefined],
    ]),
  ];
  if (d.pendingActivities.length > 0) {
    lines.push('', 'pending activities:', indent(formatTable(['ID', 'TYPE', 'STATE', 'ATTEMPT', 'LAST FAILURE'], d.pendingActivities.map((a) => [
      a.activityId, a.activityType, a.cancelRequested ? `${a.state} (cancel requested)` : a.state, String(a.attempt), a.lastFailure?.message ?? '',
    ]))));
  }
  if (d.pendingTimers.length > 0) {
    lines.push('', 'pending timers:', indent(formatTable(['ID', 'FIRES AT'], d.pendingTimers.map((t) => [t.timerId, formatTime(t.fireAt)!]))));
  }
  if (d.pendingChildren.length > 0) {
    lines.push('', 'pending children:', indent(formatTable(['WORKFLOW ID', 'TYPE', 'RUN ID'], d.pendingChildren.map((c) => [c.workflowId, c.workflowType, c.runId ?? '']))));
  }
  return lines.join('\n');
}

export function formatExecutions(executions: ExecutionInfo[]): string {
  if (executions.length === 0) return 'No workflows match.';
  return formatTable(['WORKFLOW ID', 'RUN ID', 'TYPE', 'STATUS', 'START TIME'], executions.map((e) => [e.workflowId, e.runId, e.workflowType, e.status, formatTime(e.startTime)!]));
}

export function formatCount(reply: CountReply): string {
  const byStatus = Object.entries(reply.byStatus).filter(([, n]) => n !== undefined && n > 0) as Array<[string, number]>;
  const head = `${reply.count} workflow${reply.count === 1 ? '' : 's'}`;
  return byStatus.length === 0 ? head : `${head}\n${indent(formatKeyValues(byStatus.map(([status, n]) => [status, String(n)])))}`;
}

export function formatBatch(batch: BatchDescription): string {
  const lines = [formatKeyValues([
    ['batchId', batch.batchId],
    ['operation', batch.operation],
    ['status', batch.status],
    ['matched', String(batch.matched)],
    ['succeeded', String(batch.succeeded)],
    ['failed', String(batch.failed)],
    ['skipped', String(batch.skipped)],
    ['createdAt', formatTime(batch.createdAt)],
    ['completedAt', formatTime(batch.completedAt)],
  ])];
  if (batch.failures.length > 0) {
    lines.push('', 'failures:', indent(formatTable(['WORKFLOW ID', 'RUN ID', 'TYPE', 'DETAIL'], batch.failures.map((f) => [f.workflowId, f.runId, f.type, f.detail]))));
  }
  return lines.join('\n');
}

/**
 * One line per event: id, time since the first event, type and what it is about.
 * @example
 *  1  +0.000s  WorkflowExecutionStarted  greet input="Ada"
 *  4  +1.204s  TimerStarted              timer 1 for 30s
 */
export function formatHistory(events: HistoryEvent[]): string {
  const first = events[0];
  if (!first) return 'No events.';
  const rows = events.map((event) => [String(event.eventId), `+${((event.timestamp - first.timestamp) / 1000).toFixed(3)}s`, event.type, summarizeEvent(event)]);
  const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map(([id, offset, type, summary]) => `${id!.padStart(widths[0]!)}  ${offset!.padStart(widths[1]!)}  ${summary ? `${type!.padEnd(widths[2]!)}  ${summary}` : type}`).join('\n');
}

/** What one event is about, in a few words. */
export function summarizeEvent(event: HistoryEvent): string {
  switch (event.type) {
    case 'WorkflowExecutionStarted': return `${event.workflowType} input=${shortJson(event.input)}${event.attempt > 1 ? ` attempt ${event.attempt}` : ''}`;
    case 'WorkflowTaskCompleted': return event.codeVersion ? `code ${event.codeVersion}` : '';
    case 'WorkflowTaskFailed': return `${event.reason}: ${event.message}`;
    case 'ActivityTaskScheduled': return `${event.activityType} (activity ${event.activityId}) input=${shortJson(event.input, 40)}`;
    case 'ActivityTaskStarted': return `activity ${event.activityId} attempt ${event.attempt}`;
    case 'ActivityTaskCompleted': return `activity ${event.activityId} result=${shortJson(event.result)}`;
    case 'ActivityTaskFailed':
    case 'ActivityTaskTimedOut': return `activity ${event.activityId} attempt ${event.attempt}: ${failureText(event.failure)}`;
    case 'ActivityTaskCancelRequested': return `activity ${event.activityId}`;
    case 'ActivityTaskCanceled': return `activity ${event.activityId} attempt ${event.attempt}`;
    case 'TimerStarted': return `timer ${event.timerId} for ${formatDuration(event.durationMs)}`;
    case 'TimerFired':
    case 'TimerCanceled': return `timer ${event.timerId}`;
    case 'MarkerRecorded': return event.markerName;
    case 'SignalReceived': return `${event.signalName} args=${shortJson(event.args)}`;
    case 'UpdateAccepted': return `${event.updateName} (update ${event.updateId}) args=${shortJson(event.args)}`;
    case 'UpdateCompleted': return `update ${event.updateId} ${outcomeText(event.outcome)}`;
    case 'WorkflowExecutionCancelRequested': return event.reason ?? '';
    case 'SearchAttributesUpserted': return shortJson(event.searchAttributes);
    case 'MemoUpserted': return shortJson(event.memo);
    case 'ChildWorkflowInitiated': return `${event.workflowType} (${event.options.workflowId})`;
    case 'ChildWorkflowStarted': return `${event.workflowId} run ${event.runId}`;
    case 'ChildWorkflowStartFailed': return `${event.workflowId}: ${failureText(event.failure)}`;
    case 'ChildWorkflowClosed': return `${event.workflowId} ${event.status}${'failure' in event.outcome ? `: ${failureText(event.outcome.failure)}` : ''}`;
    case 'ExternalSignalInitiated': return `${event.signalName} → ${event.workflowId}`;
    case 'ExternalCancelInitiated': return `→ ${event.workflowId}`;
    case 'ExternalSignalDelivered':
    case 'ExternalCancelDelivered': return `seq ${event.seq}`;
    case 'ExternalSignalFailed':
    case 'ExternalCancelFailed': return `seq ${event.seq}: ${failureText(event.failure)}`;
    case 'WorkflowExecutionCompleted': return `result=${shortJson(event.result)}`;
    case 'WorkflowExecutionFailed':
    case 'WorkflowExecutionCanceled': return failureText(event.failure);
    case 'WorkflowExecutionTerminated': return event.reason ?? '';
    case 'WorkflowExecutionTimedOut': return event.timeoutType;
    case 'WorkflowExecutionContinuedAsNew': return `new run ${event.newRunId}`;
    default: {
      const _never: never = event;
      return shortJson(_never);
    }
  }
}

/** The fields that say who wrote a line: shown as its writer, not among its attributes. */
const WRITER_FIELDS = new Set<string>(LOG_FIXED_FIELDS);

/**
 * One kept log line: time, level, who wrote it (`workflow`, or `activityType#attempt`), message, then the other
 * attributes as `key=value` (a value that is not one plain word as JSON).
 * @example
 * 2026-01-05T09:30:00.120Z  INFO   workflow  charging order=o-1 note="two words"
 * 2026-01-05T09:30:00.480Z  WARN   charge#2  card network slow retryIn=1s reply={"code":503}
 */
export function formatLogLine(line: LogLine): string {
  const writer = typeof line.activityType === 'string' ? `${line.activityType}#${String(line.attempt)}` : 'workflow';
  const attributes = Object.entries(line).filter(([key]) => !WRITER_FIELDS.has(key)).map(([key, value]) => `${key}=${attributeText(value)}`);
  return printable([line.time, line.level.toUpperCase().padEnd(5), writer, [line.message, ...attributes].join(' ')].join('  '));
}

/** Control characters of a line's content (an escape sequence would drive the terminal) shown as `\u…` escapes. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function attributeText(value: unknown): string {
  return typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : (JSON.stringify(value) ?? String(value));
}

function failureText(failure: FailureInfo): string {
  return failure.type && failure.type !== failure.message ? `${failure.type}: ${failure.message}` : failure.message;
}

function outcomeText(outcome: Outcome): string {
  return 'failure' in outcome ? `failed: ${failureText(outcome.failure)}` : `result=${shortJson(outcome.result)}`;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}
