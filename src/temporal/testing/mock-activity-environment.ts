// `@temporalio/testing`'s MockActivityEnvironment: runs one activity function outside any workflow, with a context
// of its own (`Context.current()` works in it), heartbeats reported as events, and a cancel the test triggers.
import type { ActivityContext } from '../../core/activity';
import { callActivity } from '../../core/activity-ambient';
import { activityLog } from '../../core/activity-log';
import { CancelledFailure } from '../../core/failure';
import { mockActivityInfo, type MockActivityInfo } from './mock-activity-info';

export type { MockActivityInfo };

type HeartbeatListener = (details: unknown) => void;

export class MockActivityEnvironment {
  readonly #controller = new AbortController();
  readonly #listeners = new Set<HeartbeatListener>();
  readonly #context: ActivityContext;

  constructor(info: MockActivityInfo = {}) {
    const signal = this.#controller.signal;
    const activityInfo = mockActivityInfo(info, Date.now());
    this.#context = {
      info: activityInfo,
      log: activityLog(activityInfo),
      heartbeatDetails: info.heartbeatDetails,
      cancellationSignal: signal,
      heartbeat: (details) => {
        for (const listener of this.#listeners) listener(details);
      },
      sleep: (ms) => new Promise<void>((resolve, reject) => {
        if (signal.aborted) return reject(signal.reason);
        const timer = setTimeout(resolve, ms);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      }),
      doNotCompleteOnReturn: () => undefined,
    };
  }

  /** Calls `listener` with the details of each heartbeat (Temporal's `on('heartbeat', …)`). */
  on(event: 'heartbeat', listener: HeartbeatListener): this {
    if (event === 'heartbeat') this.#listeners.add(listener);
    return this;
  }

  /** Cancels the activity: its `cancellationSignal` aborts and `Context.current().cancelled` rejects. */
  cancel(reason = 'Activity cancelled'): void {
    this.#controller.abort(new CancelledFailure(reason));
  }

  /** Runs `fn` with `args` as the activity's positional arguments, `Context.current()` set to this environment's. */
  async run<P extends unknown[], R>(fn: (...args: P) => R | Promise<R>, ...args: P): Promise<Awaited<R>> {
    return (await callActivity(fn as never, args, 'positional', this.#context)) as Awaited<R>;
  }
}
