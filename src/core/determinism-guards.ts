// What Temporal's sandbox gives workflow code, without a sandbox: inside workflow code (ambient.ts), `Math.random` is
// the run's seeded random, `Date.now()` and `new Date()` are workflow time, and `setTimeout`/`clearTimeout` are
// durable timers; a rejection nobody handles is the run's, not the process's. Everywhere else the globals are the real
// ones, unchanged. Installed once, by the first activator, only where the runtime has an async context to tell the two
// apart (Node; workerd with `nodejs_compat`).
import { currentWorkflow, hasAsyncContext, type AmbientWorkflow } from './ambient';

let installed = false;

/** `Math.random` as it was before the guards: for what must not draw from a run's seeded sequence. */
export const realRandom: () => number = Math.random;

/** Installs the guards if this runtime can support them; says whether they are on. */
export function installDeterminismGuards(): boolean {
  if (installed) return true;
  if (!hasAsyncContext()) return false;
  installed = true;
  guardRandom();
  guardDate();
  guardTimers();
  catchUnhandledRejections();
  return true;
}

function guardRandom(): void {
  Math.random = function random(): number {
    const workflow = currentWorkflow();
    return workflow ? workflow.ambientRandom() : realRandom();
  };
}

function guardDate(): void {
  const RealDate = globalThis.Date;
  const realNow = RealDate.now.bind(RealDate);
  RealDate.now = function now(): number {
    const workflow = currentWorkflow();
    return workflow ? workflow.ambientNow() : realNow();
  };
  // A proxy keeps `Date.prototype`, `instanceof Date` and every static method as they were; only `new Date()` and
  // `Date()` without arguments read the workflow's clock.
  const WorkflowAwareDate: DateConstructor = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget): object {
      const workflow = args.length === 0 ? currentWorkflow() : undefined;
      return Reflect.construct(target, workflow ? [workflow.ambientNow()] : args, newTarget === WorkflowAwareDate ? target : newTarget);
    },
    apply(target, thisArg, args: unknown[]) {
      const workflow = currentWorkflow();
      return workflow ? new target(workflow.ambientNow()).toString() : Reflect.apply(target, thisArg, args);
    },
  });
  // `date.constructor === Date` stays true for dates made before and after.
  Object.defineProperty(RealDate.prototype, 'constructor', { value: WorkflowAwareDate, writable: true, configurable: true });
  globalThis.Date = WorkflowAwareDate;
}

function guardTimers(): void {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const workflowSetTimeout = function setTimeout(callback: unknown, ms?: number, ...args: unknown[]): unknown {
    const workflow = currentWorkflow();
    if (!workflow) return Reflect.apply(realSetTimeout, globalThis, [callback, ms, ...args]);
    if (typeof callback !== 'function') throw new TypeError('setTimeout in workflow code takes a function');
    return workflow.ambientSetTimeout(() => callback(...args), Number(ms) || 0);
  };
  const workflowClearTimeout = function clearTimeout(id: unknown): void {
    const workflow = currentWorkflow();
    if (workflow && typeof id === 'number') return workflow.ambientClearTimeout(id);
    Reflect.apply(realClearTimeout, globalThis, [id]);
  };
  globalThis.setTimeout = workflowSetTimeout as typeof globalThis.setTimeout;
  globalThis.clearTimeout = workflowClearTimeout as typeof globalThis.clearTimeout;
}

/** Promises reported unhandled, to the workflow that owns each: a handler attached later takes the report back. */
const reported = new WeakMap<Promise<unknown>, AmbientWorkflow>();

function catchUnhandledRejections(): void {
  const onUnhandled = (reason: unknown, promise: Promise<unknown> | undefined): boolean => {
    const workflow = currentWorkflow(); // the runtimes report a rejection in the async context of its promise
    if (!workflow) return false;
    if (promise) reported.set(promise, workflow);
    workflow.unhandledRejection(reason, promise);
    return true;
  };
  const onHandled = (promise: Promise<unknown>): void => {
    const workflow = reported.get(promise);
    if (!workflow) return;
    reported.delete(promise);
    workflow.rejectionHandled(promise);
  };
  const target = globalThis as { addEventListener?: (type: string, listener: (event: PromiseRejectionLike) => void) => void };
  if (typeof target.addEventListener === 'function') {
    // workerd (and browsers, where the guards are not installed): the web's events.
    target.addEventListener('unhandledrejection', (event) => {
      if (onUnhandled(event.reason, event.promise)) event.preventDefault();
    });
    target.addEventListener('rejectionhandled', (event) => onHandled(event.promise));
    return;
  }
  const process = (globalThis as { process?: NodeProcessLike }).process;
  if (!process?.on) return;
  process.on('unhandledRejection', (reason: unknown, promise: Promise<unknown>) => {
    if (onUnhandled(reason, promise)) return;
    // Not workflow code's: with no other listener, Node would have ended the process; so it still does.
    if (process.listenerCount('unhandledRejection') === 1) throw reason;
  });
  process.on('rejectionHandled', (promise: Promise<unknown>) => onHandled(promise));
}

interface PromiseRejectionLike {
  reason: unknown;
  promise: Promise<unknown>;
  preventDefault(): void;
}

interface NodeProcessLike {
  on(event: string, listener: (...args: any[]) => void): void;
  listenerCount(event: string): number;
}
