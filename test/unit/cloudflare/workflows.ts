// Cloudflare-style workflows for the duro/cloudflare tests: written as a Cloudflare Workflows user would, with
// counters the tests read to see how often a step's callback really ran.
import { NonRetryableError, WorkflowEntrypoint, type Workflow, type WorkflowEvent, type WorkflowStep } from 'duro/cloudflare';

export interface Env {
  GREETING: string;
  calls: Record<string, number>;
  /** Attempts that fail before a step succeeds, by step name. */
  failures?: Record<string, number>;
  /** The Workflow binding of SignupWorkflow, where a test binds it (binding.test.ts). */
  SIGNUP?: Workflow<{ email: string }>;
}

const called = (env: Env, name: string) => (env.calls[name] = (env.calls[name] ?? 0) + 1);

/** Fails its first `env.failures[name]` attempts, then returns what `value` gives. */
function flaky<T>(env: Env, name: string, value: () => T) {
  return async () => {
    const n = called(env, name);
    if (n <= (env.failures?.[name] ?? 0)) throw new Error(`${name} failed (${n})`);
    return value();
  };
}

export class SignupWorkflow extends WorkflowEntrypoint<Env, { email: string }> {
  async run(event: WorkflowEvent<{ email: string }>, step: WorkflowStep) {
    const user = await step.do('create user', flaky(this.env, 'create user', () => ({ id: 'u1', email: event.payload.email })));
    await step.sleep('let it settle', '1 hour');
    const greeting = await step.do('greet', async () => {
      called(this.env, 'greet');
      return `${this.env.GREETING}, ${user.email}`;
    });
    return { user, greeting, instanceId: event.instanceId, startedAt: event.timestamp.getTime() };
  }
}

export type Backoff = 'constant' | 'linear' | 'exponential';

/** One step with the config in the params: `retries` undefined means Cloudflare's defaults. */
export class RetryingWorkflow extends WorkflowEntrypoint<Env, { retries?: { limit: number; delay: number | string; backoff?: Backoff }; timeout?: number | string }> {
  async run(event: WorkflowEvent<{ retries?: { limit: number; delay: number | `${number} second` | `${number} seconds`; backoff?: Backoff }; timeout?: number }>, step: WorkflowStep) {
    const config = event.payload.retries ? { retries: event.payload.retries as never, timeout: event.payload.timeout } : {};
    return await step.do('flaky', config, flaky(this.env, 'flaky', () => 'done'));
  }
}

/** A step that never finishes, timed out per attempt. */
export class HangingWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    return await step.do('hang', { retries: { limit: 1, delay: 1000, backoff: 'constant' }, timeout: 50 }, async () => {
      called(this.env, 'hang');
      return await new Promise<string>(() => undefined);
    });
  }
}

export class FatalWorkflow extends WorkflowEntrypoint<Env, { catchIt?: boolean }> {
  async run(event: WorkflowEvent<{ catchIt?: boolean }>, step: WorkflowStep) {
    try {
      await step.do('charge', async () => {
        called(this.env, 'charge');
        throw new NonRetryableError('card declined');
      });
    } catch (error) {
      if (!event.payload.catchIt) throw error;
      return `caught ${(error as Error).name}: ${(error as Error).message}`;
    }
    return 'charged';
  }
}

/** The same step name three times: each is a step of its own, with its own count. */
export class RepeatingWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    called(this.env, 'run'); // outside any step: counts the runs of the code, replays included
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push(await step.do('tick', async (ctx) => {
        called(this.env, 'tick');
        return `${ctx.step.name}#${ctx.step.count} attempt ${ctx.attempt}`;
      }));
    }
    await step.sleep('pause', 1000);
    return seen;
  }
}

/** A delay function: each retry waits `attempt` seconds, constant backoff. */
export class DelayFunctionWorkflow extends WorkflowEntrypoint<Env> {
  async run(_event: WorkflowEvent<unknown>, step: WorkflowStep) {
    const config = { retries: { limit: 3, delay: ({ ctx }: { ctx: { attempt: number } }) => ctx.attempt * 1000, backoff: 'constant' as const } };
    return await step.do('flaky', config as never, flaky(this.env, 'flaky', () => 'done'));
  }
}

export class SleepyWorkflow extends WorkflowEntrypoint<Env, { until: number }> {
  async run(event: WorkflowEvent<{ until: number }>, step: WorkflowStep) {
    await step.sleep('short nap', '1 minute');
    await step.sleep('numeric nap', 5_000);
    await step.sleepUntil('alarm', new Date(event.payload.until));
    return await step.do('wake', async () => {
      called(this.env, 'wake');
      return 'awake';
    });
  }
}

export class ApprovalWorkflow extends WorkflowEntrypoint<Env, { timeout?: string }> {
  async run(event: WorkflowEvent<{ timeout?: string }>, step: WorkflowStep) {
    await step.do('request approval', async () => void called(this.env, 'request approval'));
    await step.sleep('give them time', '10 minutes');
    const options = event.payload.timeout ? { type: 'approval', timeout: event.payload.timeout as '1 hour' } : { type: 'approval' };
    const approval = await step.waitForEvent<{ approved: boolean }>('wait for approval', options);
    return { approved: approval.payload.approved, type: approval.type, at: approval.timestamp.getTime() };
  }
}

/** Starts a SignupWorkflow through `this.env.SIGNUP`, as one Cloudflare Workflow starts another, from a step. */
export class LauncherWorkflow extends WorkflowEntrypoint<Env, { email: string }> {
  async run(event: WorkflowEvent<{ email: string }>, step: WorkflowStep) {
    const id = await step.do('launch signup', async () => (await this.env.SIGNUP!.create({ id: `signup-of-${event.instanceId}`, params: { email: event.payload.email } })).id);
    return { launched: id };
  }
}
