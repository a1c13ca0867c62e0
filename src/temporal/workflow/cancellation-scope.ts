// Temporal's `CancellationScope`, found without a `ctx`: the current scope is the async context's (core/ambient.ts),
// so `CancellationScope.nonCancellable(async () => { await cleanup() })` shields the activities its callback calls
// through module-level proxies, as in Temporal. Each scope wraps one of the engine's scopes.
import { CancellationScope as EngineScope } from '../../core/cancellation-scope';
import type { WorkflowContext } from '../../core/context';
import type { Duration } from '../../core/duration';
import { CancelledFailure } from '../../core/failure';
import { currentContext } from './current';

export interface CancellationScopeOptions {
  /** False shields the scope (and the work in it) from its parent's cancellation. Default true. */
  cancellable?: boolean;
  /** Default: the current scope. */
  parent?: CancellationScope;
  /** Cancels the scope when this much workflow time passes (a durable timer). */
  timeout?: Duration;
}

const wrapping = Symbol('wrap an engine scope');
const facades = new WeakMap<EngineScope, CancellationScope>();

export class CancellationScope {
  readonly #engine: EngineScope;
  #cancelRequested: Promise<never> | undefined;

  constructor(options?: CancellationScopeOptions);
  /** @internal */
  constructor(token: typeof wrapping, engine: EngineScope);
  constructor(options: CancellationScopeOptions | typeof wrapping = {}, engine?: EngineScope) {
    if (options === wrapping) {
      this.#engine = engine!;
    } else {
      const parent = options.parent ? options.parent.#engine : currentContext('new CancellationScope()').cancellationScope;
      // The engine's constructor reads only the parent's scope from the context it is given.
      this.#engine = new EngineScope({ cancellationScope: parent } as WorkflowContext, { cancellable: options.cancellable ?? true });
      if (options.timeout !== undefined) this.#cancelAfter(options.timeout);
    }
    facades.set(this.#engine, this);
  }

  /** The scope the calling workflow code runs in. */
  static current(): CancellationScope {
    return CancellationScope.#of(currentContext('CancellationScope.current()').cancellationScope);
  }

  /** Runs `fn` in a new cancellable child scope of the current one. */
  static cancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: true }).run(fn);
  }

  /** Runs `fn` shielded from cancellation of the enclosing scopes: cleanup and compensation go here. */
  static nonCancellable<T>(fn: () => Promise<T>): Promise<T> {
    return new CancellationScope({ cancellable: false }).run(fn);
  }

  /** Runs `fn` in a cancellable scope that is cancelled when `timeout` passes first. */
  static withTimeout<T>(timeout: Duration, fn: () => Promise<T>): Promise<T> {
    return EngineScope.withTimeout(currentContext('CancellationScope.withTimeout()'), timeout, () => fn());
  }

  static #of(engine: EngineScope): CancellationScope {
    return facades.get(engine) ?? new CancellationScope(wrapping, engine);
  }

  get cancellable(): boolean {
    return this.#engine.cancellable;
  }

  get parent(): CancellationScope | undefined {
    return this.#engine.parent && CancellationScope.#of(this.#engine.parent);
  }

  /** True once the scope is cancelled (and it is cancellable). */
  get consideredCancelled(): boolean {
    return this.#engine.consideredCancelled;
  }

  /** Rejects with the scope's `CancelledFailure` once it is cancelled. */
  get cancelRequested(): Promise<never> {
    if (!this.#cancelRequested) {
      this.#cancelRequested = new Promise<never>((_, reject) => this.#engine.onCancel(reject));
      this.#cancelRequested.catch(() => undefined); // awaited or not, never an unhandled rejection
    }
    return this.#cancelRequested;
  }

  /** @internal Calls `listener` when the scope is cancelled; returns what stops it (a Trigger's, once it settled). */
  whenCancelled(listener: (failure: CancelledFailure) => void): () => void {
    return this.#engine.onCancel(listener);
  }

  /** Runs `fn` in this scope: the activities, timers and children it starts belong to it. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    return this.#engine.run(() => fn());
  }

  cancel(): void {
    this.#engine.cancel(new CancelledFailure('Cancellation scope cancelled'));
  }

  #cancelAfter(timeout: Duration): void {
    const timer = new EngineScope({ cancellationScope: this.#engine } as WorkflowContext, { cancellable: true });
    timer.run((ctx) => ctx.sleep(timeout)).then(() => this.cancel(), () => undefined);
  }
}
