// Which workflow's code is running right now, for what cannot be handed a `ctx`: `Math.random`, `Date`, `setTimeout`
// and unhandled rejections (determinism-guards.ts). Without a sandbox, the only faithful answer is an async context
// that follows workflow code across its awaits: `AsyncLocalStorage`, which Node has and workerd has with the
// `nodejs_compat` flag. Found through `process.getBuiltinModule`, so nothing here imports `node:*` and the core still
// loads in a browser, where there is no such context: there, no code counts as workflow code (docs/programming-model.md).
import { sharedAsyncStorage, type AsyncContextStorage } from './async-storage';

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

/**
 * What the async context holds while workflow code runs: its workflow, and the context of the cancellation scope the
 * code runs in (a `WorkflowContext`; `unknown` here so this module imports nothing), for APIs without a `ctx` argument.
 */
interface AmbientFrame {
  readonly workflow: AmbientWorkflow;
  readonly context: unknown;
  /** The update whose validator or handler this code is part of, if any. */
  readonly update?: AmbientUpdate;
}

/** An update, as the code of its validator and handler sees it (Temporal's `currentUpdateInfo()`). */
export interface AmbientUpdate {
  readonly id: string;
  readonly name: string;
}

let storage: AsyncContextStorage<AmbientFrame> | null | undefined;

/** Shared by every copy of Duro: the copy that runs a workflow and the copy its code imports must see the same frames. */
const sharedStorageKey = Symbol.for('duro.ambientStorage');

function contextStorage(): AsyncContextStorage<AmbientFrame> | null {
  if (storage !== undefined) return storage;
  return (storage = sharedAsyncStorage<AmbientFrame>(sharedStorageKey));
}

/** Whether this runtime can tell workflow code apart across awaits (false in browsers, and in Workers without `nodejs_compat`). */
export function hasAsyncContext(): boolean {
  return contextStorage() !== null;
}

/**
 * Runs `fn` as code of `workflow` in the scope whose context is `scopeContext`: it and everything it awaits see both as
 * the current ones.
 */
export function runAsWorkflow<T>(workflow: AmbientWorkflow, scopeContext: unknown, fn: () => T): T {
  const context = contextStorage();
  if (context) return context.run({ workflow, context: scopeContext }, fn);
  // Left in place: the code's continuations run in this macrotask's microtasks, which belong to this workflow alone.
  entered = { workflow, context: scopeContext };
  return fn();
}

/**
 * Runs `fn`, synchronous code of `workflow` (a query handler, a validator): as `runAsWorkflow`, except that without an
 * async context the workflow entered before is restored after it, since nothing of `fn` continues later.
 */
export function runAsWorkflowSynchronously<T>(workflow: AmbientWorkflow, scopeContext: unknown, fn: () => T): T {
  if (contextStorage()) return runAsWorkflow(workflow, scopeContext, fn);
  const outer = entered;
  try {
    return runAsWorkflow(workflow, scopeContext, fn);
  } finally {
    entered = outer;
  }
}

/** Runs `fn`, part of the current workflow's code, in another of its scopes (`CancellationScope.run`). */
export function runInScope<T>(scopeContext: unknown, fn: () => T): T {
  const context = contextStorage();
  if (!context) return runInScopeWithoutAsyncContext(scopeContext, fn);
  const frame = context.getStore();
  return frame ? context.run({ ...frame, context: scopeContext }, fn) : fn();
}

/**
 * Runs `fn`, the validator or handler of `update`, so that it and everything it awaits know the update. Without an
 * async context, only the synchronous part of `fn` does.
 */
export function runInUpdate<T>(update: AmbientUpdate, fn: () => T): T {
  const context = contextStorage();
  if (context) {
    const frame = context.getStore();
    return frame ? context.run({ ...frame, update }, fn) : fn();
  }
  const outer = entered;
  if (!outer) return fn();
  entered = { ...outer, update };
  try {
    return fn();
  } finally {
    entered = outer;
  }
}

/**
 * Without an async context: the workflow entered last is no longer taken to be running. Called by the engine at the
 * start of each macrotask of its own, by when the microtasks of the code it entered have all run, so page code that
 * runs between activations is not taken for workflow code (it could be only in the few tasks queued before).
 */
export function leaveWithoutAsyncContext(): void {
  if (!contextStorage()) entered = undefined;
}

/** The update whose validator or handler is running, if any. */
export function currentUpdate(): AmbientUpdate | undefined {
  const context = contextStorage();
  return context ? context.getStore()?.update : entered?.update;
}

/** Runs `fn` as engine or host code, even when called from workflow code (a side effect's function, a run's queue). */
export function runOutsideWorkflow<T>(fn: () => T): T {
  const context = contextStorage();
  return context && context.getStore() !== undefined ? context.run(undefined, fn) : fn();
}

/** The workflow whose code is running, if any. */
export function currentWorkflow(): AmbientWorkflow | undefined {
  return contextStorage()?.getStore()?.workflow;
}

/** The context of the cancellation scope the running workflow code is in (a `WorkflowContext`), if any. */
export function currentScopeContext(): unknown {
  const context = contextStorage();
  if (context) return context.getStore()?.context;
  if (!entered) return undefined;
  return pendingScopes.get(entered.workflow)?.at(-1) ?? entered.context;
}

/** @internal Tests only: behave as a runtime without an async context (a browser), or as this one again. */
export function withoutAsyncContextForTesting(without: boolean): void {
  storage = without ? null : undefined;
  entered = undefined;
}

// ---- without an async context (browsers) ----
// The engine delivers to one workflow per macrotask there (activation.ts), so the workflow whose code runs is the one
// the engine entered last. The scope is less sure: after an await, the code inside a scope's `run()` is taken to be in
// the innermost scope of its workflow whose `run()` has not settled (right for code that awaits its scopes in turn).

let entered: AmbientFrame | undefined;
const pendingScopes = new WeakMap<AmbientWorkflow, unknown[]>();

function runInScopeWithoutAsyncContext<T>(scopeContext: unknown, fn: () => T): T {
  const outer = entered;
  if (!outer) return fn();
  let pending = pendingScopes.get(outer.workflow);
  if (!pending) pendingScopes.set(outer.workflow, (pending = []));
  pending.push(scopeContext);
  const settled = () => {
    const at = pending.lastIndexOf(scopeContext);
    if (at >= 0) pending.splice(at, 1);
  };
  entered = { ...outer, context: scopeContext };
  try {
    const result = fn();
    if (result instanceof Promise) result.then(settled, settled);
    else settled();
    return result;
  } catch (error) {
    settled();
    throw error;
  } finally {
    entered = outer;
  }
}
