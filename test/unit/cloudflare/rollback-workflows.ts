// Cloudflare-style workflows with rollbacks (step.do's `{ rollback, rollbackConfig }`), written as a Cloudflare user
// would; each rollback notes what it was handed in env.rolledBack, and env.calls counts how often a callback ran.
import { WorkflowEntrypoint, type RollbackContext, type WorkflowEvent, type WorkflowStep } from 'duro/cloudflare';
import type { Env as BaseEnv } from './workflows';

export interface Env extends BaseEnv {
  rolledBack: Array<{ stepName: string; step: { name: string; count: number }; attempt: number; output: unknown; error: string }>;
  /** Attempts of a rollback that fail before it succeeds, by step name (Infinity: it always fails). */
  rollbackFailures?: Record<string, number>;
  /** What a branch of run saw. */
  notes?: string[];
}

export interface TransferParams {
  /** Where the run fails: the credit step itself, or run after a sleep. Nothing: it completes. */
  failAt?: 'credit' | 'after';
  /** Catch the credit step's failure and go on. */
  catchCredit?: boolean;
}

const called = (env: Env, name: string) => (env.calls[name] = (env.calls[name] ?? 0) + 1);

/** A rollback that notes its context, failing its first `env.rollbackFailures[step]` attempts. */
function undo(env: Env) {
  return async ({ ctx, output, error, stepName }: RollbackContext) => {
    const n = called(env, `rollback ${ctx.step.name}`);
    if (n <= (env.rollbackFailures?.[ctx.step.name] ?? 0)) throw new Error(`undo ${ctx.step.name} failed (${n})`);
    env.rolledBack.push({ stepName, step: ctx.step, attempt: ctx.attempt, output, error: `${error.name}: ${error.message}` });
  };
}

const quick = { retries: { limit: 2, delay: 1000, backoff: 'constant' as const } };

/** Debit (with rollback), reserve (without), credit (with rollback), a sleep, and a failure where the params say. */
export class TransferWorkflow extends WorkflowEntrypoint<Env, TransferParams> {
  async run(event: WorkflowEvent<TransferParams>, step: WorkflowStep) {
    const rollback = { rollback: undo(this.env), rollbackConfig: { retries: { limit: 1, delay: '1 minute' as const, backoff: 'constant' as const } } };
    const debit = await step.do('debit', quick, async () => (called(this.env, 'debit'), { debitId: 'd-1' }), rollback);
    await step.do('reserve', async () => void called(this.env, 'reserve'));
    let credit: unknown;
    try {
      credit = await step.do('credit', quick, async (ctx) => {
        const n = called(this.env, 'credit');
        if (event.payload.failAt === 'credit' || n <= (this.env.failures?.credit ?? 0)) throw new Error(`credit refused (${ctx.attempt})`);
        return { creditId: 'c-1' };
      }, rollback);
    } catch (error) {
      if (!event.payload.catchCredit) throw error;
    }
    await step.sleep('settle', '1 hour');
    if (event.payload.failAt === 'after') throw new Error('notify failed');
    return { debit, credit };
  }
}

/** Two steps started together, the first to start finishing last (it is retried): rolled back in reverse start order. */
export class ParallelWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const rollback = { rollback: undo(this.env) };
    await Promise.all([
      step.do('slow', { retries: { limit: 1, delay: 1000, backoff: 'constant' } }, async (ctx) => {
        if (ctx.attempt === 1) throw new Error('not yet');
        return 'slow';
      }, rollback),
      step.do('fast', async () => 'fast', rollback),
    ]);
    throw new Error('both done, then failed');
  }
}

/** One branch fails run while another is asleep; it wakes during the rollbacks and tries a step. */
export class RacingWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const slowUndo = { rollback: undo(this.env), rollbackConfig: { retries: { limit: 1, delay: '5 minutes' as const, backoff: 'constant' as const } } };
    await Promise.all([
      step.do('book', async () => 'booked', slowUndo),
      step.sleep('short', 1000).then(() => Promise.reject(new Error('early failure'))),
      step.sleep('longer', 60_000).then(async () => {
        try {
          await step.do('late', async () => void called(this.env, 'late'));
        } catch (error) {
          (this.env.notes ??= []).push(`${(error as Error).name}: ${(error as Error).message}`);
        }
      }),
    ]);
  }
}

/** step.do with a rollback option that is not a function. */
export class BadRollbackWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    await step.do('bad', async () => 'x', { rollback: 'undo it' } as never);
  }
}
