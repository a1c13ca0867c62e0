// What an activity implementation sees: its input and an activity context. Hosts provide the context.
import type { Log } from './log';
import type { ResolvedRetryPolicy } from './retry-policy';

/** Facts about the running attempt. */
export interface ActivityInfo {
  activityId: string;
  activityType: string;
  taskQueue: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Absolute time (ms since epoch) by which this attempt must finish, if any. */
  deadline?: number;
  /** Heartbeat timeout of this activity in ms, if any. */
  heartbeatTimeoutMs?: number;
  /** When (ms since epoch) the workflow scheduled the activity: the same on every attempt. */
  scheduledAt: number;
  /** When (ms since epoch) this attempt started, after any backoff. */
  startedAt: number;
  /** The activity's start-to-close timeout in ms, if set (absent from tasks sent by older Duro versions). */
  startToCloseTimeoutMs?: number;
  /** The activity's schedule-to-close timeout in ms, if set (absent from tasks sent by older Duro versions). */
  scheduleToCloseTimeoutMs?: number;
  /** How failed attempts are retried, defaults applied (absent from tasks sent by older Duro versions). */
  retryPolicy?: ResolvedRetryPolicy;
  isLocal: boolean;
  /** Authorises heartbeats and asynchronous completion of this attempt (remote activities). */
  taskToken?: string;
  /**
   * The W3C `traceparent` of the span the activity runs in (docs/observability.md): serveActivities' own span under
   * the attempt's, or the attempt's span where there is none (the test environment). Pass it on to calls it makes.
   */
  traceparent?: string;
}

/** Passed as the second argument to every activity. */
export interface ActivityContext {
  readonly info: ActivityInfo;
  /** Details from the last heartbeat of a previous attempt: where to resume. */
  readonly heartbeatDetails: unknown;
  /** Aborted when the activity is cancelled or its attempt timed out. Pass it to `fetch`. */
  readonly cancellationSignal: AbortSignal;
  /**
   * Structured logs: one JSON line per call on the console, with the attempt's identity (activityId, activityType,
   * attempt, workflowId, runId).
   */
  readonly log: Log;
  /** Records progress and keeps the heartbeat timeout from firing. Throws nothing; check `cancellationSignal`. */
  heartbeat(details?: unknown): void;
  /** Waits for `ms`, or rejects with `CancelledFailure` when the activity is cancelled. Uses the host's clock. */
  sleep(ms: number): Promise<void>;
  /**
   * Returning no longer completes the activity: it completes later through
   * `POST /v1/activities/complete` with `info.taskToken` (asynchronous completion).
   */
  doNotCompleteOnReturn(): void;
}

/**
 * An activity implementation: one input, and the context.
 * @example
 * export async function chargeCard(input: { amount: number }, ctx: ActivityContext) {
 *   ctx.heartbeat();
 *   const { workflowId, runId, activityId } = ctx.info; // unique per activity, stable across its retries
 *   return await payments.charge(input.amount, { idempotencyKey: `${workflowId}:${runId}:${activityId}` });
 * }
 */
export type ActivityFunction<I = any, O = any> = (input: I, ctx: ActivityContext) => O | Promise<O>;

type InputArgs<P extends unknown[]> = P extends []
  ? []
  : P extends [infer I, ...unknown[]]
    ? undefined extends I
      ? [input?: I]
      : [input: I]
    : P extends [(infer I)?, ...unknown[]]
      ? [input?: I]
      : [];

/** Typed stubs for a module of activities: the same names, taking the input, returning a promise. */
export type ActivityProxies<A> = {
  [K in keyof A]: A[K] extends (...args: infer P) => infer R ? (...args: InputArgs<P>) => Promise<Awaited<R>> : never;
};

/** Activity implementations by name, as hosts look them up. */
export type ActivityImplementations = Record<string, ActivityFunction>;

/** Picks the functions out of a user's `activities` module object. */
export function collectActivities(source: Record<string, unknown> | undefined): ActivityImplementations {
  const result: ActivityImplementations = {};
  for (const [name, value] of Object.entries(source ?? {})) {
    if (typeof value === 'function') result[name] = value as ActivityFunction;
  }
  return result;
}
