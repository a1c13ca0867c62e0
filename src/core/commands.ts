// Commands: what workflow code asks for. Each becomes one history event (local activities become a
// marker once they finish); on replay the command is compared with the recorded event instead.
import type { PayloadConverter } from './payloads/envelope';
import type { FailureInfo } from './failure';
import type { HistoryEvent, NewEvent, Outcome, RecordedActivityOptions, RecordedChildOptions, RecordedContinueAsNewOptions, SearchAttributes } from './history';
import type { ActivityFunction } from './activity';
import type { ResolvedRetryPolicy } from './retry-policy';

export interface LocalActivityCommandOptions {
  startToCloseTimeoutMs?: number;
  scheduleToCloseTimeoutMs?: number;
  retry: ResolvedRetryPolicy;
  /** As `RecordedActivityOptions.arguments`. */
  arguments?: 'positional';
}

export type Command =
  | { type: 'scheduleActivity'; seq: number; activityId: string; activityType: string; input: unknown; options: RecordedActivityOptions }
  | { type: 'requestCancelActivity'; seq: number; activityId: string }
  | { type: 'startTimer'; seq: number; timerId: string; durationMs: number }
  | { type: 'cancelTimer'; seq: number; timerId: string }
  // scheduledAt: workflow time of the first attempt, for `ctx.info` (a local activity's command is never recorded).
  // implementation: an inline local activity's own function (ctx.executeLocalActivity), run instead of a registered one.
  | { type: 'scheduleLocalActivity'; seq: number; activityType: string; input: unknown; attempt: number; scheduledAt: number; options: LocalActivityCommandOptions; implementation?: ActivityFunction; payloadConverter?: PayloadConverter }
  | { type: 'recordMarker'; markerName: 'SideEffect' | 'Patch'; seq?: number; data: unknown }
  | { type: 'startChild'; seq: number; workflowType: string; input: unknown; options: RecordedChildOptions }
  | { type: 'signalExternal'; seq: number; workflowId: string; runId?: string; signalName: string; args: unknown[]; childSeq?: number }
  | { type: 'cancelExternal'; seq: number; workflowId: string; runId?: string; childSeq?: number }
  | { type: 'upsertSearchAttributes'; searchAttributes: SearchAttributes }
  | { type: 'upsertMemo'; memo: Record<string, unknown> }
  | { type: 'completeUpdate'; updateId: string; outcome: Outcome }
  | { type: 'completeWorkflow'; result: unknown }
  | { type: 'failWorkflow'; failure: FailureInfo }
  | { type: 'cancelWorkflow'; failure: FailureInfo }
  | { type: 'continueAsNew'; input: unknown; bufferedSignals: Array<{ signalName: string; args: unknown[] }>; options?: RecordedContinueAsNewOptions };

export type CommandType = Command['type'];

/** The commands that close the run: one per run, recorded as the activation's last event. */
export function isCloseCommand(command: Command): boolean {
  return command.type === 'completeWorkflow' || command.type === 'failWorkflow' || command.type === 'cancelWorkflow' || command.type === 'continueAsNew';
}

/** Everything that is recorded as its own event (local activities are recorded when they finish). */
export type RecordedCommand = Exclude<Command, { type: 'scheduleLocalActivity' }>;
/** A local activity attempt: run by the host, never recorded as such (its outcome is a `LocalActivity` marker). */
export type LocalActivityCommand = Extract<Command, { type: 'scheduleLocalActivity' }>;

/**
 * The event a command is recorded as. `now` is the activation time;
 * `newRunId` is supplied by the host for continue-as-new.
 */
export function eventForCommand(command: RecordedCommand, now: number, newRunId: () => string): NewEvent {
  switch (command.type) {
    case 'scheduleActivity':
      return { type: 'ActivityTaskScheduled', seq: command.seq, activityId: command.activityId, activityType: command.activityType, input: command.input, options: command.options };
    case 'requestCancelActivity':
      return { type: 'ActivityTaskCancelRequested', activityId: command.activityId };
    case 'startTimer':
      return { type: 'TimerStarted', seq: command.seq, timerId: command.timerId, durationMs: command.durationMs, fireAt: now + command.durationMs };
    case 'cancelTimer':
      return { type: 'TimerCanceled', timerId: command.timerId };
    case 'recordMarker':
      return command.seq === undefined
        ? { type: 'MarkerRecorded', markerName: command.markerName, data: command.data }
        : { type: 'MarkerRecorded', markerName: command.markerName, seq: command.seq, data: command.data };
    case 'startChild':
      return { type: 'ChildWorkflowInitiated', seq: command.seq, workflowType: command.workflowType, input: command.input, options: command.options };
    case 'signalExternal': {
      const { type: _t, ...rest } = command;
      return { type: 'ExternalSignalInitiated', ...rest };
    }
    case 'cancelExternal': {
      const { type: _t, ...rest } = command;
      return { type: 'ExternalCancelInitiated', ...rest };
    }
    case 'upsertSearchAttributes':
      return { type: 'SearchAttributesUpserted', searchAttributes: command.searchAttributes };
    case 'upsertMemo':
      return { type: 'MemoUpserted', memo: command.memo };
    case 'completeUpdate':
      return { type: 'UpdateCompleted', updateId: command.updateId, outcome: command.outcome };
    case 'completeWorkflow':
      return { type: 'WorkflowExecutionCompleted', result: command.result };
    case 'failWorkflow':
      return { type: 'WorkflowExecutionFailed', failure: command.failure };
    case 'cancelWorkflow':
      return { type: 'WorkflowExecutionCanceled', failure: command.failure };
    case 'continueAsNew':
      return {
        type: 'WorkflowExecutionContinuedAsNew',
        newRunId: newRunId(),
        input: command.input,
        bufferedSignals: command.bufferedSignals,
        ...(command.options && { options: command.options }),
      };
    default: {
      const _never: never = command;
      throw new Error(`Unknown command ${JSON.stringify(_never)}`);
    }
  }
}

/** Short human description used in non-determinism diffs. */
export function describeCommand(command: Command): string {
  switch (command.type) {
    case 'scheduleActivity': return `ScheduleActivity(${command.activityType}, seq ${command.seq})`;
    case 'requestCancelActivity': return `RequestCancelActivity(seq ${command.seq})`;
    case 'startTimer': return `StartTimer(${command.durationMs} ms, seq ${command.seq})`;
    case 'cancelTimer': return `CancelTimer(seq ${command.seq})`;
    case 'scheduleLocalActivity': return `LocalActivity(${command.activityType}, seq ${command.seq}, attempt ${command.attempt})`;
    case 'recordMarker': return `Marker(${command.markerName}${command.markerName === 'Patch' ? ` ${(command.data as { patchId: string }).patchId}` : ''})`;
    case 'startChild': return `StartChild(${command.workflowType}, id ${command.options.workflowId})`;
    case 'signalExternal': return `SignalExternal(${command.signalName} → ${command.workflowId})`;
    case 'cancelExternal': return `CancelExternal(${command.workflowId})`;
    case 'upsertSearchAttributes': return 'UpsertSearchAttributes';
    case 'upsertMemo': return 'UpsertMemo';
    case 'completeUpdate': return `CompleteUpdate(${command.updateId})`;
    case 'completeWorkflow': return 'CompleteWorkflow';
    case 'failWorkflow': return 'FailWorkflow';
    case 'cancelWorkflow': return 'CancelWorkflow';
    case 'continueAsNew': return 'ContinueAsNew';
    default: {
      const _never: never = command;
      return String(_never);
    }
  }
}

export function describeEvent(event: HistoryEvent): string {
  switch (event.type) {
    case 'ActivityTaskScheduled': return `ActivityTaskScheduled(${event.activityType}, seq ${event.seq})`;
    case 'TimerStarted': return `TimerStarted(${event.durationMs} ms, seq ${event.seq})`;
    case 'ChildWorkflowInitiated': return `ChildWorkflowInitiated(${event.workflowType}, id ${event.options.workflowId})`;
    case 'MarkerRecorded': return `MarkerRecorded(${event.markerName}${event.markerName === 'Patch' ? ` ${(event.data as { patchId: string }).patchId}` : ''})`;
    case 'ExternalSignalInitiated': return `ExternalSignalInitiated(${event.signalName} → ${event.workflowId})`;
    default: return event.type;
  }
}

/**
 * Whether a recorded event is what `command` would have produced: same kind and the same identity
 * (activity type, timer, child workflow…). Returns a mismatch description, or undefined when they match.
 */
export function compareCommandWithEvent(command: RecordedCommand, event: HistoryEvent): string | undefined {
  const expected = eventForCommand(command, event.timestamp, () => '');
  if (expected.type !== event.type) return 'different kind';
  switch (command.type) {
    case 'scheduleActivity': {
      const recorded = event as Extract<HistoryEvent, { type: 'ActivityTaskScheduled' }>;
      if (recorded.activityType !== command.activityType) return `activity type ${command.activityType} ≠ ${recorded.activityType}`;
      if (recorded.seq !== command.seq) return `seq ${command.seq} ≠ ${recorded.seq}`;
      return undefined;
    }
    case 'startTimer': {
      const recorded = event as Extract<HistoryEvent, { type: 'TimerStarted' }>;
      return recorded.seq === command.seq ? undefined : `seq ${command.seq} ≠ ${recorded.seq}`;
    }
    case 'requestCancelActivity':
    case 'cancelTimer': {
      const key = command.type === 'cancelTimer' ? command.timerId : command.activityId;
      const recorded = event as { timerId?: string; activityId?: string };
      return (recorded.timerId ?? recorded.activityId) === key ? undefined : `target ${key} ≠ ${recorded.timerId ?? recorded.activityId}`;
    }
    case 'recordMarker': {
      const recorded = event as Extract<HistoryEvent, { type: 'MarkerRecorded' }>;
      if (recorded.markerName !== command.markerName) return `marker ${command.markerName} ≠ ${recorded.markerName}`;
      if (command.markerName === 'Patch' && (recorded.data as { patchId: string }).patchId !== (command.data as { patchId: string }).patchId) return 'different patch id';
      if (command.markerName === 'SideEffect' && recorded.seq !== command.seq) return `seq ${command.seq} ≠ ${recorded.seq}`;
      return undefined;
    }
    case 'startChild': {
      const recorded = event as Extract<HistoryEvent, { type: 'ChildWorkflowInitiated' }>;
      if (recorded.workflowType !== command.workflowType) return `workflow type ${command.workflowType} ≠ ${recorded.workflowType}`;
      if (recorded.options.workflowId !== command.options.workflowId) return `workflow id ${command.options.workflowId} ≠ ${recorded.options.workflowId}`;
      return undefined;
    }
    case 'signalExternal': {
      const recorded = event as Extract<HistoryEvent, { type: 'ExternalSignalInitiated' }>;
      return recorded.signalName === command.signalName && recorded.workflowId === command.workflowId ? undefined : 'different signal or target';
    }
    case 'cancelExternal': {
      const recorded = event as Extract<HistoryEvent, { type: 'ExternalCancelInitiated' }>;
      return recorded.workflowId === command.workflowId ? undefined : 'different target';
    }
    case 'completeUpdate': {
      const recorded = event as Extract<HistoryEvent, { type: 'UpdateCompleted' }>;
      return recorded.updateId === command.updateId ? undefined : `update ${command.updateId} ≠ ${recorded.updateId}`;
    }
    case 'upsertSearchAttributes':
    case 'upsertMemo':
    case 'completeWorkflow':
    case 'failWorkflow':
    case 'cancelWorkflow':
    case 'continueAsNew':
      return undefined;
    default: {
      const _never: never = command;
      return String(_never);
    }
  }
}
