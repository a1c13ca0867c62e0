// Temporal's `Trigger`: a promise whose `resolve` and `reject` are its own methods, for a signal handler to wake the
// workflow with. Made in a cancellable scope, it rejects when that scope is cancelled, as Temporal's does.
import { CancellationScope } from './cancellation-scope';

export class Trigger<T> implements PromiseLike<T> {
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
  readonly #promise: Promise<T>;

  constructor() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    this.#promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.resolve = resolve;
    this.reject = reject;
    const scope = CancellationScope.current();
    // Settled, it lets go of the scope: a loop of Triggers in a long run leaves nothing behind.
    const release = scope.cancellable ? scope.whenCancelled(reject) : undefined;
    // Left unawaited (a race lost to a timer), a rejection must not count as unhandled workflow code.
    this.#promise.then(release, () => release?.());
  }

  // oxlint-disable-next-line unicorn/no-thenable -- awaited as a promise, as Temporal's Trigger is
  then<R1 = T, R2 = never>(onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null, onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null): Promise<R1 | R2> {
    return this.#promise.then(onfulfilled, onrejected);
  }
}
