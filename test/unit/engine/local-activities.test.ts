// Local activities: run in-process, recorded by the activation they resume (the one that asked for them when they
// settle at once); every attempt's outcome is a MarkerRecorded event.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, TimeoutFailure, WorkflowFailedError, NonDeterminismError, defineQuery, defineSignal, defineWorkflow, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

function lookupActivities(failures: number, log: Array<{ attempt: number; isLocal: boolean }> = []) {
  return {
    log,
    activities: {
      async lookup(input: { key: string }, ctx: ActivityContext) {
        log.push({ attempt: ctx.info.attempt, isLocal: ctx.info.isLocal });
        if (ctx.info.attempt <= failures) throw ApplicationFailure.retryable(`cache miss ${ctx.info.attempt}`, 'CacheMiss');
        return `value of ${input.key}`;
      },
      async stall(_input: unknown, ctx: ActivityContext) {
        await ctx.sleep(60_000);
        return 'late';
      },
    },
  };
}
type Acts = ReturnType<typeof lookupActivities>['activities'];

const calls = defineQuery<number>('calls');

const usesLookup = defineWorkflow('usesLookup', async (ctx, input: { maximumAttempts?: number } = {}) => {
  const { lookup } = ctx.proxyLocalActivities<Acts>({ startToCloseTimeout: '5s', retry: { initialInterval: '1s', maximumAttempts: input.maximumAttempts ?? 0 } });
  const a = await lookup({ key: 'a' });
  let lookups = 1;
  ctx.setHandler(calls, () => lookups);
  const b = await lookup({ key: 'b' });
  lookups++;
  await ctx.sleep('1 hour');
  return [a, b];
});

const usesStall = defineWorkflow('usesStall', async (ctx) => {
  const { stall } = ctx.proxyLocalActivities<Acts>({ startToCloseTimeout: '200ms', retry: { maximumAttempts: 2 } });
  return await stall();
});

const approved = defineSignal<[string]>('approved');

/** A slow local attempt (it waits on the clock), then a wait for a signal that may come while it runs. */
const slowThenSignal = defineWorkflow('slowThenSignal', async (ctx) => {
  const { wait } = ctx.proxyLocalActivities<{ wait(ms: number): Promise<string> }>({ startToCloseTimeout: '1 minute' });
  let by: string | undefined;
  ctx.setHandler(approved, (name) => void (by = name));
  const waited = await wait(300);
  await ctx.condition(() => by !== undefined);
  return `${waited}, approved by ${by}`;
});

const workflows = { usesLookup, usesStall, slowThenSignal };

const localMarkers = (history: HistoryEvent[]) => history.filter((e) => e.type === 'MarkerRecorded' && e.markerName === 'LocalActivity');

describe('local activities', () => {
  it('run in-process and record their outcome as a LocalActivity marker, not as activity tasks', async () => {
    const { activities, log } = lookupActivities(0);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(usesLookup);

    expect(await handle.result()).toEqual(['value of a', 'value of b']);
    expect(log).toEqual([{ attempt: 1, isLocal: true }, { attempt: 1, isLocal: true }]);
    const history = await handle.fetchHistory();
    expect(localMarkers(history)).toMatchObject([
      { seq: 1, data: { activityType: 'lookup', attempt: 1, outcome: { result: 'value of a' } } },
      { seq: 2, data: { activityType: 'lookup', attempt: 1, outcome: { result: 'value of b' } } },
    ]);
    expect(history.some((e) => e.type.startsWith('ActivityTask'))).toBe(false);
  });

  it('end the activation while a slow attempt runs: the start commits, a signal is recorded at once, the outcome comes next', async () => {
    const activities = {
      ...lookupActivities(0).activities,
      async wait(ms: number, ctx: ActivityContext) {
        await ctx.sleep(ms);
        return `waited ${ms} ms`;
      },
    };
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(slowThenSignal); // answered while the attempt runs
    await handle.signal(approved, 'ada'); // recorded now, not after the attempt
    expect(await handle.result()).toBe('waited 300 ms, approved by ada');
    const history = await handle.fetchHistory();
    expect(history.map((e) => e.type)).toEqual([
      'WorkflowExecutionStarted', 'WorkflowTaskCompleted',
      'SignalReceived', 'WorkflowTaskCompleted',
      'MarkerRecorded', 'WorkflowExecutionCompleted',
    ]);
    await replayHistory({ slowThenSignal }, history);
  });

  it('commit local activities that finish in one activation together, in one workflow task', async () => {
    const { activities } = lookupActivities(0);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(usesLookup);
    await handle.result();
    const types = (await handle.fetchHistory()).map((e) => e.type);
    expect(types.slice(0, 5)).toEqual(['WorkflowExecutionStarted', 'MarkerRecorded', 'MarkerRecorded', 'TimerStarted', 'WorkflowTaskCompleted']);
  });

  it('retry per their policy: a marker per attempt and a durable timer per backoff', async () => {
    const { activities, log } = lookupActivities(2);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const start = env.now();
    const handle = await env.start(usesLookup);

    expect(await handle.result()).toEqual(['value of a', 'value of b']);
    expect(log.map((l) => l.attempt)).toEqual([1, 2, 3, 1, 2, 3]);
    const history = await handle.fetchHistory();
    expect(localMarkers(history).map((e) => e.type === 'MarkerRecorded' && e.data)).toMatchObject([
      { attempt: 1, outcome: { failure: { type: 'CacheMiss' } } },
      { attempt: 2, outcome: { failure: { type: 'CacheMiss' } } },
      { attempt: 3, outcome: { result: 'value of a' } },
      { attempt: 1, outcome: { failure: { type: 'CacheMiss' } } },
      { attempt: 2, outcome: { failure: { type: 'CacheMiss' } } },
      { attempt: 3, outcome: { result: 'value of b' } },
    ]);
    const timers = history.flatMap((e) => (e.type === 'TimerStarted' ? [e.durationMs] : []));
    expect(timers).toEqual([1_000, 2_000, 1_000, 2_000, 3_600_000]);
    expect(history.filter((e) => e.type === 'TimerFired')).toHaveLength(5);
    expect(env.now() - start).toBe(6_000 + 3_600_000);
  });

  it('fail with ActivityFailure carrying the last cause once attempts run out', async () => {
    const { activities } = lookupActivities(Infinity);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const error = (await env.execute(usesLookup, { input: { maximumAttempts: 3 } }).catch((e: unknown) => e)) as WorkflowFailedError;

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause).toMatchObject({ activityType: 'lookup', attempt: 3 });
    expect(error.cause.cause).toMatchObject({ type: 'CacheMiss', message: 'cache miss 3' });
  });

  it('time out an attempt at startToCloseTimeout, and wait the full backoff before retrying', async () => {
    const { activities } = lookupActivities(0);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const start = env.now();
    const error = (await env.execute(usesStall).catch((e: unknown) => e)) as WorkflowFailedError;

    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect((error.cause as ActivityFailure).attempt).toBe(2);
    expect(error.cause.cause).toBeInstanceOf(TimeoutFailure);
    // Attempt 1 times out at 200 ms (a running attempt holds the clock: real time, a little more on a busy machine);
    // the 1 s backoff counts from then, not from the start of the activation, and is skipped; attempt 2 takes 200 ms.
    expect(env.now() - start).toBeGreaterThanOrEqual(200 + 1_000 + 200);
    expect(env.now() - start).toBeLessThan(200 + 1_000 + 200 + 3_000);
  });

  it('are not run again on replay: the marker supplies the outcome', async () => {
    const { activities, log } = lookupActivities(1);
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(usesLookup);
    await env.sleep('1 minute');
    const callsBefore = log.length;
    const lookupsBefore = await handle.query(calls);

    env.evict(handle.workflowId);
    expect(await handle.query(calls)).toBe(lookupsBefore);
    expect(log.length).toBe(callsBefore);

    expect(await handle.result()).toEqual(['value of a', 'value of b']);
    await expect(replayHistory(workflows, await handle.fetchHistory())).resolves.toBeUndefined();
  });

  it('that return nothing replay from history stored as JSON, where the result of undefined is gone', async () => {
    const notify = defineWorkflow('notify', async (ctx) => {
      await ctx.executeLocalActivity('send', () => undefined, { startToCloseTimeout: '1s' });
      await ctx.sleep('1 minute');
      return 'sent';
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { notify } });
    const handle = await env.start(notify);
    expect(await handle.result()).toBe('sent');
    const stored = JSON.parse(JSON.stringify(await handle.fetchHistory())) as HistoryEvent[]; // as the SQLite store keeps it
    await expect(replayHistory({ notify }, stored)).resolves.toBeUndefined();
  });

  it('require a timeout', async () => {
    const noTimeout = defineWorkflow('noTimeout', async (ctx) => ctx.proxyLocalActivities<Acts>({}).lookup({ key: 'a' }));
    const env = await TestWorkflowEnvironment.create({ workflows: { noTimeout }, activities: lookupActivities(0).activities });
    // A TypeError of workflow code blocks the run (a workflow task failure, as in Temporal).
    await expect(env.execute(noTimeout)).rejects.toMatchObject({ name: 'WorkflowBlockedError', cause: { type: 'TypeError', message: expect.stringContaining('startToCloseTimeout') } });
  });
});

describe('local activity schedule-to-close timeout', () => {
  it('bounds every attempt by what is left of it since the first was scheduled, and ends the activity for good', async () => {
    const started: number[] = [];
    const activities = {
      async hang(_input: unknown, ctx: ActivityContext) {
        started.push(ctx.info.attempt);
        await ctx.sleep(60_000);
        return 'late';
      },
    };
    const bounded = defineWorkflow('boundedLocal', async (ctx) => {
      const { hang } = ctx.proxyLocalActivities<typeof activities>({ startToCloseTimeout: 200, scheduleToCloseTimeout: 500, retry: { initialInterval: 20, backoffCoefficient: 1 } });
      const begun = ctx.now();
      try {
        return await hang({});
      } catch (error) {
        const cause = (error as ActivityFailure).cause as TimeoutFailure;
        return { attempts: (error as ActivityFailure).attempt, timeoutType: cause.timeoutType, elapsed: ctx.now() - begun };
      }
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { bounded }, activities });
    const result = (await env.execute(bounded)) as { attempts: number; timeoutType: string; elapsed: number };
    // Attempts 1 and 2 run out their 200 ms; the third, started at about 440 ms, has only what is left of the 500.
    expect(started).toEqual([1, 2, 3]);
    expect(result).toMatchObject({ attempts: 3, timeoutType: 'SCHEDULE_TO_CLOSE' });
    expect(result.elapsed).toBeLessThan(640);
  });
});

describe('local activities on replay', () => {
  const inOrder = (order: string[]) => defineWorkflow('inOrder', async (ctx) => {
    const results: string[] = [];
    for (const name of order) results.push(await ctx.executeLocalActivity(name, () => `${name} done`, { startToCloseTimeout: '5s' }));
    return results;
  });

  it('raises NonDeterminismError when the code runs them in another order, instead of handing one the other\'s result', async () => {
    const test = await TestWorkflowEnvironment.create({ workflows: [inOrder(['reserve', 'charge'])] });
    const handle = await test.start('inOrder');
    await handle.result();
    const history = await handle.fetchHistory();
    await expect(replayHistory([inOrder(['reserve', 'charge'])], history)).resolves.toBeUndefined();
    const error = await replayHistory([inOrder(['charge', 'reserve'])], history).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as NonDeterminismError).diff).toMatchObject({ expected: 'LocalActivity(charge, seq 1)' });
  });
});
