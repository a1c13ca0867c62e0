// Temporal's activity `Context`, over the running activity's Duro `ActivityContext` (core/activity-ambient.ts sets it
// around every call of an implementation, on every host).
import type { ActivityContext } from '../../core/activity';
import { currentActivityContext } from '../../core/activity-ambient';
import { toMs, type Duration } from '../../core/duration';
import { CancelledFailure } from '../../core/failure';
import type { RetryPolicy } from '../../core/retry-policy';
import { toTemporalRetryPolicy } from '../common/retry-policy';
import { loggerOf, logLevelOf, type Logger } from '../logger';

export type { Logger };

/** Temporal's activity `Info`, with what Duro knows of the attempt (docs/temporal.md lists what differs). */
export interface Info {
  /** Duro's task token: a string, what `POST /v1/activities/complete` takes (Temporal's is bytes). Empty for a local activity. */
  readonly taskToken: string;
  /** The same token: Duro's is already printable. */
  readonly base64TaskToken: string;
  readonly activityId: string;
  readonly activityType: string;
  readonly activityNamespace: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly isLocal: boolean;
  readonly workflowExecution: { readonly workflowId: string; readonly runId: string };
  readonly workflowNamespace: string;
  readonly workflowType: string;
  readonly taskQueue: string;
  readonly heartbeatTimeoutMs?: number;
  /** Details of the last heartbeat of an earlier attempt: where to resume. */
  readonly heartbeatDetails: any;
  /** Undefined when the activity has none (Duro requires one of the two timeouts, not both). */
  readonly startToCloseTimeoutMs?: number;
  /** Undefined when the activity has none. */
  readonly scheduleToCloseTimeoutMs?: number;
  /** When (ms since the epoch) the workflow scheduled the activity: the same on every attempt. */
  readonly scheduledTimestampMs: number;
  /** When (ms since the epoch) this attempt started, after any backoff. */
  readonly currentAttemptScheduledTimestampMs: number;
  /** The activity's retry policy, defaults applied, intervals in ms; undefined when an older Duro sent the task. */
  readonly retryPolicy?: RetryPolicy;
  /** Duro's own: when (ms since the epoch) this attempt must be over, start-to-close or schedule-to-close. */
  readonly deadline?: number;
  readonly inWorkflow: false;
}

/** One per attempt: `Context.current()` returns the same object across the activity's awaits. */
const contexts = new WeakMap<ActivityContext, Context>();

/**
 * The running activity's context, as in `@temporalio/activity`.
 * @example
 * export async function upload(file: string, bucket: string) {
 *   const { info, heartbeat, cancellationSignal } = Context.current();
 *   for (const part of partsOf(file, info.heartbeatDetails)) {
 *     await put(bucket, part, { signal: cancellationSignal });
 *     heartbeat(part.index);
 *   }
 * }
 */
export class Context {
  /** The context of the activity whose code calls this; throws outside an activity. */
  static current(): Context {
    const native = currentActivityContext();
    if (!native) {
      throw new Error('Activity context not initialized: Context.current() works inside an activity, where the runtime has AsyncLocalStorage (Node, Workers with nodejs_compat; not browsers)');
    }
    let context = contexts.get(native);
    if (!context) contexts.set(native, (context = new Context(native)));
    return context;
  }

  readonly #native: ActivityContext;
  #info: Info | undefined;
  #cancelled: Promise<never> | undefined;
  readonly log: Logger;

  private constructor(native: ActivityContext) {
    this.#native = native;
    this.log = activityLogger(native);
  }

  get info(): Info {
    return (this.#info ??= infoOf(this.#native));
  }

  /** Aborted when the activity is cancelled or its attempt times out. */
  get cancellationSignal(): AbortSignal {
    return this.#native.cancellationSignal;
  }

  /** Rejects with a `CancelledFailure` when the activity is cancelled or its attempt times out; never resolves. */
  get cancelled(): Promise<never> {
    if (this.#cancelled) return this.#cancelled;
    const signal = this.#native.cancellationSignal;
    const reason = () => (signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('Activity cancelled'));
    this.#cancelled = new Promise<never>((_resolve, reject) => {
      if (signal.aborted) reject(reason());
      else signal.addEventListener('abort', () => reject(reason()), { once: true });
    });
    this.#cancelled.catch(() => undefined); // read but not awaited: not an unhandled rejection
    return this.#cancelled;
  }

  /** Records progress (details reach the next attempt as `info.heartbeatDetails`) and keeps the heartbeat timeout off. */
  readonly heartbeat = (details?: unknown): void => {
    this.#native.heartbeat(details);
  };

  /** Waits `ms` (a number or `'5s'`), or rejects with `CancelledFailure` when the activity is cancelled. */
  readonly sleep = (ms: Duration): Promise<void> => this.#native.sleep(toMs(ms, 'sleep'));
}

function infoOf(native: ActivityContext): Info {
  const { info } = native;
  const token = info.taskToken ?? '';
  return {
    taskToken: token,
    base64TaskToken: token,
    activityId: info.activityId,
    activityType: info.activityType,
    activityNamespace: 'default',
    namespace: 'default',
    attempt: info.attempt,
    isLocal: info.isLocal,
    workflowExecution: { workflowId: info.workflowId, runId: info.runId },
    workflowNamespace: 'default',
    workflowType: info.workflowType,
    taskQueue: info.taskQueue,
    ...(info.heartbeatTimeoutMs !== undefined && { heartbeatTimeoutMs: info.heartbeatTimeoutMs }),
    heartbeatDetails: native.heartbeatDetails,
    ...(info.startToCloseTimeoutMs !== undefined && { startToCloseTimeoutMs: info.startToCloseTimeoutMs }),
    ...(info.scheduleToCloseTimeoutMs !== undefined && { scheduleToCloseTimeoutMs: info.scheduleToCloseTimeoutMs }),
    scheduledTimestampMs: info.scheduledAt,
    currentAttemptScheduledTimestampMs: info.startedAt,
    ...(info.retryPolicy !== undefined && { retryPolicy: toTemporalRetryPolicy(info.retryPolicy) }),
    ...(info.deadline !== undefined && { deadline: info.deadline }),
    inWorkflow: false,
  };
}

/** The attempt's `ctx.log`: JSON lines with the activity's identity. */
function activityLogger(native: ActivityContext): Logger {
  return loggerOf((level, message, meta = {}) => native.log[logLevelOf[level]](message, meta));
}
