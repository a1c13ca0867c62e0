// Classes that extend the runtime's own WorkflowEntrypoint (`cloudflare:workers`, imported unchanged by user code)
// registered as duro/cloudflare's are. Found by shape, never by importing `cloudflare:workers`: this file loads in
// Node too, where that module does not exist.
import { makeWorkflowDefinition, WorkflowRegistry, type WorkflowDefinition, type WorkflowDefinitionMaker, type WorkflowEnvironment } from '../core/definitions';
import { entrypointDefinition, type ConstructEntrypoint, type WorkflowExecutionContext } from './entrypoint';

type AnyClass = abstract new (...args: any[]) => unknown;

/** One maker per class, so registering a class twice (a module object and a spread of it) is one registration. */
const makers = new WeakMap<AnyClass, WorkflowDefinitionMaker & { name: string }>();

/**
 * `workflows` with each class that extends the runtime's WorkflowEntrypoint replaced by a value that makes its
 * definition; everything else as it is. For `createDuro` and the test environment, before their registry is built.
 */
/** The registry of `workflows` as a Worker or the test environment registers them: runtime-based classes adopted. */
export function workflowRegistryOf(workflows: Record<string, unknown> | readonly unknown[]): WorkflowRegistry {
  return new WorkflowRegistry(adoptWorkflowEntrypoints(workflows) as Record<string, unknown>);
}

export function adoptWorkflowEntrypoints<T extends Record<string, unknown> | readonly unknown[]>(workflows: T): T {
  if (Array.isArray(workflows)) return workflows.map((value) => adopted(value)) as unknown as T;
  const entries = Object.entries(workflows as Record<string, unknown>);
  if (!entries.some(([, value]) => runtimeBaseOf(value))) return workflows;
  return Object.fromEntries(entries.map(([key, value]) => [key, adopted(value)])) as T;
}

function adopted(value: unknown): unknown {
  const base = runtimeBaseOf(value);
  if (!base) return value;
  const Class = value as AnyClass;
  let maker = makers.get(Class);
  if (!maker) {
    maker = {
      name: Class.name,
      [makeWorkflowDefinition]: (name: string, environment: WorkflowEnvironment | undefined): WorkflowDefinition =>
        entrypointDefinition(constructOver(Class, base), name, environment),
    };
    makers.set(Class, maker);
  }
  return maker;
}

/**
 * The runtime's WorkflowEntrypoint (a class named so, which is not duro/cloudflare's) that `value` extends,
 * `value` having a `run` method; undefined for anything else.
 */
function runtimeBaseOf(value: unknown): { holder: AnyClass; base: AnyClass } | undefined {
  if (typeof value !== 'function' || makeWorkflowDefinition in value) return undefined;
  if (typeof (value as { prototype?: { run?: unknown } }).prototype?.run !== 'function') return undefined;
  let holder = value as AnyClass;
  for (let base = Object.getPrototypeOf(holder); typeof base === 'function' && base !== Function.prototype; holder = base, base = Object.getPrototypeOf(base)) {
    if (base.name === 'WorkflowEntrypoint') return { holder, base };
  }
  return undefined;
}

/**
 * Constructs the class with our `ctx`: workerd's WorkflowEntrypoint constructor takes only a real ExecutionContext
 * (a plain object is a TypeError), and a Durable Object has none to give. For the synchronous `new`, the class that
 * extends it is pointed at a stand-in base that sets `ctx` and `env` as the runtime's does; the user's constructor
 * and field initializers run as written, and instances keep the runtime's prototype chain (`instanceof` holds).
 * Proved by test/integration-fixture/cloudflare-binding.test.ts (a class importing `cloudflare:workers`).
 */
function constructOver(Class: AnyClass, { holder, base }: { holder: AnyClass; base: AnyClass }): ConstructEntrypoint {
  function StandIn(this: { ctx: unknown; env: unknown }, ctx: WorkflowExecutionContext, env: unknown) {
    this.ctx = ctx;
    this.env = env;
  }
  StandIn.prototype = base.prototype;
  return (ctx, env) => {
    Object.setPrototypeOf(holder, StandIn);
    try {
      return Reflect.construct(Class, [ctx, env]) as ReturnType<ConstructEntrypoint>;
    } finally {
      Object.setPrototypeOf(holder, base);
    }
  };
}
