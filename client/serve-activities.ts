// serveActivities: an activity server for any runtime with fetch (Workers, Node, Bun, Deno).
// It verifies Duro's signature, runs the activity with a context, and answers 202 by itself when the
// activity outlives `asyncAfterMs`, completing it later through the callback (DESIGN §4).
import type { ActivityContext } from '../src/core/activity';
import { activityInfoOf } from '../src/core/activity-state';
import { ApplicationFailure, CancelledFailure, toFailureInfo, type FailureInfo } from '../src/core/failure';
import type { ActivityRequest, CompleteRequest, HeartbeatReply } from '../src/protocol/activity-protocol';
import { SIGNATURE_HEADER, verifyBodySignature } from '../src/protocol/signature';

export interface ServeActivitiesOptions {
  /** Activity implementations by name: `(input, ctx) => result`. */
  activities: Record<string, unknown>;
  /** The deployment's `DURO_ACTIVITY_SECRET`: requests without a valid signature are refused. */
  secret: string;
  /** Base URL of the Duro API for heartbeats and asynchronous completion; default: the request's `callbackUrl`. */
  duroUrl?: string;
  /** Answer 202 and complete through the callback when an activity runs longer than this. Default 5 s. */
  asyncAfterMs?: number;
  /** Minimum gap between heartbeat calls; later details replace earlier ones. Default 1 s. */
  heartbeatThrottleMs?: number;
  /** fetch used for callbacks (a service binding, or a test's). */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
}

/** The part of a Workers `ExecutionContext` this needs: keep the isolate alive for late completions. */
export interface WaitUntil {
  waitUntil(promise: Promise<unknown>): void;
}

type Settled = { result: unknown } | { failure: FailureInfo } | { completesLater: true };

/**
 * @example
 * // a Worker serving the 'payments' task queue
 * export default serveActivities({ activities: { charge }, secret: env.DURO_ACTIVITY_SECRET });
 */
export function serveActivities(options: ServeActivitiesOptions): { fetch(request: Request, env?: unknown, ctx?: WaitUntil): Promise<Response> } {
  const asyncAfterMs = options.asyncAfterMs ?? 5_000;
  const doFetch = options.fetch ?? ((url: string, init?: RequestInit) => fetch(url, init));

  return {
    async fetch(request: Request, _env?: unknown, ctx?: WaitUntil): Promise<Response> {
      if (request.method !== 'POST') return problem(405, 'duro:method-not-allowed', 'Activity requests are POSTs');
      const body = await request.text();
      const check = await verifyBodySignature(options.secret, body, request.headers.get(SIGNATURE_HEADER));
      if (!check.ok) return problem(401, 'duro:bad-signature', check.reason);
      let task: ActivityRequest;
      try {
        task = JSON.parse(body) as ActivityRequest;
      } catch {
        return problem(400, 'duro:invalid-body', 'The body is not JSON');
      }
      const fn = options.activities[task.activityType];
      if (typeof fn !== 'function') {
        return failureResponse(toFailureInfo(ApplicationFailure.nonRetryable(`Activity '${task.activityType}' is not served here`, 'ActivityNotRegistered')));
      }
      const callbackUrl = options.duroUrl ?? task.callbackUrl;
      const callback = async (path: string, payload: unknown): Promise<Response> => {
        if (!callbackUrl) throw new Error('No Duro URL to call back: set serveActivities({ duroUrl })');
        return doFetch(new URL(path, callbackUrl).toString(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) });
      };
      const { context, controller } = activityContext(task, callback, options.heartbeatThrottleMs ?? 1_000);
      const running = runActivity(fn as (input: unknown, ctx: ActivityContext) => unknown, task.input, context, controller);
      const slow = delay(asyncAfterMs);
      const first = await Promise.race([running, slow.promise.then(() => 'slow' as const)]);
      slow.cancel();
      if (first !== 'slow' && !('completesLater' in first)) return settledResponse(first);
      // Slow, or completing asynchronously by request: answer now so no connection is held for minutes.
      if (first === 'slow') {
        const completion = running.then(async (settled) => {
          if ('completesLater' in settled) return;
          const payload: CompleteRequest = 'result' in settled ? { taskToken: task.taskToken, result: settled.result } : { taskToken: task.taskToken, failure: settled.failure };
          await callback('/v1/activities/complete', payload).catch(() => undefined); // the engine's timeouts cover a lost callback
        });
        ctx?.waitUntil(completion);
      }
      return new Response(JSON.stringify({ accepted: true }), { status: 202, headers: { 'content-type': 'application/json' } });
    },
  };
}

function activityContext(task: ActivityRequest, callback: (path: string, payload: unknown) => Promise<Response>, throttleMs: number) {
  const controller = new AbortController();
  const info = activityInfoOf(task, task.taskToken);
  let lastSent = 0;
  let pending: { details: unknown } | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const send = async () => {
    timer = undefined;
    const details = pending?.details;
    pending = undefined;
    lastSent = Date.now();
    try {
      const reply = await callback('/v1/activities/heartbeat', { taskToken: task.taskToken, details });
      // 404/409: the attempt is over (timed out, cancelled, run closed) — stop working on it.
      if (reply.status === 404 || reply.status === 409) controller.abort(new CancelledFailure('Activity attempt is no longer current'));
      else if (reply.ok && ((await reply.json()) as HeartbeatReply).cancelRequested) controller.abort(new CancelledFailure('Activity cancelled'));
    } catch {
      // A lost heartbeat is retried by the next one; the heartbeat timeout is the backstop.
    }
  };
  let completesLater = false;
  const context: ActivityContext & { readonly completesLater: boolean } = {
    info,
    heartbeatDetails: task.heartbeatDetails,
    cancellationSignal: controller.signal,
    heartbeat(details?: unknown) {
      pending = { details };
      if (timer !== undefined) return;
      const wait = Math.max(0, lastSent + throttleMs - Date.now());
      timer = setTimeout(() => void send(), wait);
    },
    sleep: (ms: number) => abortableDelay(ms, controller.signal),
    doNotCompleteOnReturn() {
      completesLater = true;
    },
    get completesLater() {
      return completesLater;
    },
  };
  return { context, controller };
}

async function runActivity(fn: (input: unknown, ctx: ActivityContext) => unknown, input: unknown, context: ActivityContext & { readonly completesLater: boolean }, controller: AbortController): Promise<Settled> {
  try {
    const result = await fn(input, context);
    return context.completesLater ? { completesLater: true } : { result };
  } catch (error) {
    return { failure: toFailureInfo(error) };
  } finally {
    if (!context.completesLater) controller.abort(new CancelledFailure('Activity finished'));
  }
}

function settledResponse(settled: { result: unknown } | { failure: FailureInfo }): Response {
  if ('failure' in settled) return failureResponse(settled.failure);
  return new Response(JSON.stringify({ result: settled.result ?? null }), { status: 200, headers: { 'content-type': 'application/json' } });
}

function failureResponse(failure: FailureInfo): Response {
  return new Response(JSON.stringify(failure), { status: 500, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, type: string, detail: string): Response {
  return new Response(JSON.stringify({ type, title: detail, status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
}

function delay(ms: number): { promise: Promise<void>; cancel(): void } {
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
