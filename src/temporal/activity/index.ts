// duro/temporal/activity: `@temporalio/activity` on Duro. Activities written for Temporal (plain async functions of
// their arguments) run with the import specifier changed, on every host; their context comes from `Context.current()`.
// docs/temporal.md lists what is supported and what differs.
import { Context, type Info, type Logger } from './context';
import type { Duration } from '../../core/duration';

export { Context, type Info, type Logger };
export { CompleteAsyncError } from '../../core/activity-ambient';
export {
  ApplicationFailure, ActivityFailure, CancelledFailure, TimeoutFailure, isCancellation,
  DuroFailure as TemporalFailure, type ApplicationFailureOptions,
} from '../../core/failure';
export type { Duration } from '../../core/duration';

/** Temporal's activity function type: any async function of its arguments. */
export type ActivityFunction<P extends any[] = any[], R = any> = (...args: P) => Promise<R>;
/** A module of activities, by name. */
export type UntypedActivities = Record<string, ActivityFunction>;

/** The running activity's `Info`. */
export function activityInfo(): Info {
  return Context.current().info;
}

/** `Context.current().heartbeat(details)`. */
export function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/** `Context.current().sleep(ms)`: rejects with `CancelledFailure` when the activity is cancelled. */
export function sleep(ms: Duration): Promise<void> {
  return Context.current().sleep(ms);
}

/** `Context.current().cancelled`. */
export function cancelled(): Promise<never> {
  return Context.current().cancelled;
}

/** `Context.current().cancellationSignal`. */
export function cancellationSignal(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** The running activity's logger (`Context.current().log`), looked up at each call. */
export const log: Logger = {
  log: (level, message, meta) => Context.current().log.log(level, message, meta),
  trace: (message, meta) => Context.current().log.trace(message, meta),
  debug: (message, meta) => Context.current().log.debug(message, meta),
  info: (message, meta) => Context.current().log.info(message, meta),
  warn: (message, meta) => Context.current().log.warn(message, meta),
  error: (message, meta) => Context.current().log.error(message, meta),
};
