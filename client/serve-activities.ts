// serveActivities: an activity server for any runtime with fetch (Workers, Node, Bun, Deno).
// It verifies Duro's signature, runs the activity with a context, and answers 202 by itself when the
// activity outlives `asyncAfterMs`, completing it later through the callback (DESIGN §4, docs/activities.md).
import type { ActivityContext, ActivityFunction } from '../src/core/activity';
import { callActivity, CompleteAsyncError } from '../src/core/activity-ambient';
import { activityInfoOf } from '../src/core/activity-state';
import { activityLog } from '../src/core/activity-log';
import { ApplicationFailure, CancelledFailure, toFailureInfo, type FailureInfo } from '../src/core/failure';
import { LazyAbort } from '../src/core/lazy-abort';
import { copyPayload } from '../src/core/payload';
import { Limits } from '../src/core/limits';
import { latestAttemptLines } from '../src/core/run-logs';
import { RunPayloads } from '../src/core/payloads/run-payloads';
import type { ActivityCallReply, ActivityCallRequest, ActivityRequest, CompleteRequest, HeartbeatReply } from '../src/protocol/activity-protocol';
import { createTaskToken } from '../src/protocol/task-token';
import { SIGNATURE_HEADER, verifyBodySignature } from '../src/protocol/signature';
import type { OtlpOptions } from '../src/protocol/otlp';
import { attemptSpan, spanExporters } from './activity-span';
import { parseTraceparent } from '../src/core/tracing/trace-context';

export interface ServeActivitiesOptions {
  /** Activity implementations by name: `(input, ctx) => result`, or Temporal-style `(...args) => result` (docs/activities.md). */
  activities: Record<string, unknown>;
  /** The deployment's `DURO_ACTIVITY_SECRET`: requests without a valid signature are refused. */
  secret: string;
  /** Base URL of the Duro API for heartbeats and asynchronous completion; default: the request's `callbackUrl`. */
  duroUrl?: string;
  /**
   * Answer 202 and complete through the callback when an activity runs longer than this. Default 5 s.
   * With no Duro URL to call back, the reply waits for the activity instead.
   */
  asyncAfterMs?: number;
  /** Minimum gap between heartbeat calls; later details replace earlier ones. Default 1 s. */
  heartbeatThrottleMs?: number;
  /**
   * fetch used for callbacks (a service binding, or a test's). Not for spans, which go out through the global fetch:
   * this one may send every URL to Duro, as Duro's own Worker's does (serve-activities-tracing.test.ts, "exports with
   * the global fetch").
   */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /**
   * Requests for which this answers true are served without a signature: those that can only come from the
   * deployment itself (Duro's own Worker serving its 'self' queue through a service binding). Default: none.
   */
  trustRequest?: (request: Request) => boolean;
  /**
   * Where this server exports its spans (one per attempt, a child of the attempt's span in Duro; docs/observability.md,
   * Traces). Default: what the `env` it is handed names (`OTEL_EXPORTER_OTLP_ENDPOINT`…), else none.
   */
  tracing?: OtlpOptions;
}

/** The part of a Workers `ExecutionContext` this needs: keep the isolate alive for late completions. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

type Settled = { result: unknown } | { failure: FailureInfo } | { completesLater: true };
type Callback = (path: string, payload: unknown) => Promise<Response>;

/** Tries of a late completion POST, and the wait before the second one (doubling after). */
const COMPLETE_TRIES = 3;
const COMPLETE_RETRY_MS = 500;

/**
 * @example
 * // a Worker serving the 'payments' task queue
 * export default serveActivities({ activities: { charge }, secret: env.DURO_ACTIVITY_SECRET });
 */
export function serveActivities(options: ServeActivitiesOptions): ActivityServer {
  return activityServer(options, taskRunner(options));
}

/** An activity server's HTTP handler. */
export interface ActivityServer {
  fetch(request: Request, env?: unknown, ctx?: WaitUntil): Promise<Response>;
}

/** The HTTP face of `runner`: checks and parses each request, and answers its reply (shared with an RPC entrypoint). */
export function activityServer(options: Pick<ServeActivitiesOptions, 'secret' | 'trustRequest'>, runner: TaskRunner): ActivityServer {
  return {
    async fetch(request: Request, env?: unknown, ctx?: WaitUntil): Promise<Response> {
      if (request.method !== 'POST') return problem(405, 'duro:method-not-allowed', 'Activity requests are POSTs');
      const body = await request.text();
      if (!options.trustRequest?.(request)) {
        const check = await verifyBodySignature(options.secret, body, request.headers.get(SIGNATURE_HEADER));
        if (!check.ok) return problem(401, 'duro:bad-signature', check.reason);
      }
      const task = parseTask(body);
      if (!task) return problem(400, 'duro:invalid-body', 'The body is not an activity request');
      const call: TaskCall = { traceparent: request.headers.get('traceparent'), env, ctx };
      if (request.signal) call.hangUp = request.signal;
      return replyResponse(await runner.run(task, call));
    },
  };
}

/** How one task reached the server, and what serving it may use. */
export interface TaskCall {
  /** The request's `traceparent` header: preferred to the body's copy when it is valid. */
  traceparent?: string | null;
  /** Aborted when Duro hangs up (the HTTP request's signal). */
  hangUp?: AbortSignal;
  /** Asked when the activity first reads its signal: resolves true once Duro has given up on the attempt (RPC). */
  watchHangUp?: () => Promise<boolean>;
  env?: unknown;
  ctx?: WaitUntil | undefined;
}

/** Serves tasks whose origin is vouched for: a verified signature, or a call no outside request can make. */
export interface TaskRunner {
  /** A task without its token (an RPC call's) gets one made with `secret` when the activity first needs it. */
  run(task: ActivityCallRequest, call: TaskCall): Promise<ActivityCallReply>;
}

/** What serves each task, over HTTP (serveActivities) or as a Workers RPC call (Duro's own Worker, decision 027). */
export function taskRunner(options: ServeActivitiesOptions): TaskRunner {
  const asyncAfterMs = options.asyncAfterMs ?? 5_000;
  const doFetch = options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
  const exporterFor = spanExporters(options.tracing);

  return {
    async run(task: ActivityCallRequest, { traceparent, hangUp, watchHangUp, env, ctx }: TaskCall): Promise<ActivityCallReply> {
      // Own properties only: `toString` or `constructor` must not pass for an activity.
      const fn = Object.hasOwn(options.activities, task.activityType) ? options.activities[task.activityType] : undefined;
      if (typeof fn !== 'function') {
        return { failure: toFailureInfo(ApplicationFailure.nonRetryable(`Activity '${task.activityType}' is not served here`, 'ActivityNotRegistered')) };
      }
      // The header, as any tracer would read it; the body's copy when the header is missing or not valid. Most
      // deployments export no spans: then nothing is parsed.
      const exporter = exporterFor(env);
      const span = exporter && attemptSpan(traceparent && parseTraceparent(traceparent) ? traceparent : task.traceparent, exporter, task);
      if (span) task.traceparent = span.traceparent;
      const callbackUrl = options.duroUrl ?? task.callbackUrl;
      const callback: Callback = async (path, payload) => {
        if (!callbackUrl) throw new Error('No Duro URL to call back: set serveActivities({ duroUrl })');
        return doFetch(new URL(path, callbackUrl).toString(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      };
      const taskToken = () => (task.taskToken ??= createTaskToken(options.secret, task));
      /** Set once the reply is made: an activity completing later goes on, and no one is left to hang up. */
      let answered = false;
      const stopReason = watchHangUp && (async (): Promise<string | undefined> => {
        if (answered) return undefined;
        try {
          return (await watchHangUp()) ? GAVE_UP : undefined;
        } catch {
          // The caller is gone (its object restarted, and its next instance retries the attempt as lost), as a closed
          // request says over HTTP; unless the call is over, and its callback with it.
          return answered ? undefined : CALLER_GONE;
        }
      });
      const attempt = activityContext(task, taskToken, callback, options.heartbeatThrottleMs ?? 1_000, stopReason);
      // Duro hanging up before the reply means the attempt timed out or was cancelled there.
      const onHangUp = () => attempt.cancellation.abort(() => new CancelledFailure(HUNG_UP));
      if (hangUp?.aborted) onHangUp(); // hung up while the body was read and verified
      else hangUp?.addEventListener('abort', onHangUp, { once: true });
      const running = runActivity(fn as ActivityFunction, task, attempt);
      if (span) void running.then((settled) => span.finish(settled, ctx && ((promise) => ctx.waitUntil(promise))));
      try {
        if (!callbackUrl) {
          // Nowhere to complete later: hold the connection (Duro's start-to-close timeout still bounds it).
          return callReply(await running, attempt.logs());
        }
        const slow = delay(asyncAfterMs);
        const first = await Promise.race([running, slow.promise.then(() => 'slow' as const)]);
        slow.cancel();
        if (first !== 'slow') return callReply(first, attempt.logs());
        // Slow: answer now so no connection is held for minutes, and complete through the callback.
        const completion = running.then((settled) => completeLater(taskToken(), settled, callback, attempt.logs()));
        ctx?.waitUntil(completion);
        return ACCEPTED_REPLY;
      } finally {
        answered = true;
        hangUp?.removeEventListener('abort', onHangUp);
      }
    },
  };
}

const HUNG_UP = 'Duro closed the request: the attempt timed out or was cancelled';
/** The same, told through an RPC call's `hungUp` (decision 027): there is no request to close. */
const GAVE_UP = 'Duro gave up on the attempt: it timed out or was cancelled';
/** An RPC call whose `hungUp` can no longer be asked: the workflow object that made it is gone. */
const CALLER_GONE = 'Duro no longer waits for the attempt: its workflow object restarted';
const ACCEPTED_REPLY: ActivityCallReply = { accepted: true };

/**
 * The reply; `logs` (the attempt's lines) rides beside the result, or beside the failure. A failure is made JSON here,
 * as its HTTP body would be: its `details` may hold a Date or an instance of the application's classes, which an RPC
 * call would carry as they are (or refuse), and replay reads from history as JSON. A result is JSON already (its payload).
 */
function callReply(settled: Settled, logs: string[]): ActivityCallReply {
  if ('completesLater' in settled) return ACCEPTED_REPLY;
  if ('failure' in settled) {
    const failure = copyPayload(settled.failure);
    return logs.length > 0 ? { failure, logs } : { failure };
  }
  return logs.length > 0 ? { result: settled.result ?? null, logs } : { result: settled.result ?? null };
}

/** The reply over HTTP (docs/activities.md, The reply): 200 with the result, 500 with the failure's fields, or 202. */
function replyResponse(reply: ActivityCallReply): Response {
  if ('accepted' in reply) return jsonReply({ accepted: true }, 202);
  if ('failure' in reply) return jsonReply(reply.logs ? { ...reply.failure, logs: reply.logs } : reply.failure, 500);
  return jsonReply(reply, 200);
}

/** The request body, if it has the fields this server relies on (the signature already vouches for its origin). */
function parseTask(body: string): ActivityRequest | undefined {
  let task: unknown;
  try {
    task = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof task !== 'object' || task === null) return undefined;
  const t = task as Record<string, unknown>;
  const strings = ['activityType', 'taskToken', 'workflowId', 'runId', 'activityId'].every((field) => typeof t[field] === 'string');
  return strings && Number.isInteger(t.attempt) ? (task as ActivityRequest) : undefined;
}

interface Attempt {
  context: ActivityContext & { readonly completesLater: boolean };
  /** The latest lines its `ctx.log` wrote, held to an attempt's limits: sent back with the outcome for the run to keep. */
  logs(): string[];
  cancellation: AttemptCancellation;
  /** How the attempt reads its input and writes its result (its task's converter). */
  payloads: RunPayloads;
  /** Stops the heartbeat timer; after a failure, first delivers heartbeat details still waiting. */
  finish(failed: boolean): Promise<void>;
}

/**
 * The attempt's cancellation signal, made when the activity first reads it (most never do): only then is there
 * anyone to tell of a deadline, a hang-up or the end of the attempt, so only then is a deadline timer armed.
 */
class AttemptCancellation {
  readonly #lazy: LazyAbort;
  #deadlineTimer: ReturnType<typeof setTimeout> | undefined;

  /** `stopReason`: asked once the signal is read, for a hang-up no request signal carries (an RPC call's). */
  constructor(deadline: number | undefined, stopReason?: () => Promise<string | undefined>) {
    this.#lazy = new LazyAbort((controller) => {
      void stopReason?.().then((reason) => reason !== undefined && controller.abort(new CancelledFailure(reason)));
      // Past its deadline Duro has timed the attempt out: whatever it returns now is discarded.
      if (deadline === undefined) return;
      const passedDeadline = () => controller.abort(new CancelledFailure('Activity attempt passed its deadline'));
      if (deadline <= Date.now()) passedDeadline();
      else this.#deadlineTimer = setTimeout(passedDeadline, deadline - Date.now());
    });
  }

  get signal(): AbortSignal {
    return this.#lazy.signal;
  }

  /** `reason` is made only if the signal was read. */
  abort(reason: () => unknown): void {
    this.#lazy.abortWith(reason);
  }

  /** The attempt is over: stops what the activity may have left running on its signal. */
  finish(): void {
    clearTimeout(this.#deadlineTimer);
    this.#lazy.abortWith(() => new CancelledFailure('Activity finished'));
  }
}

function activityContext(task: ActivityCallRequest, taskToken: () => string, callback: Callback, throttleMs: number, stopReason?: () => Promise<string | undefined>): Attempt {
  const cancellation = new AttemptCancellation(task.deadline, stopReason);
  const info = activityInfoOf(task);
  // Made when first read: most activities never read it.
  Object.defineProperty(info, 'taskToken', { get: taskToken, enumerable: true, configurable: true });
  const payloads = RunPayloads.forTask(task);
  let lastSent = 0;
  let pending: { details: unknown } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = async () => {
    timer = undefined;
    const details = pending?.details;
    pending = undefined;
    lastSent = Date.now();
    try {
      const reply = await callback('/v1/activities/heartbeat', { taskToken: taskToken(), details });
      // 404/409: the attempt is over (timed out, cancelled, run closed) — stop working on it.
      if (reply.status === 404 || reply.status === 409) cancellation.abort(() => new CancelledFailure('Activity attempt is no longer current'));
      else if (reply.ok && ((await reply.json()) as HeartbeatReply).cancelRequested) cancellation.abort(() => new CancelledFailure('Activity cancelled'));
    } catch {
      // A lost heartbeat is retried by the next one; the heartbeat timeout is the backstop.
    }
  };
  let completesLater = false;
  let logs: string[] = [];
  const keepLog = (text: string) => {
    logs.push(text);
    // Bounded while the attempt runs; held to an attempt's limits (latestAttemptLines) when they are sent.
    if (logs.length >= 2 * Limits.logLinesPerAttempt) logs = logs.slice(-Limits.logLinesPerAttempt);
  };
  const context: Attempt['context'] = {
    info,
    // Decoded when read: a value this version cannot read fails the attempt that reads it, not the request.
    get heartbeatDetails() {
      return payloads.read(task.heartbeatDetails);
    },
    log: activityLog(info, keepLog),
    get cancellationSignal() {
      return cancellation.signal;
    },
    heartbeat(details?: unknown) {
      pending = { details: details === undefined ? details : payloads.write(details, 'Heartbeat details') };
      if (timer !== undefined) return;
      const wait = Math.max(0, lastSent + throttleMs - Date.now());
      timer = setTimeout(() => void send(), wait);
    },
    sleep: (ms: number) => abortableDelay(ms, cancellation.signal),
    doNotCompleteOnReturn() {
      completesLater = true;
    },
    get completesLater() {
      return completesLater;
    },
  };
  const finish = async (failed: boolean) => {
    if (timer === undefined) return;
    clearTimeout(timer);
    // Throttled details of a failed attempt are where the next attempt resumes: deliver them before the failure.
    // An attempt that completes later is not over: its details (often where the callback is, as the approval
    // example's task token) must arrive too (test/unit/client/serve-activities.test.ts, "delivers … completes later").
    if (failed || completesLater) await send();
    timer = undefined;
    pending = undefined;
  };
  return { context, cancellation, payloads, finish, logs: () => latestAttemptLines(logs) };
}

async function runActivity(fn: ActivityFunction, task: ActivityCallRequest, attempt: Attempt): Promise<Settled> {
  const { context, cancellation } = attempt;
  let settled: Settled;
  try {
    const { payloads } = attempt;
    const result = await callActivity(fn, payloads.read(task.input), task.arguments, context);
    settled = context.completesLater ? { completesLater: true } : { result: payloads.write(result, 'Activity result') };
  } catch (error) {
    if (error instanceof CompleteAsyncError) {
      context.doNotCompleteOnReturn(); // Temporal's way of saying it
      settled = { completesLater: true };
    } else {
      const payloadError = error instanceof Error && error.name === 'PayloadError';
      settled = { failure: toFailureInfo(payloadError ? ApplicationFailure.nonRetryable(error.message, 'PayloadTooLarge') : error) };
    }
  }
  if (context.completesLater) {
    // Sent before the 202: after the reply, nothing in a Worker's invocation is sure to run the throttle's timer.
    await attempt.finish(false);
    return settled;
  }
  await attempt.finish('failure' in settled);
  cancellation.finish();
  return settled;
}

/** POSTs the outcome of an attempt that was answered with 202; retried a few times, then left to Duro's timeouts. */
async function completeLater(taskToken: string, settled: Settled, callback: Callback, logs: string[]): Promise<void> {
  if ('completesLater' in settled) return;
  const payload: CompleteRequest = 'result' in settled ? { taskToken, result: settled.result } : { taskToken, failure: settled.failure };
  if (logs.length > 0) payload.logs = logs;
  for (let tries = 1; ; tries++) {
    try {
      const reply = await callback('/v1/activities/complete', payload);
      // 2xx: recorded; 4xx: the attempt is over or the token is not valid, so trying again cannot help.
      if (reply.status < 500) return;
    } catch {
      // transport error: try again
    }
    if (tries >= COMPLETE_TRIES) return;
    await delay(COMPLETE_RETRY_MS * 2 ** (tries - 1)).promise;
  }
}

function jsonReply(value: unknown, status: number): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, type: string, detail: string): Response {
  return new Response(JSON.stringify({ type, title: detail, status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
  // setTimeout turns Infinity into ~1 ms: "never" must not arm a timer at all.
  if (!Number.isFinite(ms)) return { promise: new Promise<void>(() => undefined), cancel: () => undefined };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return { promise, cancel: () => clearTimeout(timer) };
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
