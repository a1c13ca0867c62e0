// Activity attempts of the browser host: in-page functions (with a real clock), or a POST to the task queue's
// server. Outcomes go to whichever run object holds the run id when the attempt ends.
import type { ActivityImplementations } from '../core/activity';
import { ApplicationFailure, toFailureInfo } from '../core/failure';
import type { ReplyOutcome } from '../protocol/activity-reply';
import { activityInfoOf, createRealClock, runActivityAttempt, type ActivityTask, type HostClock } from '../core/internals';
import { sendRemoteAttempt, type ActivityHeadersHook, type RemoteTaskQueue } from './remote-activity';

/** Real time, with attempt deadlines on one timer queue (a page has one event loop: one queue serves it). */
export const realClock: HostClock = createRealClock();

export interface AttemptTarget {
  heartbeat(details: unknown): { cancelRequested: boolean } | undefined;
  /** A line an in-page attempt's `ctx.log` wrote, for its run's kept lines. */
  keepLog(text: string): void;
  /** The outcome, with the lines an activity server sent back with it. */
  report(outcome: ReplyOutcome): void;
}

export class ActivityAttempts {
  readonly #activities: ActivityImplementations;
  readonly #taskQueues: Record<string, RemoteTaskQueue>;
  readonly #headers: ActivityHeadersHook | undefined;
  readonly #fetch: typeof fetch;
  /** The host's payload limit when it has a blob store: sent with every task, and the cap of remote replies. */
  readonly #maxPayloadBytes: number | undefined;
  /** Attempts in flight, by run, activity and attempt. */
  readonly #inFlight = new Map<string, AbortController>();

  constructor(options: { activities: ActivityImplementations; taskQueues: Record<string, RemoteTaskQueue>; headers: ActivityHeadersHook | undefined; fetch: typeof fetch; maxPayloadBytes?: number | undefined }) {
    this.#activities = options.activities;
    this.#taskQueues = options.taskQueues;
    this.#headers = options.headers;
    this.#fetch = options.fetch;
    this.#maxPayloadBytes = options.maxPayloadBytes;
  }

  /** Runs one attempt; `target` is asked for heartbeats and given the outcome (it may drop a stale one). */
  dispatch(dispatched: ActivityTask, target: AttemptTarget): void {
    const task = this.#maxPayloadBytes === undefined ? dispatched : { ...dispatched, maxPayloadBytes: this.#maxPayloadBytes };
    const key = attemptKey(task.runId, task.activityId, task.attempt);
    const controller = new AbortController();
    this.#inFlight.set(key, controller);
    const remote = Object.hasOwn(this.#taskQueues, task.taskQueue) ? this.#taskQueues[task.taskQueue] : undefined;
    const attempt: Promise<ReplyOutcome> = remote
      ? sendRemoteAttempt(remote, task, controller.signal, this.#headers, this.#fetch)
      : runActivityAttempt(this.#activities, realClock, activityInfoOf(task, ''), task, task.heartbeatDetails, controller, {
        heartbeat: (details) => target.heartbeat(details),
        onProgress: () => undefined,
        keepLog: (text) => target.keepLog(text),
      }).then((outcome) => outcome ?? {
        failure: toFailureInfo(ApplicationFailure.nonRetryable('The browser host does not support asynchronous completion (ctx.doNotCompleteOnReturn()) of in-page activities', 'NotSupportedInBrowser')),
      });
    void attempt.then((outcome) => {
      if (this.#inFlight.get(key) !== controller) return; // aborted by abortAll: the context is gone
      this.#inFlight.delete(key);
      target.report(outcome);
    });
  }

  /** Aborts an attempt (timed out, cancelled, or its run closed). */
  abort(runId: string, activityId: string, attempt: number): void {
    this.#inFlight.get(attemptKey(runId, activityId, attempt))?.abort();
  }

  isInFlight(runId: string, activityId: string, attempt: number): boolean {
    return this.#inFlight.has(attemptKey(runId, activityId, attempt));
  }

  abortAll(): void {
    for (const controller of this.#inFlight.values()) controller.abort();
    this.#inFlight.clear();
  }
}

function attemptKey(runId: string, activityId: string, attempt: number): string {
  return `${runId}/${activityId}/${attempt}`;
}
