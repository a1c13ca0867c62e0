// The workflow's signal, query and update handlers, owned by the activator. Apart because messages arrive from
// outside, at any point of a run: signals before their handler is set wait here, and queries and update
// validators run read-only, a guard every command the activator issues must pass.
import { runInUpdate } from './ambient';
import type { Command } from './commands';
import type { UpdateHandlerOptions } from './context';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from './failure';
import type { Outcome } from './history';
import { copyPayload } from './payload';
import { DeterminismViolationError, QueryNotFoundError } from './workflow-errors';

export type Handler = (...args: unknown[]) => unknown;

export interface BufferedSignal {
  signalName: string;
  args: unknown[];
}

/**
 * An update not validated yet, offered live to the activation (issue 17): its validator runs where Temporal's SDK
 * runs it, when the activation reaches it (after the signals before it) or, when it came before its handler was set,
 * as the handler is set. `accept` records its `UpdateAccepted`; `reject` answers the caller and records nothing.
 */
export interface UpdateOffer {
  readonly updateId: string;
  readonly updateName: string;
  readonly args: unknown[];
  accept(): void;
  reject(failure: FailureInfo): void;
}

/** An update waiting for its handler: offered (live, not validated yet) or accepted (recorded). */
type BufferedUpdate = { offer: UpdateOffer } | { updateId: string; updateName: string; args: unknown[] };

/** What the handlers need from the activator that owns them. */
export interface MessageHost {
  /** The workflow function has settled: signals arriving now are dropped. */
  isCompleted(): boolean;
  push(command: Command): void;
  /** A signal handler threw or rejected: that fails the workflow, as its own function failing would. */
  failWorkflow(error: unknown): void;
  /** Whether an update handler's error fails the update; false when it fails the workflow task instead (taken). */
  rejectsUpdate(error: unknown): boolean;
  /** The stored form of a value handed over (checked; a PayloadError when it cannot be stored). */
  writePayload(value: unknown, what: string): unknown;
  /** The values of stored arguments (decoded: a handler's own copy). */
  readArgs(args: unknown[]): unknown[];
  /** Whether each buffered signal goes to the handler set at that moment (`EngineFlag.SignalHandlerLookup`). */
  looksUpHandlerPerSignal(): boolean;
  /** Whether an update without a handler waits for one until the activation is blocked (`EngineFlag.UpdatesWaitForHandler`). */
  updatesWaitForHandler(): boolean;
}

/** A result as an outcome (`write` stores it); one that cannot be recorded becomes a non-retryable failure instead of a broken history. */
export function resultOutcome(write: () => unknown): Outcome {
  try {
    return { result: write() };
  } catch (error) {
    return { failure: toFailureInfo(ApplicationFailure.nonRetryable((error as Error).message, 'PayloadTooLarge')) };
  }
}

export class MessageHandlers {
  readonly #host: MessageHost;
  readonly #signalHandlers = new Map<string, Handler>();
  readonly #queryHandlers = new Map<string, Handler>();
  readonly #updateHandlers = new Map<string, { handler: Handler; validator?: Handler }>();
  #bufferedSignals: BufferedSignal[] = [];
  #bufferedUpdates: BufferedUpdate[] = [];
  #queryDepth = 0;
  /** Handlers of the messages no handler of their own takes: each gets the message's name first (Temporal's defaults). */
  readonly #defaults: { signal?: Handler; query?: Handler; update?: { handler: Handler; validator?: Handler } } = {};
  /** Signal and update handlers started and not yet settled (`allHandlersFinished`). */
  #running = 0;

  constructor(host: MessageHost) {
    this.#host = host;
  }

  /** Signals received with no handler set, in arrival order; continue-as-new carries them to the next run. */
  get bufferedSignals(): readonly BufferedSignal[] {
    return this.#bufferedSignals;
  }

  // ---- setting handlers: called by the workflow context ----

  setSignalHandler(name: string, handler: Handler | undefined): void {
    if (!handler) {
      this.#signalHandlers.delete(name);
      return;
    }
    this.#signalHandlers.set(name, handler);
    if (!this.#bufferedSignals.some((s) => s.signalName === name)) return;
    if (!this.#host.looksUpHandlerPerSignal()) {
      // As recorded before the rule below: the handler set first takes every buffered signal of its name.
      const waiting = this.#bufferedSignals.filter((s) => s.signalName === name);
      this.#bufferedSignals = this.#bufferedSignals.filter((s) => s.signalName !== name);
      for (const signal of waiting) this.#invokeSignalHandler(handler, signal.args);
      return;
    }
    // Each buffered signal goes to the handler set at that moment: one that removed itself leaves the rest waiting,
    // one that replaced itself hands them to its successor (as in Temporal).
    for (;;) {
      const current = this.#signalHandlerFor(name);
      const index = this.#bufferedSignals.findIndex((s) => s.signalName === name);
      if (!current || index < 0) return;
      const [signal] = this.#bufferedSignals.splice(index, 1);
      this.#invokeSignalHandler(current, signal!.args);
    }
  }

  /** Takes every signal without a handler of its own, those buffered until now first, in arrival order. */
  setDefaultSignalHandler(handler: Handler | undefined): void {
    this.#defaults.signal = handler;
    while (handler && this.#bufferedSignals.length > 0 && this.#defaults.signal === handler) {
      const signal = this.#bufferedSignals.shift()!;
      this.#invokeSignalHandler(this.#signalHandlerFor(signal.signalName)!, signal.args);
    }
  }

  setDefaultQueryHandler(handler: Handler | undefined): void {
    this.#defaults.query = handler;
  }

  /** Takes every update without a handler of its own, those waiting until now first. */
  setDefaultUpdateHandler(handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void {
    this.#defaults.update = handler && (options?.validator ? { handler, validator: options.validator as Handler } : { handler });
    if (!handler) return;
    for (const update of this.#bufferedUpdates.splice(0)) this.#dispatch(update);
  }

  /** Whether updates wait for a handler (see `settleBufferedUpdates`). */
  get hasBufferedUpdates(): boolean {
    return this.#bufferedUpdates.length > 0;
  }

  /** True when no signal or update handler is still running (Temporal's `allHandlersFinished`). */
  get allHandlersFinished(): boolean {
    return this.#running === 0;
  }

  #signalHandlerFor(name: string): Handler | undefined {
    const own = this.#signalHandlers.get(name);
    if (own) return own;
    const fallback = this.#defaults.signal;
    return fallback && ((...args) => fallback(name, ...args));
  }

  #updateEntryFor(name: string): { handler: Handler; validator?: Handler } | undefined {
    const own = this.#updateHandlers.get(name);
    if (own) return own;
    const fallback = this.#defaults.update;
    if (!fallback) return undefined;
    const handler: Handler = (...args) => fallback.handler(name, ...args);
    const validator = fallback.validator;
    return validator ? { handler, validator: (...args) => validator(name, ...args) } : { handler };
  }

  setQueryHandler(name: string, handler: Handler | undefined): void {
    if (handler) this.#queryHandlers.set(name, handler);
    else this.#queryHandlers.delete(name);
  }

  setUpdateHandler(name: string, handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void {
    if (!handler) {
      this.#updateHandlers.delete(name);
      return;
    }
    const entry: { handler: Handler; validator?: Handler } = { handler };
    if (options?.validator) entry.validator = options.validator as Handler;
    this.#updateHandlers.set(name, entry);
    // Updates that came before the handler go to it now, in arrival order, as Temporal's SDK dispatches them.
    for (;;) {
      const index = this.#bufferedUpdates.findIndex((update) => updateNameOf(update) === name);
      if (index < 0 || !this.#updateHandlers.has(name)) return;
      this.#dispatch(this.#bufferedUpdates.splice(index, 1)[0]!);
    }
  }

  // ---- jobs: delivered by the driver between drains ----

  deliverSignal(signalName: string, args: unknown[]): void {
    if (this.#host.isCompleted()) return;
    const handler = this.#signalHandlerFor(signalName);
    if (handler) this.#invokeSignalHandler(handler, args);
    else this.#bufferedSignals.push({ signalName, args });
  }

  /** Starts the handler of an accepted update; its outcome becomes a `completeUpdate` command. */
  acceptUpdate(updateId: string, updateName: string, args: unknown[]): void {
    if (!this.#updateEntryFor(updateName) && this.#host.updatesWaitForHandler()) {
      this.#bufferedUpdates.push({ updateId, updateName, args });
      return;
    }
    this.#startUpdate(updateId, updateName, args);
  }

  /** Validates an offered update now, or once its handler is set (until the activation is blocked). */
  offerUpdate(offer: UpdateOffer): void {
    if (!this.#updateEntryFor(offer.updateName) && this.#host.updatesWaitForHandler()) {
      this.#bufferedUpdates.push({ offer });
      return;
    }
    this.#admit(offer);
  }

  /**
   * The activation is blocked: updates still without a handler are turned down, as Temporal's SDK does when it
   * concludes an activation (an offer is rejected; an accepted one fails with UpdateNotFound). True when that issued
   * commands.
   */
  settleBufferedUpdates(): boolean {
    const waiting = this.#bufferedUpdates.splice(0);
    for (const update of waiting) {
      if ('offer' in update) update.offer.reject(noUpdateHandler(update.offer.updateName));
      else this.#startUpdate(update.updateId, update.updateName, update.args);
    }
    return waiting.some((update) => !('offer' in update));
  }

  /** A waiting update, now that it has a handler: an offer is validated first, an accepted one starts. */
  #dispatch(update: BufferedUpdate): void {
    if ('offer' in update) this.#admit(update.offer);
    else this.#startUpdate(update.updateId, update.updateName, update.args);
  }

  /** The validator sees a copy, and so does the handler: what either changes reaches neither the other nor history. */
  #admit(offer: UpdateOffer): void {
    const rejection = runInUpdate({ id: offer.updateId, name: offer.updateName }, () => this.validateUpdate(offer.updateName, copyPayload(offer.args)));
    if (rejection) return offer.reject(rejection);
    offer.accept();
    this.#startUpdate(offer.updateId, offer.updateName, copyPayload(offer.args));
  }

  /** `stored`: the arguments as recorded (buffered so), decoded for the handler here. */
  #startUpdate(updateId: string, updateName: string, stored: unknown[]): void {
    const entry = this.#updateEntryFor(updateName);
    if (!entry) {
      this.#host.push({ type: 'completeUpdate', updateId, outcome: { failure: noUpdateHandler(updateName) } });
      return;
    }
    let args: unknown[];
    try {
      args = this.#host.readArgs(stored);
    } catch (error) {
      // Arguments that do not read fail the update, not the workflow task: every retry would read them the same.
      this.#host.push({ type: 'completeUpdate', updateId, outcome: { failure: toFailureInfo(error) } });
      return;
    }
    let result: Promise<unknown>;
    try {
      result = Promise.resolve(runInUpdate({ id: updateId, name: updateName }, () => entry.handler(...args)));
    } catch (error) {
      result = Promise.reject(error);
    }
    this.#running++;
    result.then(
      (value) => {
        this.#running--;
        this.#host.push({ type: 'completeUpdate', updateId, outcome: resultOutcome(() => this.#host.writePayload(value, `Result of update '${updateName}'`)) });
      },
      (error) => {
        this.#running--;
        if (this.#host.rejectsUpdate(error)) this.#host.push({ type: 'completeUpdate', updateId, outcome: { failure: toFailureInfo(error) } });
      },
    );
  }

  // ---- read-only access: queries and update validation ----

  /** The names of the handlers set now (not the defaults). */
  handlerNames(): { signals: string[]; queries: string[]; updates: string[] } {
    return { signals: [...this.#signalHandlers.keys()], queries: [...this.#queryHandlers.keys()], updates: [...this.#updateHandlers.keys()] };
  }

  hasQueryHandler(queryName: string): boolean {
    return this.#queryHandlers.has(queryName);
  }

  /** Signal and update handlers started and not yet settled. */
  get handlersRunning(): number {
    return this.#running;
  }

  query(queryName: string, stored: unknown[]): unknown {
    const args = this.#host.readArgs(stored);
    const fallback = this.#defaults.query;
    const handler = this.#queryHandlers.get(queryName) ?? (fallback && ((...args: unknown[]) => fallback(queryName, ...args)));
    if (!handler) throw new QueryNotFoundError(queryName, [...this.#queryHandlers.keys()]);
    const result = this.#readOnly(() => handler(...args));
    if (result === undefined) return undefined;
    // Query handlers are synchronous, as in Temporal: a Promise would be answered as `{}`.
    if (isThenable(result)) throw new TypeError(`Query handler '${queryName}' returned a Promise: query handlers are synchronous and return the answer itself`);
    // A PayloadError rather than a copy in which NaN or Infinity became null; a copy, so a caller never reaches into
    // live workflow state.
    return JSON.parse(JSON.stringify(this.#host.writePayload(result, `Result of query '${queryName}'`)));
  }

  /** Runs the update's validator; returns the rejection, or undefined when the update may be accepted. */
  validateUpdate(updateName: string, stored: unknown[]): FailureInfo | undefined {
    const entry = this.#updateEntryFor(updateName);
    if (!entry) return noUpdateHandler(updateName);
    let args: unknown[];
    try {
      args = this.#host.readArgs(stored); // arguments that do not read reject the update, nothing else
    } catch (error) {
      return toFailureInfo(error);
    }
    if (!entry.validator) return undefined;
    try {
      const returned = this.#readOnly(() => entry.validator!(...args));
      // Validators are synchronous, as in Temporal: an async one's rejection would come too late to reject anything.
      if (isThenable(returned)) {
        returned.then(undefined, () => undefined);
        throw new TypeError(`The validator of update '${updateName}' returned a Promise: validators are synchronous and throw to reject`);
      }
      return undefined;
    } catch (error) {
      return toFailureInfo(error);
    }
  }

  /** True while a query or validator runs. */
  get isReadOnly(): boolean {
    return this.#queryDepth > 0;
  }

  /** Throws while a query or validator runs; the activator calls it before anything that would change state. */
  assertNotReadOnly(what: string): void {
    if (this.#queryDepth > 0) throw new DeterminismViolationError(`Queries and update validators must not change workflow state (${what})`);
  }

  #readOnly<T>(fn: () => T): T {
    this.#queryDepth++;
    try {
      return fn();
    } finally {
      this.#queryDepth--;
    }
  }

  /** `stored`: the arguments as recorded (buffered so: continue-as-new carries them on), decoded for the handler here. */
  #invokeSignalHandler(handler: Handler, stored: unknown[]): void {
    try {
      const result = handler(...this.#host.readArgs(stored));
      if (result instanceof Promise) {
        this.#running++;
        result.then(() => void this.#running--, (error: unknown) => {
          this.#running--;
          this.#host.failWorkflow(error);
        });
      }
    } catch (error) {
      this.#host.failWorkflow(error);
    }
  }
}

function noUpdateHandler(updateName: string): FailureInfo {
  return toFailureInfo(ApplicationFailure.nonRetryable(`No update handler for '${updateName}'`, 'UpdateNotFound'));
}

function updateNameOf(update: BufferedUpdate): string {
  return 'offer' in update ? update.offer.updateName : update.updateName;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
