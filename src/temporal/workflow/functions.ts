// Temporal's free functions of `@temporalio/workflow`, each a call on the context of the current scope (current.ts):
// timers, conditions, handlers, randomness, patching, continue-as-new, children and other workflows.
import { currentUpdate } from '../../core/ambient';
import type { ChildWorkflowHandle as EngineChildHandle, ChildWorkflowOptions as EngineChildOptions, ExternalWorkflowHandle, UpdateHandlerOptions } from '../../core/context';
import type { MessageDefinition, QueryDefinition, SignalDefinition, UpdateDefinition, WorkflowDefinition } from '../../core/definitions';
import type { Duration } from '../../core/duration';
import type { ParentClosePolicy, SearchAttributes } from '../../core/history';
import type { RetryPolicy } from '../../core/retry-policy';
import { definedFields as defined } from '../../core/objects';
import { currentContext } from './current';

/** A Temporal-style workflow: a plain async function of its positional arguments. */
export type Workflow = (...args: any[]) => Promise<any>;

/** A durable timer: `ms` as a number of milliseconds or a string (`'1 day'`). Rejects with `CancelledFailure` when its scope is cancelled. */
export function sleep(ms: Duration): Promise<void> {
  return currentContext('sleep()').sleep(ms);
}

/** Resolves once `fn()` is true; with a timeout, resolves `false` when the time runs out first. */
export function condition(fn: () => boolean): Promise<void>;
export function condition(fn: () => boolean, timeout: Duration): Promise<boolean>;
export function condition(fn: () => boolean, timeout?: Duration): Promise<void | boolean> {
  const ctx = currentContext('condition()');
  return timeout === undefined ? ctx.condition(fn) : ctx.condition(fn, timeout);
}

/** Sets (or, with `undefined`, removes) the handler of a signal, query or update. */
export function setHandler<Args extends unknown[]>(def: SignalDefinition<Args>, handler: ((...args: Args) => void | Promise<void>) | undefined): void;
export function setHandler<R, Args extends unknown[]>(def: QueryDefinition<R, Args>, handler: ((...args: Args) => R) | undefined): void;
export function setHandler<R, Args extends unknown[]>(def: UpdateDefinition<R, Args>, handler: ((...args: Args) => R | Promise<R>) | undefined, options?: UpdateHandlerOptions<Args> & { description?: string }): void;
export function setHandler(def: MessageDefinition, handler: ((...args: any[]) => unknown) | undefined, options?: UpdateHandlerOptions<unknown[]>): void {
  const ctx = currentContext('setHandler()');
  (ctx.setHandler as (def: MessageDefinition, handler: unknown, options?: UpdateHandlerOptions<unknown[]>) => void)(def, handler, options && (options.validator ? { validator: options.validator } : {}));
}

/** A deterministic RFC 4122 v4 UUID. */
export function uuid4(): string {
  return currentContext('uuid4()').uuid();
}

/** True on runs that reached this point with code that has the patch; records a marker. */
export function patched(patchId: string): boolean {
  return currentContext('patched()').patched(patchId);
}

/** Marks that no run without the patch remains. */
export function deprecatePatch(patchId: string): void {
  currentContext('deprecatePatch()').deprecatePatch(patchId);
}

export function upsertSearchAttributes(searchAttributes: SearchAttributes): void {
  currentContext('upsertSearchAttributes()').upsertSearchAttributes(searchAttributes);
}

/** Sets keys of the run's memo; `null` or `undefined` removes one. `workflowInfo().memo` shows it at once. */
export function upsertMemo(memo: Record<string, unknown>): void {
  currentContext('upsertMemo()').upsertMemo(memo);
}

/** Temporal's options of the next run of a continue-as-new. */
export interface ContinueAsNewOptions {
  workflowType?: string;
  taskQueue?: string;
  workflowRunTimeout?: Duration;
  workflowTaskTimeout?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  backoffStartInterval?: Duration;
}

/** Ends this run and starts the next one of the workflow id with `args`. Never returns. */
export function continueAsNew<F extends Workflow>(...args: Parameters<F>): Promise<never> {
  return currentContext('continueAsNew()').continueAsNew(args);
}

/** A `continueAsNew` with options: `makeContinueAsNewFunc<typeof other>({ workflowType: 'other' })(...args)`. */
export function makeContinueAsNewFunc<F extends Workflow>(options: ContinueAsNewOptions = {}): (...args: Parameters<F>) => Promise<never> {
  return (...args) => currentContext('continueAsNew()').continueAsNew(args, options);
}

/** Temporal's `ChildWorkflowCancellationType`, each with Temporal's meaning (default `WAIT_CANCELLATION_COMPLETED`). */
export const ChildWorkflowCancellationType = {
  ABANDON: 'ABANDON',
  TRY_CANCEL: 'TRY_CANCEL',
  WAIT_CANCELLATION_COMPLETED: 'WAIT_CANCELLATION_COMPLETED',
  WAIT_CANCELLATION_REQUESTED: 'WAIT_CANCELLATION_REQUESTED',
} as const;
export type ChildWorkflowCancellationType = (typeof ChildWorkflowCancellationType)[keyof typeof ChildWorkflowCancellationType];

export interface ChildWorkflowOptions<F extends Workflow = Workflow> {
  args?: Parameters<F>;
  workflowId?: string;
  parentClosePolicy?: ParentClosePolicy;
  cancellationType?: ChildWorkflowCancellationType;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  retry?: RetryPolicy;
  /** Accepted for Temporal's API; a child runs in its own execution, so unused. */
  taskQueue?: string;
}

export interface ChildWorkflowHandle<F extends Workflow = Workflow> {
  readonly workflowId: string;
  readonly firstExecutionRunId: string;
  result(): Promise<Awaited<ReturnType<F>>>;
  signal<Args extends unknown[]>(def: SignalDefinition<Args> | string, ...args: Args): Promise<void>;
}

/** Starts a child workflow (its function or its type name); resolves once it started. */
export async function startChild<F extends Workflow>(workflow: F | string, options: ChildWorkflowOptions<F> = {}): Promise<ChildWorkflowHandle<F>> {
  const handle: EngineChildHandle = await currentContext('startChild()').startChild(typeNameOf(workflow), childOptionsOf(options));
  return handle as unknown as ChildWorkflowHandle<F>;
}

/** Starts a child workflow and waits for its result. */
export function executeChild<F extends Workflow>(workflow: F | string, options: ChildWorkflowOptions<F> = {}): Promise<Awaited<ReturnType<F>>> {
  return currentContext('executeChild()').executeChild(typeNameOf(workflow), childOptionsOf(options)) as Promise<Awaited<ReturnType<F>>>;
}

/** A handle to signal or cancel another workflow. */
export function getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle {
  return currentContext('getExternalWorkflowHandle()').getExternalWorkflowHandle(workflowId, runId);
}

function typeNameOf(workflow: Workflow | string | WorkflowDefinition): string {
  if (typeof workflow === 'string') return workflow;
  if (!workflow.name) throw new TypeError('A child workflow function must have a name (its workflow type): pass the type name instead');
  return workflow.name;
}

function childOptionsOf(options: ChildWorkflowOptions): EngineChildOptions {
  return defined({
    input: options.args,
    workflowId: options.workflowId,
    parentClosePolicy: options.parentClosePolicy,
    cancellationType: options.cancellationType === 'WAIT_CANCELLATION_COMPLETED' ? 'REQUEST_CANCEL' : options.cancellationType,
    executionTimeout: options.workflowExecutionTimeout,
    runTimeout: options.workflowRunTimeout,
    memo: options.memo,
    searchAttributes: options.searchAttributes,
    retry: options.retry,
  }) as EngineChildOptions;
}

/** Takes every signal without a handler of its own (those buffered so far first), its name first. */
export function setDefaultSignalHandler(handler: ((signalName: string, ...args: unknown[]) => void | Promise<void>) | undefined): void {
  currentContext('setDefaultSignalHandler()').setDefaultSignalHandler(handler);
}

/** Answers every query without a handler of its own, its name first. */
export function setDefaultQueryHandler(handler: ((queryName: string, ...args: unknown[]) => unknown) | undefined): void {
  currentContext('setDefaultQueryHandler()').setDefaultQueryHandler(handler);
}

/** Takes every update without a handler of its own, its name first (validator too). */
export function setDefaultUpdateHandler(
  handler: ((updateName: string, ...args: unknown[]) => unknown) | undefined,
  options?: { validator?: (updateName: string, ...args: unknown[]) => void },
): void {
  currentContext('setDefaultUpdateHandler()').setDefaultUpdateHandler(handler, options);
}

/** Temporal's `UpdateInfo`: the update whose validator or handler is running. */
export interface UpdateInfo {
  readonly id: string;
  readonly name: string;
}

/**
 * The update whose validator or handler the calling code is part of (across its awaits, where there is an async
 * context), or undefined outside one.
 */
export function currentUpdateInfo(): UpdateInfo | undefined {
  currentContext('currentUpdateInfo()');
  const update = currentUpdate();
  return update && { id: update.id, name: update.name };
}

/** True when no signal or update handler is still running: `await condition(allHandlersFinished)` before returning. */
export function allHandlersFinished(): boolean {
  return currentContext('allHandlersFinished()').allHandlersFinished();
}
