// The description of a run that the API returns (docs/api.md, GET /v1/workflows/{id}); every host answers alike.
import type { AttemptFailure } from './activity-state';
import type { FailureInfo } from './failure';
import type { ParentRef, SearchAttributes, WorkflowStatus } from './history';
import type { RunState } from './run-state';

export interface PendingActivityView {
  activityId: string;
  activityType: string;
  taskQueue: string;
  attempt: number;
  state: 'scheduled' | 'running' | 'backoff';
  scheduledTime: number;
  lastStartedTime?: number;
  nextAttemptTime?: number;
  lastFailure?: FailureInfo;
  /** Its attempts' failures, oldest first (the latest `Limits.attemptFailuresKept`). */
  attemptFailures?: AttemptFailure[];
  heartbeatDetails?: unknown;
  cancelRequested: boolean;
}

export interface WorkflowDescription {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: WorkflowStatus;
  startTime: number;
  closeTime?: number;
  historyLength: number;
  pendingActivities: PendingActivityView[];
  pendingTimers: Array<{ timerId: string; fireAt: number }>;
  pendingChildren: Array<{ workflowId: string; workflowType: string; runId?: string }>;
  memo: Record<string, unknown>;
  searchAttributes: SearchAttributes;
  blockedReason?: string;
  /** Set while the run is paused (no activity sent, no timer fired). */
  paused?: boolean;
  parent?: ParentRef;
}

export function describeRun(state: RunState): WorkflowDescription {
  const description: WorkflowDescription = {
    workflowId: state.workflowId,
    runId: state.runId,
    workflowType: state.workflowType,
    status: state.status,
    startTime: state.startTime,
    historyLength: state.nextEventId - 1,
    pendingActivities: Object.values(state.activities).map((activity) => ({
      activityId: activity.activityId,
      activityType: activity.activityType,
      taskQueue: activity.options.taskQueue,
      attempt: activity.attempt,
      state: activity.phase,
      scheduledTime: activity.scheduledAt,
      cancelRequested: activity.cancelRequested,
      ...(activity.attemptStartedAt !== undefined && { lastStartedTime: activity.attemptStartedAt }),
      ...(activity.retryAt !== undefined && { nextAttemptTime: activity.retryAt }),
      ...(activity.lastFailure && { lastFailure: activity.lastFailure }),
      ...(activity.attemptFailures && { attemptFailures: activity.attemptFailures.map((failure) => ({ ...failure })) }),
      ...(activity.heartbeatDetails !== undefined && { heartbeatDetails: activity.heartbeatDetails }),
    })),
    pendingTimers: Object.values(state.timers).map((timer) => ({ timerId: timer.timerId, fireAt: timer.fireAt })),
    pendingChildren: Object.values(state.children).map((child) => ({ workflowId: child.workflowId, workflowType: child.workflowType, ...(child.runId && { runId: child.runId }) })),
    memo: state.memo,
    searchAttributes: state.searchAttributes,
  };
  if (state.closeTime !== undefined) description.closeTime = state.closeTime;
  if (state.blocked) description.blockedReason = state.blocked.message;
  if (state.paused) description.paused = true;
  if (state.parent) description.parent = state.parent;
  return description;
}

/**
 * The description with each payload in it (memo fields, pending activities' heartbeat details) passed through `map`:
 * a caller's `payloads.read` gives the values, the CLI's writer their stored form.
 */
export function mapDescriptionPayloads(description: WorkflowDescription, map: (stored: unknown) => unknown): WorkflowDescription {
  const memo: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(description.memo ?? {})) memo[key] = map(value);
  const pendingActivities = description.pendingActivities.map((activity) => (activity.heartbeatDetails === undefined ? activity : { ...activity, heartbeatDetails: map(activity.heartbeatDetails) }));
  return { ...description, memo, pendingActivities };
}
