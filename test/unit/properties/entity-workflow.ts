// The "entity" workflow the engine properties drive, and activities whose every attempt is scripted.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, defineQuery, defineSignal, defineUpdate, defineWorkflow, isCancellation,
  type ActivityContext,
} from 'duro/workflow';

export interface EntityState {
  /** Items from `addItem` signals, in the order they were recorded. */
  items: string[];
  /** Values of accepted `setValue` updates, in the order they were accepted. */
  values: number[];
  iterations: number;
  /** One entry per finished `charge` (remote activity): `ok:<result>` or `failed:<cause type>@<attempts>`. */
  charges: string[];
  /** The same for `audit` (local activity). */
  audits: string[];
  /** Set by the cleanup that runs, shielded, after cancellation. */
  released: string | null;
}

export const addItem = defineSignal<[item: string]>('addItem');
export const finish = defineSignal('finish');
export const setValue = defineUpdate<number, [value: number]>('setValue');
export const getState = defineQuery<EntityState>('getState');

/** Updates with a value from this one on wait `slowUpdateMs` (a durable timer) before they complete. */
export const slowUpdateFrom = 7;
export const slowUpdateMs = 300;

export const remoteRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 } as const;
export const localRetry = { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: 2 } as const;

export type AttemptOutcome = 'succeed' | 'failRetryable' | 'failNonRetryable' | 'timeOut';
/** Start-to-close timeout of `charge` and `audit`; a `timeOut` attempt runs until it is cut off by it. */
export const attemptTimeoutMs = 5_000;

/** What one activity attempt does: how long it takes (virtual ms) and how it ends. */
export interface ScriptedAttempt {
  outcome: AttemptOutcome;
  durationMs: number;
}
/** Attempts beyond the script succeed at once. */
export const defaultAttempt: ScriptedAttempt = { outcome: 'succeed', durationMs: 0 };

async function play(step: ScriptedAttempt, ctx: ActivityContext, result: string): Promise<string> {
  if (step.outcome === 'timeOut') await ctx.sleep(2 * attemptTimeoutMs); // rejects when the timeout aborts the attempt
  else if (step.durationMs > 0) await ctx.sleep(step.durationMs);
  if (step.outcome === 'failRetryable') throw ApplicationFailure.retryable(`${result} failed`, 'Flaky');
  if (step.outcome === 'failNonRetryable') throw ApplicationFailure.nonRetryable(`${result} failed`, 'Fatal');
  return `${result}@${ctx.info.attempt}`;
}

/** Activities that play `remote` (for `charge`) and `local` (for `audit`) attempt by attempt, in call order. */
export function scriptedActivities(remote: ScriptedAttempt[], local: ScriptedAttempt[]) {
  const probe = { remoteAttempts: 0, localAttempts: 0, localInFlight: false };
  const activities = {
    async charge(iteration: number, ctx: ActivityContext): Promise<string> {
      const step = remote[probe.remoteAttempts++] ?? defaultAttempt;
      return play(step, ctx, `charged-${iteration}`);
    },
    async audit(iteration: number, ctx: ActivityContext): Promise<string> {
      const step = local[probe.localAttempts++] ?? defaultAttempt;
      probe.localInFlight = true;
      try {
        return await play(step, ctx, `audited-${iteration}`);
      } finally {
        probe.localInFlight = false;
      }
    },
    async release(_input: undefined, ctx: ActivityContext): Promise<string> {
      await ctx.sleep(100);
      return 'released';
    },
  };
  return { activities, probe };
}

type EntityActivities = ReturnType<typeof scriptedActivities>['activities'];

/** `ok:<result>`, or `failed:<cause type>@<attempts>`; cancellation propagates. */
async function outcomeOf(call: Promise<string>): Promise<string> {
  try {
    return `ok:${await call}`;
  } catch (error) {
    if (isCancellation(error) || !(error instanceof ActivityFailure)) throw error;
    return `failed:${(error.cause as ApplicationFailure | undefined)?.type}@${error.attempt}`;
  }
}

/**
 * Every `periodMs` (or until `finish`), charges remotely and audits locally; folds signals and updates into
 * its state. Cancellation runs a shielded cleanup, then ends the run as cancelled.
 */
export const entity = defineWorkflow('entity', async (ctx, input: { periodMs: number }): Promise<EntityState> => {
  const state: EntityState = { items: [], values: [], iterations: 0, charges: [], audits: [], released: null };
  let finished = false;
  ctx.setHandler(addItem, (item) => void state.items.push(item));
  ctx.setHandler(finish, () => void (finished = true));
  ctx.setHandler(getState, () => state);
  ctx.setHandler(setValue, async (value) => {
    const count = state.values.push(value);
    if (value >= slowUpdateFrom) await ctx.sleep(slowUpdateMs); // still in flight across later inputs and evictions
    return count;
  }, {
    validator: (value) => {
      if (value < 0) throw ApplicationFailure.nonRetryable(`negative value ${value}`, 'NegativeValue');
    },
  });
  const { charge } = ctx.proxyActivities<EntityActivities>({ startToCloseTimeout: attemptTimeoutMs, retry: remoteRetry });
  const { audit } = ctx.proxyLocalActivities<EntityActivities>({ startToCloseTimeout: attemptTimeoutMs, retry: localRetry });
  try {
    while (!(await ctx.condition(() => finished, input.periodMs))) {
      state.iterations += 1;
      state.charges.push(await outcomeOf(charge(state.iterations)));
      state.audits.push(await outcomeOf(audit(state.iterations)));
    }
    return state;
  } catch (error) {
    if (!isCancellation(error)) throw error;
    await CancellationScope.nonCancellable(ctx, async (shielded) => {
      const { release } = shielded.proxyActivities<EntityActivities>({ startToCloseTimeout: '1 minute' });
      state.released = await release(undefined);
    });
    throw error;
  }
});
