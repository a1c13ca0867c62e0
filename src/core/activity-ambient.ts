// Which activity is running right now, for code that is not handed its `ctx`: Temporal-style activities, which take
// only their arguments and reach their context through `Context.current()` (duro/temporal/activity). Every runner
// (the test environment, local activities on every host, serveActivities) calls the implementation through
// `callActivity`, so the context follows the activity across its awaits wherever AsyncLocalStorage exists.
import type { ActivityContext, ActivityFunction } from './activity';
import { sharedAsyncStorage, type AsyncContextStorage } from './async-storage';
import { brandClass } from './brand';
import { ApplicationFailure } from './failure';

/** How a task's input reaches the implementation: recorded with the scheduled activity, carried in its task. */
export type ActivityArguments = 'positional';

/**
 * Set (under this `Symbol.for` key, so any copy of Duro reads it) on the options a workflow passes to
 * `ctx.proxyActivities`/`proxyLocalActivities` when each stub's input is the list of its positional arguments: the
 * Temporal facade's stubs for calls with more than one argument.
 */
export const positionalArgumentsOption: unique symbol = Symbol.for('duro.activity.positionalArguments') as never;

/**
 * Thrown by an activity to say it completes later through its task token (Temporal's `CompleteAsyncError`): the same
 * as calling `ctx.doNotCompleteOnReturn()` and returning.
 * @example
 * await tickets.open({ callback: activityInfo().taskToken });
 * throw new CompleteAsyncError();
 */
export class CompleteAsyncError extends Error {
  static {
    brandClass(this, 'CompleteAsyncError');
  }

  constructor() {
    super('The activity completes asynchronously');
    this.name = 'CompleteAsyncError';
  }
}

let storage: AsyncContextStorage<ActivityContext> | null | undefined;

function activityStorage(): AsyncContextStorage<ActivityContext> | null {
  if (storage !== undefined) return storage;
  return (storage = sharedAsyncStorage<ActivityContext>(Symbol.for('duro.activityStorage')));
}

/** The context of the activity whose code is running, if any (none where there is no AsyncLocalStorage). */
export function currentActivityContext(): ActivityContext | undefined {
  return activityStorage()?.getStore();
}

/**
 * Calls an implementation with `ctx` as the current activity: `fn(input, ctx)` (Duro's activities, and Temporal's
 * called with one argument), or `fn(...input)` when the input is a positional argument list.
 */
export function callActivity(fn: ActivityFunction, input: unknown, args: ActivityArguments | undefined, ctx: ActivityContext): unknown {
  const call = () => {
    if (args !== 'positional') return fn(input, ctx);
    if (!Array.isArray(input)) throw ApplicationFailure.nonRetryable(`The input of activity '${ctx.info.activityType}' is not an argument list`, 'InvalidActivityInput');
    return (fn as (...positional: unknown[]) => unknown)(...input);
  };
  const context = activityStorage();
  return context ? context.run(ctx, call) : call();
}
