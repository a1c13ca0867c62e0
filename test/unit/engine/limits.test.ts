// The limits every host enforces (Limits): payload size, history size, pending work, buffered messages.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, Limits, PayloadError, WorkflowFailedError, defineSignal, defineUpdate, defineWorkflow, type ActivityContext, type HistoryEvent, WorkflowBlockedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const MiB = 1024 * 1024;
/** A string whose JSON encoding is just over 2 MiB. */
const tooBig = 'x'.repeat(2 * MiB);
/** A string whose JSON encoding (with its quotes) is exactly 2 MiB. */
const justFits = 'x'.repeat(2 * MiB - 2);

const eventsOfActivity = (history: HistoryEvent[], activityId: string) => history.filter((e) => 'activityId' in e && e.activityId === activityId);

describe('Limits', () => {
  it('are the documented values', () => {
    expect(Limits).toMatchObject({
      maxPayloadBytes: 2 * MiB,
      historyWarnEvents: 10_000,
      historyMaxEvents: 50_000,
      historyWarnBytes: 10 * MiB,
      historyMaxBytes: 32 * MiB,
      maxPendingActivities: 2_000,
      maxPendingChildren: 2_000,
      maxBufferedSignals: 2_000,
      maxInFlightUpdates: 10,
    });
  });
});

describe('history growth from retries', () => {
  it('leaves at most 4 history events for an activity that fails 100 times before succeeding', async () => {
    let calls = 0;
    const activities = {
      async unreliable(_input: unknown, ctx: ActivityContext) {
        calls++;
        if (ctx.info.attempt <= 100) throw ApplicationFailure.retryable(`attempt ${ctx.info.attempt} failed`, 'Flaky');
        return `succeeded on attempt ${ctx.info.attempt}`;
      },
    };
    const retrying = defineWorkflow('retrying', async (ctx) => {
      const { unreliable } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1s', retry: { initialInterval: '10ms', maximumInterval: '20ms' } });
      return await unreliable();
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { retrying }, activities });
    const handle = await env.start(retrying);

    expect(await handle.result()).toBe('succeeded on attempt 101');
    expect(calls).toBe(101);

    const history = await handle.fetchHistory();
    const scheduled = history.find((e) => e.type === 'ActivityTaskScheduled')!;
    const activityId = scheduled.type === 'ActivityTaskScheduled' ? scheduled.activityId : '';
    const events = eventsOfActivity(history, activityId);
    expect(events.length).toBeLessThanOrEqual(4);
    expect(events.map((e) => e.type)).toEqual(['ActivityTaskScheduled', 'ActivityTaskStarted', 'ActivityTaskCompleted']);
    expect(events.at(-1)).toMatchObject({ attempt: 101 });
    expect(history.length).toBeLessThanOrEqual(8);
  });
});

describe('payload limit (2 MiB)', () => {
  const big = defineSignal<[payload: string]>('big');
  const bigUpdate = defineUpdate<number, [payload: string]>('bigUpdate');
  const activities = {
    async echo(input: string, _ctx: ActivityContext) {
      return input;
    },
    async produce(_input: unknown, _ctx: ActivityContext) {
      return tooBig;
    },
    async heartbeatBig(_input: unknown, ctx: ActivityContext) {
      ctx.heartbeat(tooBig);
      return 'heartbeat accepted';
    },
  };
  const receiver = defineWorkflow('receiver', async (ctx, _input: string) => {
    let count = 0;
    ctx.setHandler(big, () => void count++);
    ctx.setHandler(bigUpdate, (payload) => payload.length);
    await ctx.condition(() => count > 0);
    return count;
  });
  const sendsBigInput = defineWorkflow('sendsBigInput', async (ctx) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m' }).echo(tooBig));
  const getsBigResult = defineWorkflow('getsBigResult', async (ctx) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 5 } }).produce());
  const heartbeatsBig = defineWorkflow('heartbeatsBig', async (ctx) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m', retry: { maximumAttempts: 5 } }).heartbeatBig());
  const returnsBig = defineWorkflow('returnsBig', async () => tooBig);
  const returnsJustFits = defineWorkflow('returnsJustFits', async () => justFits);
  const bigSideEffect = defineWorkflow('bigSideEffect', async (ctx) => ctx.sideEffect(() => tooBig));
  const workflows = { receiver, sendsBigInput, getsBigResult, heartbeatsBig, returnsBig, returnsJustFits, bigSideEffect };

  async function setup() {
    return TestWorkflowEnvironment.create({ workflows, activities });
  }

  it('rejects a workflow input over the limit, saying which payload and what to do', async () => {
    const env = await setup();
    const error = await env.start(receiver, { input: tooBig }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadError);
    expect((error as PayloadError).message).toMatch(/Workflow input is \d+ bytes, over the 2097152-byte \(2 MiB\) payload limit/);
    expect((error as PayloadError).message).toContain('pass a reference');
    expect((error as PayloadError).sizeBytes).toBe(2 * MiB + 2);
  });

  it('accepts a payload of exactly 2 MiB', async () => {
    const env = await setup();
    expect(await env.execute(returnsJustFits)).toHaveLength(2 * MiB - 2);
  });

  it('rejects signal and update arguments over the limit, and records nothing', async () => {
    const env = await setup();
    const handle = await env.start(receiver, { input: 'small' });
    const before = (await handle.fetchHistory()).length;

    await expect(handle.signal(big, tooBig)).rejects.toThrow(PayloadError);
    await expect(handle.executeUpdate(bigUpdate, { args: [tooBig] })).rejects.toThrow(/Arguments of update 'bigUpdate' is \d+ bytes/);

    expect((await handle.fetchHistory()).length).toBe(before);
    expect((await handle.describe()).status).toBe('running');
  });

  it('blocks the workflow (a workflow task failure) when it passes an activity an input over the limit', async () => {
    const env = await setup();
    // A PayloadError is not a Duro failure: as in Temporal, an oversized payload fails the workflow task, not the run.
    const error = (await env.execute(sendsBigInput).catch((e: unknown) => e)) as WorkflowBlockedError;
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error.cause).toMatchObject({ type: 'PayloadError', message: expect.stringContaining("Input of activity 'echo'") });
  });

  it('fails an activity whose result is over the limit, without retrying', async () => {
    const env = await setup();
    const error = (await env.execute(getsBigResult).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect((error.cause as ActivityFailure).attempt).toBe(1);
    expect(error.cause.cause).toMatchObject({ type: 'PayloadTooLarge', nonRetryable: true, message: expect.stringContaining("Result of activity 'produce'") });
  });

  it('fails an activity whose heartbeat details are over the limit, without retrying', async () => {
    const env = await setup();
    const error = (await env.execute(heartbeatsBig).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect((error.cause as ActivityFailure).attempt).toBe(1);
    expect(error.cause.cause).toMatchObject({ type: 'PayloadTooLarge', message: expect.stringContaining('Heartbeat details') });
  });

  it('fails a workflow whose result is over the limit', async () => {
    const env = await setup();
    const error = (await env.execute(returnsBig).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.status).toBe('failed');
    expect(error.failure).toMatchObject({ type: 'PayloadTooLarge', message: expect.stringContaining('Workflow result') });
  });

  it('blocks a workflow whose side effect value is over the limit', async () => {
    const env = await setup();
    const error = (await env.execute(bigSideEffect).catch((e: unknown) => e)) as WorkflowBlockedError;
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error.cause).toMatchObject({ type: 'PayloadError', message: expect.stringContaining('Side effect value') });
  });
});

describe('pending work limits', () => {
  it(`rejects the activity beyond Limits.maxPendingActivities (${Limits.maxPendingActivities}) with LimitExceeded`, async () => {
    const activities = {
      async noop(_input: unknown, _ctx: ActivityContext) {
        return 1;
      },
    };
    const fanOut = defineWorkflow('fanOut', async (ctx) => {
      const { noop } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });
      const calls = Array.from({ length: Limits.maxPendingActivities + 1 }, () => noop());
      const settled = await Promise.allSettled(calls);
      const rejected = settled.flatMap((s, i) => (s.status === 'rejected' ? [{ index: i, type: (s.reason as ApplicationFailure).type }] : []));
      return { fulfilled: settled.filter((s) => s.status === 'fulfilled').length, rejected };
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { fanOut }, activities });
    expect(await env.execute(fanOut)).toEqual({ fulfilled: Limits.maxPendingActivities, rejected: [{ index: Limits.maxPendingActivities, type: 'LimitExceeded' }] });
  });

  it(`rejects updates beyond Limits.maxInFlightUpdates (${Limits.maxInFlightUpdates}) in flight`, async () => {
    const release = defineSignal('release');
    const slow = defineUpdate<string>('slow');
    const gate = defineWorkflow('gate', async (ctx) => {
      let open = false;
      ctx.setHandler(release, () => void (open = true));
      ctx.setHandler(slow, async () => {
        await ctx.condition(() => open);
        return 'done';
      });
      await ctx.condition(() => false);
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { gate } });
    const handle = await env.start(gate);

    const inFlight = Array.from({ length: Limits.maxInFlightUpdates }, () => handle.executeUpdate(slow));
    await env.sleep('1s');
    await expect(handle.executeUpdate(slow)).rejects.toMatchObject({ name: 'WorkflowUpdateRejectedError', cause: { type: 'LimitExceeded' } });

    await handle.signal(release);
    expect(await Promise.all(inFlight)).toEqual(Array(Limits.maxInFlightUpdates).fill('done'));
  });

  it(`rejects signals beyond Limits.maxBufferedSignals (${Limits.maxBufferedSignals}) waiting for a handler`, async () => {
    const unhandled = defineSignal<[n: number]>('unhandled');
    const deaf = defineWorkflow('deaf', async (ctx) => {
      await ctx.sleep('1 day');
      let count = 0;
      ctx.setHandler(unhandled, () => void count++);
      return count;
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { deaf } });
    const handle = await env.start(deaf);
    for (let n = 0; n < Limits.maxBufferedSignals; n++) await handle.signal(unhandled, n);

    await expect(handle.signal(unhandled, -1)).rejects.toMatchObject({ type: 'LimitExceeded' });
    expect(await handle.result()).toBe(Limits.maxBufferedSignals);
  });
});

describe('history size limits', () => {
  it(`suggests continue-as-new once history reaches Limits.historyWarnEvents (${Limits.historyWarnEvents})`, async () => {
    const chatty = defineWorkflow('chatty', async (ctx) => {
      const before = ctx.info().continueAsNewSuggested;
      for (let i = 0; i < Limits.historyWarnEvents; i++) await ctx.sideEffect(() => i);
      await ctx.sleep(1); // history facts are those of the activation: the next one sees the markers
      return { before, after: ctx.info().continueAsNewSuggested, historyLength: ctx.info().historyLength };
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { chatty } });
    const result = await env.execute(chatty);
    expect(result.before).toBe(false);
    expect(result.after).toBe(true);
    expect(result.historyLength).toBeGreaterThanOrEqual(Limits.historyWarnEvents);
  });

  it(`fails the run with HistoryLimitExceeded past Limits.historyMaxEvents (${Limits.historyMaxEvents})`, async () => {
    const runaway = defineWorkflow('runaway', async (ctx) => {
      for (let i = 0; i < Limits.historyMaxEvents; i++) await ctx.sideEffect(() => i);
      return 'unreachable';
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { runaway } });
    const handle = await env.start(runaway);
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

    expect(error.status).toBe('failed');
    expect(error.failure).toMatchObject({ type: 'HistoryLimitExceeded', message: expect.stringContaining('ctx.continueAsNew()') });
    expect((await handle.fetchHistory()).length).toBeLessThanOrEqual(Limits.historyMaxEvents);
  });
});
