// Temporal's `proxyActivities` and `proxyLocalActivities`, made at module top level as Temporal's code does: each
// call of a stub is bound then, to the calling workflow and its current cancellation scope (current.ts).
import type { ActivityOptions, LocalActivityOptions } from '../../core/context';
import { currentContext } from './current';

/** A stub per activity of `A`, with its parameters: `const { charge } = proxyActivities<typeof activities>({…})`. */
export type ActivityInterfaceFor<A> = {
  [K in keyof A]: A[K] extends (...args: infer P) => infer R ? (...args: P) => Promise<Awaited<R>> : never;
};

/** Schedules activities (run by the host over their task queue, with retries and timeouts) from any workflow code. */
export function proxyActivities<A = Record<string, (...args: any[]) => any>>(options: ActivityOptions): ActivityInterfaceFor<A> {
  return stubs<A>((activityType, args) => {
    const stub = currentContext(`${activityType}() (proxyActivities)`).proxyActivities<Record<string, (input?: unknown) => Promise<unknown>>>(options)[activityType]!;
    return stub(inputOf(args));
  });
}

/** Like `proxyActivities`, but each activity runs in-process, inside the activation, its outcome recorded as a marker. */
export function proxyLocalActivities<A = Record<string, (...args: any[]) => any>>(options: LocalActivityOptions): ActivityInterfaceFor<A> {
  return stubs<A>((activityType, args) => {
    const stub = currentContext(`${activityType}() (proxyLocalActivities)`).proxyLocalActivities<Record<string, (input?: unknown) => Promise<unknown>>>(options)[activityType]!;
    return stub(inputOf(args));
  });
}

/**
 * An activity's input from the call's positional arguments: the one argument itself, so an activity that takes one
 * value (a Duro activity, or most of Temporal's) receives it as it was passed.
 */
function inputOf(args: unknown[]): unknown {
  if (args.length > 1) throw new TypeError('duro/temporal activities take one argument for now; pass an object (docs/temporal.md)');
  return args[0];
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
