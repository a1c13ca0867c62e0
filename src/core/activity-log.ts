// An activity attempt's log (`ctx.log` in activity code): its identity on every line, on every host.
import type { ActivityInfo } from './activity';
import { createLog, type KeepLogLine, type Log } from './log';

/** `keep` takes each line written, for the run's kept lines (where the attempt runs beside its run). */
export function activityLog(info: ActivityInfo, keep?: KeepLogLine): Log {
  const { activityId, activityType, attempt, workflowId, runId, isLocal } = info;
  return createLog(() => ({ activityId, activityType, attempt, workflowId, runId, ...(isLocal && { isLocal }) }), undefined, keep);
}
