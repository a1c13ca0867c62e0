// Sends activity attempts (DESIGN §4): signed POSTs to the task queue's endpoint, or RPC calls to this Worker's own
// activity entrypoint (decision 027); a concurrency limit per task queue, and an abort when the attempt times out or
// is cancelled.
import { ApplicationFailure } from '../src/core/failure';
import { Limits } from '../src/core/limits';
import { payloadSize } from '../src/core/payload';
import type { ActivityTask } from '../src/core/internals';
import { idempotencyKey, IDEMPOTENCY_KEY_HEADER, type ActivityCallRequest, type ActivityEntrypointRpc, type ActivityRequest } from '../src/protocol/activity-protocol';
import { ACCEPTED, ATTEMPT_REDIRECT, failure, readActivityReply, readCallReply, type ReplyOutcome } from '../src/protocol/activity-reply';
import { SIGNATURE_HEADER, signBody } from '../src/protocol/signature';
import { createTaskToken } from '../src/protocol/task-token';
import { causeOf, notReachedBy, unreachableEndpoint, type EndpointLabel } from './unreachable-endpoint';

/** Where a task queue's activities run. */
export interface TaskQueueEndpoint {
  /** A fetcher (service binding, e.g. to this Worker itself) or a URL reached with global fetch. */
  fetcher?: { fetch(input: string, init?: RequestInit): Promise<Response> };
  /**
   * This Worker's activity entrypoint (decision 027): attempts are RPC calls to it instead of POSTs to `url`, but for
   * an input larger than a call carries (a blob store allows up to 100 MiB), which goes to `fetcher`.
   */
  entrypoint?: ActivityEntrypointRpc;
  url: string;
  /** Attempts in flight at once from one workflow object; more wait their turn. */
  concurrency: number;
  /**
   * Reached only through a binding no outside request can use (this Worker's own 'self' queue): requests go
   * unsigned, saving an HMAC per attempt. A POST still carries the task token (an RPC call's entrypoint makes its own):
   * callbacks go through the public API.
   */
  trusted?: boolean;
  /** How messages name the endpoint, and what to check, when it cannot be reached. Default: its URL. */
  label?: EndpointLabel;
}

/** The attempt will complete later, through the callback with its task token. */
export const COMPLETES_LATER = Symbol('completes later');

export class ActivityDispatcher {
  readonly #secret: string;
  readonly #callbackUrl: string | undefined;
  readonly #endpointOf: (taskQueue: string) => TaskQueueEndpoint | undefined;
  /** Each task queue's endpoint, asked once: an object's env and entrypoints stay as they are for its life. */
  readonly #endpoints = new Map<string, TaskQueueEndpoint | undefined>();
  readonly #inFlight = new Map<string, AbortController>();
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Array<() => void>>();

  /** The payload limit: replies may carry this much (larger with a blob store), and tasks say so to activity servers. */
  readonly #maxPayloadBytes: number | undefined;
  /**
   * The payload limit of an attempt sent as an RPC call, where the host's is larger than a call carries (32 MiB; a
   * blob store allows 100 MiB): its result is held to it, and a larger input goes by the endpoint's fetcher.
   */
  readonly #callPayloadLimit: number | undefined;

  constructor(options: { secret: string; callbackUrl?: string; endpointOf: (taskQueue: string) => TaskQueueEndpoint | undefined; maxPayloadBytes?: number }) {
    this.#maxPayloadBytes = options.maxPayloadBytes;
    this.#callPayloadLimit = (options.maxPayloadBytes ?? Limits.maxPayloadBytes) > Limits.maxMessagePayloadBytes ? Limits.maxMessagePayloadBytes : undefined;
    this.#secret = options.secret;
    this.#callbackUrl = options.callbackUrl;
    this.#endpointOf = options.endpointOf;
  }

  /** Runs one attempt to an outcome; never rejects. */
  async dispatch(task: ActivityTask): Promise<ReplyOutcome | typeof COMPLETES_LATER> {
    const endpoint = this.#endpointFor(task.taskQueue);
    if (!endpoint) return failure(ApplicationFailure.nonRetryable(`No endpoint is configured for task queue '${task.taskQueue}'`, 'UnknownTaskQueue'));
    const key = attemptKey(task.runId, task.activityId, task.attempt);
    const controller = new AbortController();
    this.#inFlight.set(key, controller);
    await this.#acquire(task.taskQueue, endpoint.concurrency);
    try {
      if (controller.signal.aborted) return failure(ApplicationFailure.retryable('Attempt cancelled before it was sent', 'ActivityCancelled'));
      const call: ActivityCallRequest = { ...task };
      if (this.#callbackUrl) call.callbackUrl = this.#callbackUrl;
      if (this.#maxPayloadBytes !== undefined) call.maxPayloadBytes = this.#maxPayloadBytes;
      // The entrypoint makes the task token itself, if the activity asks for it; an HTTP server gets it in the body.
      if (endpoint.entrypoint && this.#fitsCall(task)) {
        if (this.#callPayloadLimit !== undefined) call.maxPayloadBytes = this.#callPayloadLimit;
        return await this.#call(endpoint.entrypoint, call, controller.signal);
      }
      const request: ActivityRequest = { ...call, taskToken: createTaskToken(this.#secret, task) };
      const body = JSON.stringify(request);
      const init: RequestInit = {
        method: 'POST',
        body,
        signal: controller.signal,
        redirect: ATTEMPT_REDIRECT,
        headers: {
          'content-type': 'application/json',
          [IDEMPOTENCY_KEY_HEADER]: idempotencyKey(task),
          ...(task.traceparent !== undefined && { traceparent: task.traceparent }),
          ...(!endpoint.trusted && { [SIGNATURE_HEADER]: await signBody(this.#secret, body) }),
        },
      };
      let response: Response;
      try {
        response = endpoint.fetcher ? await endpoint.fetcher.fetch(endpoint.url, init) : await fetch(endpoint.url, init);
      } catch (error) {
        // A service binding rethrows what its Worker threw (an activity over its CPU limit): that Worker was reached.
        if (controller.signal.aborted || endpoint.fetcher) throw error;
        return failure(unreachableEndpoint(task.taskQueue, labelOf(endpoint), causeOf(error)));
      }
      const notReached = await notReachedBy(endpoint, response);
      if (notReached) return failure(unreachableEndpoint(task.taskQueue, labelOf(endpoint), notReached));
      return await readReply(response, this.#maxPayloadBytes);
    } catch (error) {
      // Aborts (the attempt timed out or was cancelled) and a reply cut off midway are retryable: the engine's
      // timeouts and retry policy decide what follows.
      return failure(ApplicationFailure.retryable(`Activity request failed: ${(error as Error).message}`, 'ActivityTransportError'));
    } finally {
      this.#inFlight.delete(key);
      this.#release(task.taskQueue);
    }
  }

  #endpointFor(taskQueue: string): TaskQueueEndpoint | undefined {
    if (!this.#endpoints.has(taskQueue)) this.#endpoints.set(taskQueue, this.#endpointOf(taskQueue));
    return this.#endpoints.get(taskQueue);
  }

  /** Whether the task's payloads fit in an RPC call (measured only where the host allows larger ones). */
  #fitsCall(task: ActivityTask): boolean {
    const limit = this.#callPayloadLimit;
    return limit === undefined || payloadSize(task.input) + payloadSize(task.arguments) + payloadSize(task.heartbeatDetails) <= limit;
  }

  /**
   * The attempt as an RPC call. No signal aborts a call: the attempt stops waiting for it, and the activity hears of
   * it when it reads its signal, through `hungUp` (true once aborted; false when the attempt ends otherwise).
   */
  async #call(entrypoint: ActivityEntrypointRpc, request: ActivityCallRequest, signal: AbortSignal): Promise<ReplyOutcome | typeof COMPLETES_LATER> {
    if (signal.aborted) throw signal.reason;
    let over!: (hungUp: boolean) => void;
    const hungUp = new Promise<boolean>((resolve) => (over = resolve));
    const aborted = new Promise<never>((_, reject) => {
      signal.addEventListener('abort', () => {
        over(true);
        reject(signal.reason);
      }, { once: true });
    });
    try {
      const call = entrypoint.attempt(request, () => hungUp);
      call.catch(() => undefined); // given up on after an abort: what it ends with is nobody's
      const outcome = readCallReply(await Promise.race([call, aborted]), this.#maxPayloadBytes);
      return outcome === ACCEPTED ? COMPLETES_LATER : outcome;
    } finally {
      over(false);
    }
  }

  /** Aborts an attempt's HTTP call (timed out or cancelled). */
  abort(runId: string, activityId: string, attempt: number): void {
    this.#inFlight.get(attemptKey(runId, activityId, attempt))?.abort();
  }

  async #acquire(taskQueue: string, limit: number): Promise<void> {
    while ((this.#running.get(taskQueue) ?? 0) >= limit) {
      await new Promise<void>((resolve) => {
        const list = this.#waiting.get(taskQueue) ?? [];
        list.push(resolve);
        this.#waiting.set(taskQueue, list);
      });
    }
    this.#running.set(taskQueue, (this.#running.get(taskQueue) ?? 0) + 1);
  }

  #release(taskQueue: string): void {
    this.#running.set(taskQueue, (this.#running.get(taskQueue) ?? 1) - 1);
    this.#waiting.get(taskQueue)?.shift()?.();
  }
}

function labelOf(endpoint: TaskQueueEndpoint): EndpointLabel {
  return endpoint.label ?? { name: `URL ${endpoint.url}`, remedy: 'Check that the address is right and that its server is up.' };
}

export function attemptKey(runId: string, activityId: string, attempt: number): string {
  return `${runId}/${activityId}/${attempt}`;
}

async function readReply(response: Response, maxPayloadBytes: number | undefined): Promise<ReplyOutcome | typeof COMPLETES_LATER> {
  const reply = await readActivityReply(response, maxPayloadBytes);
  return reply === ACCEPTED ? COMPLETES_LATER : reply;
}

export { parseRetryAfter } from '../src/protocol/activity-reply';
