// Cancellation scopes (Temporal's model), reached through ctx instead of async-local storage:
// `CancellationScope.nonCancellable(ctx, (ctx) => ...)` hands the callback a context bound to the new scope.
import { runInScope } from './ambient';
import { brandClass } from './brand';
import type { WorkflowContext } from './context';
import { toMs, type Duration } from './duration';
import { CancelledFailure } from './failure';

/** Builds the context view bound to a scope. Each activator supplies its own. */
export type ScopedContextFactory = (scope: CancellationScope) => WorkflowContext;

const rootToken = Symbol('root scope');

/**
 * Where a scope keeps the factory of its context view. A `Symbol.for` key, not a `#private` field: a scope made
 * by a user's copy of Duro (their bundle imports `duro/workflow`) has a parent made by the engine's copy (the
 * CLI's, a test runner's), and one copy cannot read another's private fields (test/unit/package/two-copies.test.ts).
 */
const contextFactoryKey = Symbol.for('duro.CancellationScope.contextFactory');

/** What a scope asks of the engine that made its root: which recorded engine fixes apply (engine-flags.ts). */
export interface ScopeEngine {
  /** Whether a cancellable scope keeps following its parent's cancellation after `run()` settles. */
  scopeOutlivesRun(): boolean;
  /** Whether `cancel()` on a non-cancellable scope leaves its work and child scopes running. */
  nonCancellableIgnoresCancel(): boolean;
  /** Whether a scope with nothing left in it (its `run()` settled, its work settled) stops listening to its parent. */
  releasesIdleScopes(): boolean;
}

/** @internal Tests only: reads how many listeners a scope holds. */
export const listenerCountKey = Symbol.for('duro.CancellationScope.listenerCount');

/** Where a scope keeps its engine, by the same `Symbol.for` rule as the context factory. */
const engineKey = Symbol.for('duro.CancellationScope.engine');

/**
 * A tree of scopes: cancelling one cancels the work started in it and in its cancellable children.
 * @example
 * try {
 *   await charge(order);
 * } catch (err) {
 *   // cleanup still runs when the workflow itself is being cancelled
 *   await CancellationScope.nonCancellable(ctx, (ctx) => ctx.proxyActivities<typeof acts>(opts).refund(order));
 *   throw err;
 * }
 */
export class CancellationScope {
  static {
    brandClass(this, 'CancellationScope');
  }

  readonly parent: CancellationScope | undefined;
  /** False for scopes shielded from their parent's cancellation. */
  readonly cancellable: boolean;
  declare readonly [contextFactoryKey]: ScopedContextFactory;
  declare readonly [engineKey]: ScopeEngine | undefined;
  readonly #listeners = new Set<(failure: CancelledFailure) => void>();
  #failure: CancelledFailure | undefined;

  /** Creates a child scope of `ctx`'s scope; use `run` to do work in it and `cancel` to stop it. */
  constructor(ctx: WorkflowContext, options?: { cancellable?: boolean });
  /** @internal root scope of an activator */
  constructor(ctx: typeof rootToken, options: { factory: ScopedContextFactory; engine?: ScopeEngine });
  constructor(ctx: WorkflowContext | typeof rootToken, options: { cancellable?: boolean; factory?: ScopedContextFactory; engine?: ScopeEngine } = {}) {
    if (ctx === rootToken) {
      this.parent = undefined;
      this.cancellable = true;
      Object.defineProperty(this, contextFactoryKey, { value: options.factory! });
      Object.defineProperty(this, engineKey, { value: options.engine });
      return;
    }
    const parent = ctx.cancellationScope;
    this.parent = parent;
    this.cancellable = options.cancellable ?? true;
    Object.defineProperty(this, contextFactoryKey, { value: parent[contextFactoryKey] });
    Object.defineProperty(this, engineKey, { value: parent[engineKey] });
    if (this.cancellable) {
      if (parent.cancellationFailure) this.#failure = parent.cancellationFailure;
      else {
        // Propagate the parent's cancellation for as long as this scope lives (work started in it may outlive run()).
        const unsubscribe = parent.onCancel((failure) => this.#cancelWith(failure));
        this.#unsubscribeFromParent = unsubscribe;
      }
    }
  }

  #unsubscribeFromParent: (() => void) | undefined;
  /** `run()` calls not settled yet. */
  #running = 0;
  /**
   * Let go of its parent while idle (see `#releaseIfIdle`): it then reads the parent's cancellation when asked, and
   * listens again when work starts in it.
   */
  #released = false;

  /** @internal */
  static createRoot(factory: ScopedContextFactory, engine?: ScopeEngine): CancellationScope {
    return new CancellationScope(rootToken, engine ? { factory, engine } : { factory });
  }

  /** Runs `fn` in a new cancellable child scope of `ctx`'s scope. */
  static cancellable<T>(ctx: WorkflowContext, fn: (ctx: WorkflowContext) => Promise<T>): Promise<T> {
    return new CancellationScope(ctx, { cancellable: true }).run(fn);
  }

  /** Runs `fn` shielded from cancellation of the enclosing scopes: cleanup and compensation go here. */
  static nonCancellable<T>(ctx: WorkflowContext, fn: (ctx: WorkflowContext) => Promise<T>): Promise<T> {
    return new CancellationScope(ctx, { cancellable: false }).run(fn);
  }

  /** Runs `fn` in a cancellable scope that is cancelled when `timeout` passes first (a durable timer). */
  static async withTimeout<T>(ctx: WorkflowContext, timeout: Duration, fn: (ctx: WorkflowContext) => Promise<T>): Promise<T> {
    const timeoutMs = toMs(timeout, 'withTimeout');
    const scope = new CancellationScope(ctx, { cancellable: true });
    const timerScope = new CancellationScope(ctx, { cancellable: true });
    timerScope
      .run((timerCtx) => timerCtx.sleep(timeoutMs))
      .then(
        () => scope.cancel(new CancelledFailure(`timed out after ${timeoutMs} ms`)),
        () => undefined, // timer cancelled because fn finished first
      );
    try {
      return await scope.run(fn);
    } finally {
      timerScope.cancel();
    }
  }

  /** True once this scope is cancelled. A non-cancellable scope never is, even after its own `cancel()` (Temporal's rule). */
  get consideredCancelled(): boolean {
    return this.cancellationFailure !== undefined;
  }

  /** The failure operations in this scope reject with once it is cancelled. */
  get cancellationFailure(): CancelledFailure | undefined {
    return this.#failure ?? (this.#released ? this.parent?.cancellationFailure : undefined);
  }

  /** Runs `fn` with a context bound to this scope. */
  async run<T>(fn: (ctx: WorkflowContext) => Promise<T>): Promise<T> {
    this.#running++;
    this.#listenAgain();
    try {
      const ctx = this[contextFactoryKey](this);
      // The scope is also the current one for code that has no `ctx` to pass (a facade's free functions, ambient.ts).
      return await runInScope(ctx, () => fn(ctx));
    } finally {
      // Work started here and awaited outside (a timer, an activity) is still this scope's: it stays cancellable with
      // the parent, as in Temporal. Histories recorded before that rule replay with the scope let go here.
      this.#running--;
      if (this.#unsubscribeFromParent && !this[engineKey]?.scopeOutlivesRun()) {
        this.#unsubscribeFromParent();
        this.#unsubscribeFromParent = undefined;
      } else this.#releaseIfIdle();
    }
  }

  /**
   * Cancels this scope and its cancellable children. Idempotent. On a non-cancellable scope it does nothing: as in
   * Temporal (`consideredCancelled` is `cancelRequested && cancellable`), work there is shielded from every cancel,
   * its own included. Histories recorded before that rule replay with the scope cancelled (engine-flags.ts).
   */
  cancel(failure: CancelledFailure = new CancelledFailure('cancelled')): void {
    if (!this.cancellable && this[engineKey]?.nonCancellableIgnoresCancel()) return;
    this.#listenAgain(); // a released scope takes its parent's cancellation first, if one came
    this.#cancelWith(failure);
  }

  /** @internal Tests only: how many listeners the scope holds (its pending work and the child scopes that follow it). */
  get [listenerCountKey](): number {
    return this.#listeners.size;
  }

  /** Calls `listener` once when the scope is cancelled (at once if it already is); returns an unsubscribe function. */
  onCancel(listener: (failure: CancelledFailure) => void): () => void {
    this.#listenAgain();
    if (this.#failure) {
      listener(this.#failure);
      return () => undefined;
    }
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
      this.#releaseIfIdle();
    };
  }

  /**
   * Nothing runs in this scope any more and nothing in it awaits (its work settled and took its listeners back): it
   * stops listening to its parent, so a long run's root does not keep every scope it ever made (a scope per
   * `setTimeout` in workflow code, per `CancellationScope.run` in a loop). Under an engine flag: a scope that listens
   * again later is its parent's last listener, which orders cancellations differently from histories before.
   */
  #releaseIfIdle(): void {
    if (this.#running > 0 || this.#listeners.size > 0 || !this.#unsubscribeFromParent || this.#failure) return;
    if (!this[engineKey]?.releasesIdleScopes()) return;
    this.#unsubscribeFromParent();
    this.#unsubscribeFromParent = undefined;
    this.#released = true;
  }

  /** Work starts in a released scope: it follows its parent's cancellation again (or takes the one that came). */
  #listenAgain(): void {
    if (!this.#released) return;
    this.#released = false;
    const parent = this.parent!;
    if (parent.cancellationFailure) this.#cancelWith(parent.cancellationFailure);
    else this.#unsubscribeFromParent = parent.onCancel((failure) => this.#cancelWith(failure));
  }

  #cancelWith(failure: CancelledFailure): void {
    if (this.#failure) return;
    this.#failure = failure;
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    for (const listener of listeners) listener(failure);
  }
}
