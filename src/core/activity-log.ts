// An activity attempt's log (`ctx.log` in activity code): its identity on every line, on every host.
import type { ActivityInfo } from './activity';
import { createLog, type KeepLogLine, type Log } from './log';
import { parseTraceparent } from './tracing/trace-context';

/** `keep` takes each line written, for the run's kept lines (where the attempt runs beside its run). */
export function activityLog(info: ActivityInfo, keep?: KeepLogLine): Log {
  // Made at the first line: most attempts never log, and need not parse their traceparent.
  let identity: Record<string, unknown> | undefined;
  const identityOf = () => {
    const { activityId, activityType, attempt, workflowId, runId, isLocal } = info;
    const trace = parseTraceparent(info.traceparent);
    return { activityId, activityType, attempt, workflowId, runId, ...(isLocal && { isLocal }), ...(trace && { traceId: trace.traceId, spanId: trace.spanId }) };
  };
  return createLog(() => (identity ??= identityOf()), undefined, keep);
}
