// Temporal's `proxyActivities` and `proxyLocalActivities`, made at module top level as Temporal's code does: each
// call of a stub is bound then, to the calling workflow and its current cancellation scope (current.ts).
import { positionalArgumentsOption } from '../../core/activity-ambient';
import type { ActivityContext } from '../../core/activity';
import type { ActivityOptions, LocalActivityOptions, WorkflowContext } from '../../core/context';
import { currentContext } from './current';

/**
 * A stub per activity of `A`, with its parameters: `const { charge } = proxyActivities<typeof activities>({…})`. A Duro
 * activity's trailing `ctx: ActivityContext` is the runner's to pass, not the caller's.
 */
export type ActivityInterfaceFor<A> = {
  [K in keyof A]: A[K] extends (...args: infer P) => infer R ? (...args: CallerParameters<P>) => Promise<Awaited<R>> : never;
};

type IsAny<T> = 0 extends 1 & T ? true : false;
type CallerParameters<P extends unknown[]> = P extends [...infer Rest, infer Last] ? (IsAny<Last> extends true ? P : Last extends ActivityContext ? Rest : P) : P;

/** Schedules activities (run by the host over their task queue, with retries and timeouts) from any workflow code. */
export function proxyActivities<A = Record<string, (...args: any[]) => any>>(options: ActivityOptions): ActivityInterfaceFor<A> {
  return boundStubs<A>('proxyActivities', options);
}

/** Like `proxyActivities`, but each activity runs in-process, inside the activation, its outcome recorded as a marker. */
export function proxyLocalActivities<A = Record<string, (...args: any[]) => any>>(options: LocalActivityOptions): ActivityInterfaceFor<A> {
  return boundStubs<A>('proxyLocalActivities', options);
}

/** Schedules the activity named `activityType` with its argument list (Temporal's untyped form of a stub call). */
export function scheduleActivity<R>(activityType: string, args: unknown[], options: ActivityOptions): Promise<R> {
  return (proxyActivities(options) as Record<string, (...args: unknown[]) => Promise<R>>)[activityType]!(...args);
}

/** Runs the activity named `activityType` as a local activity with its argument list. */
export function scheduleLocalActivity<R>(activityType: string, args: unknown[], options: LocalActivityOptions): Promise<R> {
  return (proxyLocalActivities(options) as Record<string, (...args: unknown[]) => Promise<R>>)[activityType]!(...args);
}

type EngineStubs = Record<string, (input?: unknown) => Promise<unknown>>;

/**
 * Stubs that, at each call, take the current scope's context and call its own stubs: made once per context and
 * per kind of input (one value, or an argument list), not at every call, since making them checks the options.
 */
function boundStubs<A>(kind: 'proxyActivities' | 'proxyLocalActivities', options: ActivityOptions | LocalActivityOptions): ActivityInterfaceFor<A> {
  const positional = { ...options, [positionalArgumentsOption]: true };
  const made = new WeakMap<WorkflowContext, { single?: EngineStubs; list?: EngineStubs }>();
  return stubs<A>((activityType, args) => {
    const ctx = currentContext(`${activityType}() (${kind})`);
    let byInput = made.get(ctx);
    if (!byInput) made.set(ctx, (byInput = {}));
    const make = (given: ActivityOptions) => (ctx[kind] as (options: ActivityOptions) => EngineStubs)(given);
    const engineStubs = args.length > 1 ? (byInput.list ??= make(positional)) : (byInput.single ??= make(options));
    return engineStubs[activityType]!(inputOf(args));
  });
}

/**
 * An activity's input from the call's positional arguments. One argument (or none) is sent as it is, recorded as a
 * Duro activity's input always was, so a Duro activity `(input, ctx)` called from Temporal-style code receives it, and
 * histories recorded before argument lists replay unchanged. Two or more are sent as their list, with options that
 * record it as one (`arguments: 'positional'`): the runner then calls `fn(...args)` (docs/temporal.md).
 */
function inputOf(args: unknown[]): unknown {
  return args.length > 1 ? args : args[0];
}

function stubs<A>(call: (activityType: string, args: unknown[]) => Promise<unknown>): ActivityInterfaceFor<A> {
  return new Proxy({} as ActivityInterfaceFor<A>, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      // `then`: a proxy returned from an async function must not look like a promise.
      if (name === 'then') return undefined;
      return (...args: unknown[]) => {
        try {
          return call(name, args);
        } catch (error) {
          return Promise.reject(error);
        }
      };
    },
  });
}
