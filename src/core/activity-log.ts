// An activity attempt's log (`ctx.log` in activity code): its identity on every line, on every host.
import type { ActivityInfo } from './activity';
import { createLog, type Log } from './log';

export function activityLog(info: ActivityInfo): Log {
  const { activityId, activityType, attempt, workflowId, runId, isLocal } = info;
  return createLog(() => ({ activityId, activityType, attempt, workflowId, runId, ...(isLocal && { isLocal }) }));
}
