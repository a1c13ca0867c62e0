// duro/temporal/activity: Temporal-style activities (plain async functions of their arguments, their context from
// Context.current()) called from Temporal-style workflows, in the time-skipping environment, remotely and locally.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { CancellationScope, proxyActivities, proxyLocalActivities, sleep } from 'duro/temporal/workflow';
import { activityInfo, CancelledFailure, CompleteAsyncError, Context, heartbeat, sleep as activitySleep } from 'duro/temporal/activity';
import { WorkflowFailedError, type ActivityContext } from 'duro/workflow';
import * as fixtureActivities from '../../fixtures/temporal/activities';
import * as fixtureWorkflows from '../../fixtures/temporal/workflows';

const seen: unknown[] = [];

afterEach(() => {
  fixtureActivities.calls.length = 0;
  seen.length = 0;
  vi.restoreAllMocks();
});

const activities = {
  ...fixtureActivities,
  /** Fails its first attempt after a heartbeat; the second resumes from the details. */
  async resumable(from: number, to: number): Promise<number[]> {
    const { info } = Context.current();
    const start = (info.heartbeatDetails as number | undefined) ?? from;
    heartbeat(start + 1);
    if (info.attempt === 1) throw new Error('lost the connection');
    seen.push({ attempt: info.attempt, details: info.heartbeatDetails, heartbeatTimeoutMs: info.heartbeatTimeoutMs, taskToken: typeof info.taskToken });
    return [start, to];
  },
  async sleeper(duration: string, label: string): Promise<string> {
    await activitySleep(duration);
    seen.push(label);
    return label;
  },
  async waitsForCancel(_a: string, _b: string): Promise<string> {
    const context = Context.current();
    try {
      await context.cancelled;
      return 'never';
    } catch (error) {
      seen.push({ cancelled: error instanceof CancelledFailure, aborted: context.cancellationSignal.aborted });
      throw error;
    }
  },
  async completesLater(_id: string, _n: number): Promise<string> {
    seen.push(activityInfo().taskToken);
    throw new CompleteAsyncError();
  },
  /** A native Duro activity: one input and `ctx`, whose context is also Context.current(). */
  async native(input: { n: number }, ctx: ActivityContext): Promise<string> {
    return `${input.n} ${ctx.info.activityType} ${Context.current().info.activityType}`;
  },
};

type Activities = typeof activities;
const remote = proxyActivities<Activities>({ startToCloseTimeout: '1 hour', heartbeatTimeout: '1 minute', retry: { initialInterval: '1s' } });
const plain = proxyActivities<Activities>({ startToCloseTimeout: '1 day' });
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 hour' });

const workflows = {
  ...fixtureWorkflows,
  async resumes(): Promise<number[]> {
    return await remote.resumable(1, 10);
  },
  async sleeps(): Promise<string[]> {
    return [await plain.sleeper('1 hour', 'remote'), await local.sleeper('10 minutes', 'local')];
  },
  async cancelsActivity(): Promise<string> {
    const waiting = proxyActivities<Activities>({ startToCloseTimeout: '1 hour', cancellationType: 'WAIT_CANCELLATION_COMPLETED' });
    try {
      await CancellationScope.cancellable(async () => {
        const scope = CancellationScope.current();
        const pending = waiting.waitsForCancel('a', 'b');
        await sleep('1 minute');
        scope.cancel();
        return await pending;
      });
      return 'not cancelled';
    } catch (error) {
      return error instanceof CancelledFailure || (error as Error).name === 'ActivityFailure' ? 'cancelled' : String(error);
    }
  },
  async asyncCompletion(): Promise<string> {
    return await plain.completesLater('order-1', 2);
  },
  async localAsyncCompletion(): Promise<string> {
    return await local.completesLater('order-1', 2);
  },
  async callsNative(): Promise<string[]> {
    return [await remote.native({ n: 1 }), await local.native({ n: 2 })];
  },
};

const create = () => TestWorkflowEnvironment.create({ workflows, activities });

describe('Temporal-style activities through duro/temporal/activity', () => {
  it('calls an activity of two arguments with both, remotely and locally, recording the argument list', async () => {
    const env = await create();
    expect(await env.execute('checkout', { workflowId: 'order-7', input: ['order-7', 30] })).toEqual(['charge order-7 30 EUR for order-7', 'charge order-7 60 EUR local for order-7']);
    expect(fixtureActivities.calls).toEqual(['charge:order-7:30:EUR', 'charge:order-7:60:EUR']);
    const scheduled = env.history('order-7').find((event) => event.type === 'ActivityTaskScheduled');
    expect(scheduled).toMatchObject({ activityType: 'charge', input: ['order-7', 30], options: { arguments: 'positional' } });
  });

  it('sends one argument as it is, recording no argument list (as before)', async () => {
    vi.spyOn(console, 'info').mockImplementation(() => undefined); // the workflow's log.info
    const env = await create();
    expect(await env.execute('greeting', { workflowId: 'g', input: ['Ada', 'Hello'] })).toBe('Hello, Ada!');
    const scheduled = env.history('g').find((event) => event.type === 'ActivityTaskScheduled') as { input: unknown; options: object };
    expect(scheduled.input).toBe('Hello, Ada');
    expect(scheduled.options).not.toHaveProperty('arguments');
  });

  it('gives Context.current().info, and heartbeat details to the next attempt', async () => {
    const env = await create();
    expect(await env.execute('resumes')).toEqual([2, 10]);
    expect(seen).toEqual([{ attempt: 2, details: 2, heartbeatTimeoutMs: 60_000, taskToken: 'string' }]);
  });

  it('sleeps on the environment\'s clock with a duration string, remotely and locally', async () => {
    const env = await create();
    const handle = await env.start('sleeps');
    await env.sleep('59 minutes');
    expect(seen).toEqual([]);
    await env.sleep('2 hours'); // a running attempt holds the clock: the test moves it
    expect(await handle.result()).toEqual(['remote', 'local']);
  });

  it('rejects Context.current().cancelled with a CancelledFailure when the activity is cancelled', async () => {
    const env = await create();
    const handle = await env.start('cancelsActivity');
    await env.sleep('2 minutes'); // a running attempt holds the clock: move it past the workflow's sleep
    expect(await handle.result()).toBe('cancelled');
    expect(seen).toEqual([{ cancelled: true, aborted: true }]);
  });

  it('completes later when the activity throws CompleteAsyncError, through its task token', async () => {
    const env = await create();
    const handle = await env.start('asyncCompletion', { workflowId: 'async' });
    await env.sleep('1 minute');
    expect(seen).toHaveLength(1);
    expect(env.completeActivity(seen[0] as string, { result: 'done later' })).toBe(true);
    expect(await handle.result()).toBe('done later');
  });

  it('fails a local activity that throws CompleteAsyncError: local activities cannot complete later', async () => {
    const env = await create();
    const error = await env.execute('localAsyncCompletion').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(JSON.stringify((error as WorkflowFailedError).failure)).toContain('AsyncCompletionNotSupported');
  });

  it('still calls a native Duro activity (input, ctx) with its input and context, remotely and locally', async () => {
    const env = await create();
    expect(await env.execute('callsNative')).toEqual(['1 native native', '2 native native']);
  });

  it('throws outside an activity', () => {
    expect(() => Context.current()).toThrow(/Activity context not initialized/);
  });
});
