// Definitions of workflows and their messages, shared by workflow code, hosts and the typed client.
import type { WorkflowContext } from './context';
import { NameKind, nameProblem } from './names';

/** A workflow function: deterministic, driven by its context. */
export type WorkflowFunction<I = any, O = any> = (ctx: WorkflowContext, input: I) => Promise<O>;

export interface WorkflowDefinition<I = any, O = any> {
  readonly kind: 'workflow';
  readonly name: string;
  readonly fn: WorkflowFunction<I, O>;
  readonly options?: WorkflowDefinitionOptions;
}

/** An error class (matched with `instanceof`) or an error's `name`. */
export type ErrorType = (abstract new (...args: any[]) => Error) | string;

export interface WorkflowDefinitionOptions {
  /**
   * Errors from workflow code that fail the run. Any other error that is not a Duro failure (`ApplicationFailure`,
   * a cancellation, a timeout…) fails only the workflow task: the run stays open, blocked, and is retried, so a bug
   * can be fixed by a deploy (Temporal's `failureExceptionTypes`). `[Error]` fails the run on every error.
   */
  readonly failureTypes?: readonly ErrorType[];
}

export type WorkflowInput<W> = W extends WorkflowDefinition<infer I, any> ? I : never;
export type WorkflowOutput<W> = W extends WorkflowDefinition<any, infer O> ? O : never;

/**
 * Registers a workflow under a name. The name is what the API, the client and history use.
 * @example
 * export const greet = defineWorkflow('greet', async (ctx, input: { name: string }) => {
 *   const { hello } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
 *   return await hello(input.name);
 * });
 */
export function defineWorkflow<I = void, O = unknown>(name: string, fn: WorkflowFunction<I, O>, options?: WorkflowDefinitionOptions): WorkflowDefinition<I, O> {
  const checked = validName(name, NameKind.workflowType, 'defineWorkflow');
  if (options?.failureTypes?.some((type) => typeof type !== 'string' && typeof type !== 'function')) {
    throw new TypeError(`defineWorkflow('${checked}'): failureTypes lists error classes or error names`);
  }
  return Object.freeze(options ? { kind: 'workflow', name: checked, fn, options: Object.freeze({ ...options }) } : { kind: 'workflow', name: checked, fn });
}

/** Whether `error` is of one of `types`: an instance of a listed class, or named as a listed name. */
export function isErrorOfType(error: unknown, types: readonly ErrorType[]): boolean {
  if (!(error instanceof Error)) return false;
  return types.some((type) => (typeof type === 'string' ? error.name === type : error instanceof type));
}

export interface SignalDefinition<Args extends unknown[] = []> {
  readonly kind: 'signal';
  readonly name: string;
  /** Type-only marker so definitions keep their argument types. */
  readonly __args?: Args;
}

export interface QueryDefinition<Result = unknown, Args extends unknown[] = []> {
  readonly kind: 'query';
  readonly name: string;
  readonly __args?: Args;
  readonly __result?: Result;
}

export interface UpdateDefinition<Result = unknown, Args extends unknown[] = []> {
  readonly kind: 'update';
  readonly name: string;
  readonly __args?: Args;
  readonly __result?: Result;
}

/** @example export const addItem = defineSignal<[item: { sku: string; qty: number }]>('addItem'); */
export function defineSignal<Args extends unknown[] = []>(name: string): SignalDefinition<Args> {
  return Object.freeze({ kind: 'signal', name: validName(name, NameKind.signalName, 'defineSignal') });
}

/** @example export const getCart = defineQuery<Cart>('getCart'); */
export function defineQuery<Result = unknown, Args extends unknown[] = []>(name: string): QueryDefinition<Result, Args> {
  return Object.freeze({ kind: 'query', name: validName(name, NameKind.queryName, 'defineQuery') });
}

/** @example export const deposit = defineUpdate<number, [amount: number]>('deposit'); */
export function defineUpdate<Result = unknown, Args extends unknown[] = []>(name: string): UpdateDefinition<Result, Args> {
  return Object.freeze({ kind: 'update', name: validName(name, NameKind.updateName, 'defineUpdate') });
}

/** The name of a workflow, signal, query or update: its definition's, or the string given instead. */
export function nameOf(definition: { name: string } | string): string {
  return typeof definition === 'string' ? definition : definition.name;
}

export type MessageDefinition = SignalDefinition<any> | QueryDefinition<any, any> | UpdateDefinition<any, any>;

/**
 * What a host hands the workflows it runs that is not part of any run: a Worker's `env` (its bindings) and a way to
 * keep work alive past a request. A host without one passes nothing.
 */
export interface WorkflowEnvironment {
  readonly env?: unknown;
  waitUntil?(promise: Promise<unknown>): void;
}

/**
 * The brand of a value that makes its own workflow definition when registered under a name (duro/cloudflare's
 * `WorkflowEntrypoint` classes): a static method under this symbol. A `Symbol.for` key, so two copies of Duro agree.
 */
export const makeWorkflowDefinition: unique symbol = Symbol.for('duro.makeWorkflowDefinition') as never;

/** Makes the definition of a registered value, for one host environment (`undefined` where the host has none). */
export interface WorkflowDefinitionMaker {
  [makeWorkflowDefinition](name: string, environment: WorkflowEnvironment | undefined): WorkflowDefinition;
}

/** Workflows by name: what a host runs. Built from the object a user passes to `createDuro` or the test environment. */
export class WorkflowRegistry {
  readonly #byName = new Map<string, WorkflowDefinition | Maker>();

  constructor(workflows: Iterable<WorkflowDefinition> | Record<string, unknown> = []) {
    const entries: Array<[string | undefined, unknown]> = Symbol.iterator in workflows
      ? [...(workflows as Iterable<WorkflowDefinition>)].map((item) => [undefined, item])
      : Object.entries(workflows);
    for (const [key, value] of entries) {
      const item = registered(key, value);
      if (!item) continue;
      const existing = this.#byName.get(item.name);
      if (existing && !sameRegistration(existing, item)) throw new TypeError(`Two different workflows are registered as '${item.name}'`);
      if (!existing) this.#byName.set(item.name, item);
    }
  }

  /** The definition registered as `name`; one that makes its own is made for `environment` (once per environment). */
  get(name: string, environment?: WorkflowEnvironment): WorkflowDefinition | undefined {
    const item = this.#byName.get(name);
    if (!item || isWorkflowDefinition(item)) return item;
    return item.definitionFor(environment);
  }

  has(name: string): boolean {
    return this.#byName.has(name);
  }

  names(): string[] {
    return [...this.#byName.keys()];
  }
}

/** A registered value that makes its own definitions: one per host environment, kept while the environment lives. */
class Maker {
  readonly #byEnvironment = new WeakMap<WorkflowEnvironment, WorkflowDefinition>();
  #withoutEnvironment: WorkflowDefinition | undefined;

  constructor(
    readonly name: string,
    readonly source: WorkflowDefinitionMaker,
  ) {}

  definitionFor(environment: WorkflowEnvironment | undefined): WorkflowDefinition {
    if (environment === undefined) return (this.#withoutEnvironment ??= this.source[makeWorkflowDefinition](this.name, undefined));
    let definition = this.#byEnvironment.get(environment);
    if (!definition) this.#byEnvironment.set(environment, (definition = this.source[makeWorkflowDefinition](this.name, environment)));
    return definition;
  }
}

/**
 * What a registered value is: a definition; a Temporal-style module's exported async function, named by its export;
 * or a value that makes its own definition, named by its export too (as wrangler's `class_name` names the export
 * of a Cloudflare Workflow) or, in an array, by its own `name`.
 */
function registered(key: string | undefined, value: unknown): WorkflowDefinition | Maker | undefined {
  if (isDefinitionMaker(value)) {
    const name = key ?? (value as { name?: unknown }).name;
    return typeof name === 'string' ? new Maker(validName(name, NameKind.workflowType, 'WorkflowRegistry'), value) : undefined;
  }
  const item = key !== undefined && isPlainWorkflowFunction(key, value) ? workflowOfFunction(key, value) : value;
  return isWorkflowDefinition(item) ? item : undefined;
}

function sameRegistration(a: WorkflowDefinition | Maker, b: WorkflowDefinition | Maker): boolean {
  if (a instanceof Maker || b instanceof Maker) return a instanceof Maker && b instanceof Maker && a.source === b.source;
  return a === b;
}

function isDefinitionMaker(value: unknown): value is WorkflowDefinitionMaker {
  return (typeof value === 'function' || (typeof value === 'object' && value !== null)) && typeof (value as Partial<WorkflowDefinitionMaker>)[makeWorkflowDefinition] === 'function';
}

/** What a plain workflow function of a Temporal-style module is registered as, once per function and name. */
const plainDefinitions = new WeakMap<(...args: any[]) => unknown, Map<string, WorkflowDefinition>>();

/**
 * A Temporal-style workflow (`export async function order(id, amount) {…}`) as a definition named `name`: its input is
 * the array of its positional arguments (a value that is not an array is its one argument), and it reaches the engine
 * through the ambient workflow context (`duro/temporal/workflow`), not a `ctx` argument.
 */
export function workflowOfFunction(name: string, fn: (...args: any[]) => unknown): WorkflowDefinition {
  let byName = plainDefinitions.get(fn);
  if (!byName) plainDefinitions.set(fn, (byName = new Map()));
  let definition = byName.get(name);
  if (!definition) {
    definition = defineWorkflow(name, async (_ctx, input: unknown) => fn(...argumentsOf(input)));
    byName.set(name, definition);
  }
  return definition;
}

function argumentsOf(input: unknown): unknown[] {
  if (input === undefined) return [];
  return Array.isArray(input) ? input : [input];
}

/** A function exported beside definitions that is itself a workflow: not a class, and named as workflow types may be. */
function isPlainWorkflowFunction(key: string, value: unknown): value is (...args: any[]) => unknown {
  if (typeof value !== 'function' || isWorkflowDefinition(value)) return false;
  if (/^class[\s{]/.test(Function.prototype.toString.call(value))) return false;
  return nameProblem(key, NameKind.workflowType) === undefined;
}

export function isWorkflowDefinition(value: unknown): value is WorkflowDefinition {
  return typeof value === 'object' && value !== null && (value as WorkflowDefinition).kind === 'workflow' && typeof (value as WorkflowDefinition).fn === 'function';
}

/** A name as the API will take it (core/names.ts): a bad one fails where it is defined, not at its first use. */
function validName(name: string, kind: NameKind, where: string): string {
  const problem = nameProblem(name, kind);
  if (problem !== undefined) throw new TypeError(`${where}: the name ${JSON.stringify(name)} ${problem}`);
  return name;
}
