// What Temporal's sandbox gives workflow code, without a sandbox: inside workflow code (ambient.ts), `Math.random` is
// the run's seeded random, `Date.now()` and `new Date()` are workflow time, and `setTimeout`/`clearTimeout` are
// durable timers; a rejection nobody handles is the run's, not the process's. Everywhere else the globals are the real
// ones, unchanged. Installed once per JavaScript realm, by the first activator of the first copy of Duro, and only where
// the runtime has an async context to tell the two apart (Node; workerd with `nodejs_compat`). Every copy (a user's
// bundle, the CLI's) shares the one async context of the realm (ambient.ts), so one installation serves them all.
import { currentWorkflow, hasAsyncContext, type AmbientWorkflow } from './ambient';

/** The globals as they were before any guard, for what must not be workflow time or draw from a run's sequence. */
export interface RealGlobals {
  random(): number;
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

interface SharedGuards {
  real: RealGlobals;
}

const sharedKey = Symbol.for('duro.determinismGuards');
const realAtLoad = captureReal();
let registered = false;

function shared(): SharedGuards | undefined {
  return (globalThis as Record<symbol, SharedGuards | undefined>)[sharedKey];
}

/** The real globals: captured by the installation, or, before there is one, when this module loaded. */
export function realGlobals(): RealGlobals {
  return shared()?.real ?? realAtLoad;
}

/** Installs the guards if this runtime can support them (once per realm); says whether they are on. */
export function installDeterminismGuards(): boolean {
  if (registered) return true;
  if (!hasAsyncContext()) return false;
  registered = true;
  if (shared()) return true; // another copy of Duro installed them
  (globalThis as Record<symbol, SharedGuards>)[sharedKey] = { real: captureReal() };
  guardRandom(currentWorkflow);
  guardDate(currentWorkflow);
  guardTimers(currentWorkflow);
  catchUnhandledRejections(currentWorkflow);
  return true;
}

function captureReal(): RealGlobals {
  const random = Math.random;
  const now = Date.now.bind(Date);
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  return {
    random,
    now,
    setTimeout: (callback, ms) => Reflect.apply(realSetTimeout, globalThis, [callback, ms]),
    clearTimeout: (id) => void Reflect.apply(realClearTimeout, globalThis, [id]),
  };
}

type Current = () => AmbientWorkflow | undefined;

function guardRandom(current: Current): void {
  const realRandom = Math.random;
  Math.random = function random(): number {
    const workflow = current();
    return workflow ? workflow.ambientRandom() : realRandom();
  };
}

function guardDate(current: Current): void {
  const RealDate = globalThis.Date;
  const realNow = RealDate.now.bind(RealDate);
  RealDate.now = function now(): number {
    const workflow = current();
    return workflow ? workflow.ambientNow() : realNow();
  };
  // A proxy keeps `Date.prototype`, `instanceof Date` and every static method as they were; only `new Date()` and
  // `Date()` without arguments read the workflow's clock.
  const WorkflowAwareDate: DateConstructor = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget): object {
      const workflow = args.length === 0 ? current() : undefined;
      return Reflect.construct(target, workflow ? [workflow.ambientNow()] : args, newTarget === WorkflowAwareDate ? target : newTarget);
    },
    apply(target, thisArg, args: unknown[]) {
      const workflow = current();
      return workflow ? new target(workflow.ambientNow()).toString() : Reflect.apply(target, thisArg, args);
    },
  });
  // `date.constructor === Date` stays true for dates made before and after.
  Object.defineProperty(RealDate.prototype, 'constructor', { value: WorkflowAwareDate, writable: true, configurable: true });
  globalThis.Date = WorkflowAwareDate;
}

function guardTimers(current: Current): void {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  const workflowSetTimeout = function setTimeout(callback: unknown, ms?: number, ...args: unknown[]): unknown {
    const workflow = current();
    if (!workflow) return Reflect.apply(realSetTimeout, globalThis, [callback, ms, ...args]);
    if (typeof callback !== 'function') throw new TypeError('setTimeout in workflow code takes a function');
    return workflow.ambientSetTimeout(() => callback(...args), Number(ms) || 0);
  };
  const workflowClearTimeout = function clearTimeout(id: unknown): void {
    const workflow = current();
    if (workflow) return workflow.ambientClearTimeout(id);
    Reflect.apply(realClearTimeout, globalThis, [id]);
  };
  globalThis.setTimeout = workflowSetTimeout as typeof globalThis.setTimeout;
  globalThis.clearTimeout = workflowClearTimeout as typeof globalThis.clearTimeout;
}

/** Promises reported unhandled, to the workflow that owns each: a handler attached later takes the report back. */
const reported = new WeakMap<Promise<unknown>, AmbientWorkflow>();

function catchUnhandledRejections(current: Current): void {
  const onUnhandled = (reason: unknown, promise: Promise<unknown> | undefined): boolean => {
    const workflow = current(); // the runtimes report a rejection in the async context of its promise
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
    // Not workflow code's: with no listener but this one, Node would have applied its --unhandled-rejections mode.
    if (process.listenerCount('unhandledRejection') === 1) applyNodeDefault(process, reason);
  });
  process.on('rejectionHandled', (promise: Promise<unknown>) => onHandled(promise));
}

/** What Node does with an unhandled rejection nobody listens for, by its `--unhandled-rejections` mode. */
function applyNodeDefault(process: NodeProcessLike, reason: unknown): void {
  const options = [...(process.execArgv ?? []), ...(process.env?.NODE_OPTIONS?.split(/\s+/) ?? [])];
  const mode = options.reverse().find((option) => option.startsWith('--unhandled-rejections='))?.split('=')[1] ?? 'throw';
  if (mode === 'none') return;
  if (mode === 'warn' || mode === 'warn-with-error-code') {
    process.emitWarning(`Unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
    if (mode === 'warn-with-error-code') process.exitCode = 1;
    return;
  }
  if (reason instanceof Error) throw reason;
  const error = new Error(`This error originated either by throwing inside of an async function without a catch block, or by rejecting a promise which was not handled with .catch(). The promise rejected with the reason "${String(reason)}".`);
  (error as Error & { code?: string }).code = 'ERR_UNHANDLED_REJECTION';
  throw error;
}

interface PromiseRejectionLike {
  reason: unknown;
  promise: Promise<unknown>;
  preventDefault(): void;
}

interface NodeProcessLike {
  on(event: string, listener: (...args: any[]) => void): void;
  listenerCount(event: string): number;
  emitWarning(warning: string): void;
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  exitCode?: number | string;
}
