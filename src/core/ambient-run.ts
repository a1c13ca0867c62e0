// One run as its workflow code's globals see it (determinism-guards.ts): workflow time for `Date`, the run's seeded
// random for `Math.random`, durable timers for `setTimeout`, and the rejections its code leaves unhandled. Only while
// an activation of the run is going on (or one of its queries or validators runs): a real timer or interval that
// workflow code started keeps the async context after it, and its callback, between activations, gets the real
// globals. Runs recorded before the guards existed replay with the real ones (`EngineFlag.AmbientGlobals`).
import type { AmbientWorkflow } from './ambient';
import { CancellationScope } from './cancellation-scope';
import type { WorkflowContext } from './context';
import { realGlobals } from './determinism-guards';
import { EngineFlag, type EngineFlags } from './engine-flags';

/** What the ambient run reads of its activator. */
export interface AmbientRunHost {
  now(): number;
  isReplaying(): boolean;
  completed(): boolean;
  readonly flags: EngineFlags;
  /** True while a query or an update validator runs: history does not replay those, so they draw nothing seeded. */
  isReadOnly(): boolean;
  /** The next value of the run's seeded random, as `ctx.random()`. */
  drawRandom(): number;
  startTimer(scope: CancellationScope, durationMs: number): Promise<void>;
  /** The context of the run's root scope: workflow-code timers are its children, cancelled with the workflow. */
  rootContext(): WorkflowContext;
}

export class AmbientRun implements AmbientWorkflow {
  readonly #host: AmbientRunHost;
  #activating = false;
  /** Promises of workflow code rejected with no handler in this activation, live; one still here at its end fails it. */
  readonly #unhandled = new Map<Promise<unknown> | symbol, unknown>();
  /** `setTimeout` timers of workflow code, by the id it returned: the scope clearTimeout cancels. */
  readonly #timeoutScopes = new Map<number, CancellationScope>();
  #lastTimeoutId = 0;

  constructor(host: AmbientRunHost) {
    this.#host = host;
  }

  beginActivation(): void {
    this.#activating = true;
    this.#unhandled.clear();
  }

  /** The activation ended: returns a rejection its code left unhandled (live), if any. */
  endActivation(): { reason: unknown } | undefined {
    this.#activating = false;
    const [first] = this.#unhandled.values();
    const unhandled = this.#unhandled.size > 0 ? { reason: first } : undefined;
    this.#unhandled.clear();
    return unhandled;
  }

  ambientNow(): number {
    return this.#guards() ? this.#host.now() : realGlobals().now();
  }

  ambientRandom(): number {
    return this.#guards() && !this.#host.isReadOnly() ? this.#host.drawRandom() : realGlobals().random();
  }

  ambientSetTimeout(callback: () => void, ms: number): unknown {
    if (!this.#guards()) return realGlobals().setTimeout(callback, ms);
    const id = ++this.#lastTimeoutId;
    const scope = new CancellationScope(this.#host.rootContext(), { cancellable: true });
    this.#timeoutScopes.set(id, scope);
    this.#host.startTimer(scope, ms).then(
      () => {
        this.#timeoutScopes.delete(id);
        callback(); // a callback that throws rejects this promise, which nobody handles: the workflow task fails
      },
      () => this.#timeoutScopes.delete(id),
    );
    return id;
  }

  ambientClearTimeout(id: unknown): void {
    const scope = typeof id === 'number' ? this.#timeoutScopes.get(id) : undefined;
    if (!scope) return realGlobals().clearTimeout(id); // a real timer of this code, from before the guards or between activations
    this.#timeoutScopes.delete(id as number);
    scope.cancel();
  }

  unhandledRejection(reason: unknown, promise: Promise<unknown> | undefined): void {
    // Replay re-runs activations that completed; outside an activation (a query's leftovers) nothing may fail one.
    if (!this.#activating || this.#host.isReplaying() || this.#host.completed()) return;
    this.#unhandled.set(promise ?? Symbol('unidentified promise'), reason);
  }

  rejectionHandled(promise: Promise<unknown>): void {
    this.#unhandled.delete(promise);
  }

  /** Whether the globals are this run's now: within its activations and read-only handlers, once it records the flag. */
  #guards(): boolean {
    return (this.#activating || this.#host.isReadOnly()) && this.#host.flags.use(EngineFlag.AmbientGlobals, this.#host.isReplaying());
  }
}
