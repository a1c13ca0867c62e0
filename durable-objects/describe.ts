// The description of a run that the API returns (shared/API.md, GET /v1/workflows/{id}).
import type { RunState } from '../src/core/internals';
import type { WorkflowDescription } from './rpc-types';

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
      ...(activity.heartbeatDetails !== undefined && { heartbeatDetails: activity.heartbeatDetails }),
    })),
    pendingTimers: Object.values(state.timers).map((timer) => ({ timerId: timer.timerId, fireAt: timer.fireAt })),
    pendingChildren: Object.values(state.children).map((child) => ({ workflowId: child.workflowId, workflowType: child.workflowType, ...(child.runId && { runId: child.runId }) })),
    memo: state.memo,
    searchAttributes: state.searchAttributes,
  };
  if (state.closeTime !== undefined) description.closeTime = state.closeTime;
  if (state.blocked) description.blockedReason = state.blocked.message;
  if (state.parent) description.parent = state.parent;
  return description;
}
