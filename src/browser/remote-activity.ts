// One attempt of a remote activity from the browser: a POST in the activity protocol (docs/activities.md),
// unsigned — a page holds no secret — with the app's own auth from the `headers` hook.
import type { ActivityTask } from '../core/internals';
import { ApplicationFailure } from '../core/failure';
import { idempotencyKey, IDEMPOTENCY_KEY_HEADER, type ActivityRequest } from '../protocol/activity-protocol';
import { ACCEPTED, ATTEMPT_REDIRECT, failure, readActivityReply, type ReplyOutcome } from '../protocol/activity-reply';

/** Where a task queue's activities run when they are not in-page functions. */
export interface RemoteTaskQueue {
  /** Every attempt is a POST to exactly this URL. */
  url: string;
}

/** Extra request headers for an attempt (a bearer token, a CSRF header…): the server authorises the user as usual. */
export type ActivityHeadersHook = (task: ActivityTask) => HeadersInit | Promise<HeadersInit>;

/** Runs one attempt to an outcome; never rejects. `signal` aborts it (timeout, cancellation). */
export async function sendRemoteAttempt(queue: RemoteTaskQueue, task: ActivityTask, signal: AbortSignal, headersOf: ActivityHeadersHook | undefined, doFetch: typeof fetch): Promise<ReplyOutcome> {
  try {
    // No task token: there is no Duro API for the server to call back, so heartbeats and 202 are not available.
    const request: ActivityRequest = { ...task, taskToken: '' };
    const headers = new Headers(headersOf ? await headersOf(task) : undefined);
    headers.set('content-type', 'application/json');
    headers.set(IDEMPOTENCY_KEY_HEADER, idempotencyKey(task));
    if (task.traceparent !== undefined) headers.set('traceparent', task.traceparent);
    const response = await doFetch(queue.url, { method: 'POST', body: JSON.stringify(request), headers, signal, redirect: ATTEMPT_REDIRECT });
    return await readReply(response, task.maxPayloadBytes);
  } catch (error) {
    // Transport errors and aborts are retryable: the engine's timeouts and retry policy decide what follows.
    return failure(ApplicationFailure.retryable(`Activity request failed: ${(error as Error).message}`, 'ActivityTransportError'));
  }
}

/** `maxPayloadBytes`: the task's, with a blob store (the request carries it too); absent, the 2 MiB limit. */
async function readReply(response: Response, maxPayloadBytes: number | undefined): Promise<ReplyOutcome> {
  const reply = await readActivityReply(response, maxPayloadBytes);
  if (reply !== ACCEPTED) return reply;
  return failure(ApplicationFailure.nonRetryable(
    'The activity server answered 202 (asynchronous completion), which the browser host does not support: it has no Duro API to complete the attempt through. Answer 200 with the result instead.',
    'AsyncCompletionNotSupported',
  ));
}
