// Which workflow's code is running right now, for what cannot be handed a `ctx`: `Math.random`, `Date`, `setTimeout`
// and unhandled rejections (determinism-guards.ts). Without a sandbox, the only faithful answer is an async context
// that follows workflow code across its awaits: `AsyncLocalStorage`, which Node has and workerd has with the
// `nodejs_compat` flag. Found through `process.getBuiltinModule`, so nothing here imports `node:*` and the core still
// loads in a browser, where there is no such context: there, no code counts as workflow code (docs/programming-model.md).

/** What the guards ask of the workflow whose code is running (the activator). */
export interface AmbientWorkflow {
  /** Workflow time, in ms since the epoch. */
  ambientNow(): number;
  /** The run's seeded random source. */
  ambientRandom(): number;
  /** A durable timer that calls `callback` when it fires; returns its id. */
  ambientSetTimeout(callback: () => void, ms: number): unknown;
  ambientClearTimeout(id: unknown): void;
  /** A promise of workflow code was rejected with no handler (`promise` identifies it if a handler comes later). */
  unhandledRejection(reason: unknown, promise: Promise<unknown> | undefined): void;
  /** A handler was attached to a promise reported by `unhandledRejection`. */
  rejectionHandled(promise: Promise<unknown>): void;
}

interface AsyncContextStorage<T> {
  run<R>(store: T | undefined, fn: () => R): R;
  getStore(): T | undefined;
}

type AsyncLocalStorageClass = new <T>() => AsyncContextStorage<T>;

let storage: AsyncContextStorage<AmbientWorkflow> | null | undefined;

function contextStorage(): AsyncContextStorage<AmbientWorkflow> | null {
  if (storage !== undefined) return storage;
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  let Storage: AsyncLocalStorageClass | undefined;
  try {
    // The bare name, which Node and workerd both take: a `node:` string would read as an import to a browser bundle's checks.
    Storage = (process?.getBuiltinModule?.('async_hooks') as { AsyncLocalStorage?: AsyncLocalStorageClass } | undefined)?.AsyncLocalStorage;
  } catch {
    Storage = undefined; // a runtime that lists the function but refuses the module
  }
  storage = Storage ? new Storage<AmbientWorkflow>() : null;
  return storage;
}

/** Whether this runtime can tell workflow code apart across awaits (false in browsers, and in Workers without `nodejs_compat`). */
export function hasAsyncContext(): boolean {
  return contextStorage() !== null;
}

/** Runs `fn` as code of `workflow`: it and everything it awaits see `workflow` as the current one. */
export function runAsWorkflow<T>(workflow: AmbientWorkflow, fn: () => T): T {
  const context = contextStorage();
  return context ? context.run(workflow, fn) : fn();
}

/** Runs `fn` as engine or host code, even when called from workflow code (a side effect's function, a run's queue). */
export function runOutsideWorkflow<T>(fn: () => T): T {
  const context = contextStorage();
  return context && context.getStore() !== undefined ? context.run(undefined, fn) : fn();
}

/** The workflow whose code is running, if any. */
export function currentWorkflow(): AmbientWorkflow | undefined {
  return storage ? storage.getStore() : undefined;
}
