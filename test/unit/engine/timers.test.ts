// Durable timers on the virtual clock: long sleeps cost no real time; timers fire in order; run timeouts.
import { describe, expect, it } from 'vitest';
import { TimeoutFailure, WorkflowFailedError, defineWorkflow, WorkflowBlockedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const DAY = 86_400_000;

const reminder = defineWorkflow('reminder', async (ctx, input: { days: number }) => {
  const before = ctx.now();
  await ctx.sleep(`${input.days} days`);
  return ctx.now() - before;
});

const race = defineWorkflow('race', async (ctx) => {
  const fired: string[] = [];
  await Promise.all([
    ctx.sleep('3h').then(() => fired.push('3h')),
    ctx.sleep('1h').then(() => fired.push('1h')),
    ctx.sleep('2h').then(() => fired.push('2h')),
    ctx.sleep('1h').then(() => fired.push('1h again')),
  ]);
  return fired;
});

const durations = defineWorkflow('durations', async (ctx) => {
  const start = ctx.now();
  const marks: number[] = [];
  for (const duration of [1500, '500ms', '2s', '1m', '1h30m', '1 week']) {
    await ctx.sleep(duration);
    marks.push(ctx.now() - start);
  }
  return marks;
});

const forever = defineWorkflow('forever', async (ctx) => {
  await ctx.sleep('3650 days');
});

const workflows = { reminder, race, durations, forever };

describe('timers', () => {
  it('completes a 30-day ctx.sleep on virtual time, in well under a second of real time', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const virtualStart = env.now();
    const realStart = performance.now();

    const slept = await env.execute(reminder, { input: { days: 30 } });

    expect(performance.now() - realStart).toBeLessThan(1_000);
    expect(slept).toBe(30 * DAY);
    expect(env.now() - virtualStart).toBeGreaterThanOrEqual(30 * DAY);
  });

  it('records TimerStarted with its fire time and TimerFired when it is due', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const start = env.now();
    const handle = await env.start(reminder, { input: { days: 30 } });
    await handle.result();

    const history = await handle.fetchHistory();
    const started = history.find((e) => e.type === 'TimerStarted');
    const fired = history.find((e) => e.type === 'TimerFired');
    expect(started).toMatchObject({ durationMs: 30 * DAY, fireAt: start + 30 * DAY });
    expect(fired?.timestamp).toBe(start + 30 * DAY);
  });

  it('keeps the workflow running, with its timer pending, until the time has passed', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const start = env.now();
    const handle = await env.start(reminder, { input: { days: 30 } });

    await env.sleep('29 days');
    const description = await handle.describe();
    expect(description.status).toBe('running');
    expect(description.pendingTimers).toEqual([{ timerId: '1', fireAt: start + 30 * DAY }]);

    await env.sleep('1 day');
    expect((await handle.describe()).status).toBe('completed');
  });

  it('fires concurrent timers in time order, ties in the order they were started', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(race)).toEqual(['1h', '1h again', '2h', '3h']);
  });

  it('accepts durations as milliseconds or strings', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const marks = await env.execute(durations);
    const steps = [1_500, 500, 2_000, 60_000, 5_400_000, 7 * DAY];
    expect(marks).toEqual(steps.map((_, i) => steps.slice(0, i + 1).reduce((a, b) => a + b, 0)));
  });

  it('rejects an invalid duration with a DurationError (a TypeError) naming it', async () => {
    const bad = defineWorkflow('bad', async (ctx) => ctx.sleep('5 fortnights'));
    const env = await TestWorkflowEnvironment.create({ workflows: { bad } });
    // A TypeError of workflow code blocks the run (a workflow task failure, as in Temporal).
    const error = (await env.execute(bad).catch((e: unknown) => e)) as WorkflowBlockedError;
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error.cause).toMatchObject({ type: 'DurationError', message: expect.stringContaining("'5 fortnights'") });
  });

  it('times a run out at its runTimeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const start = env.now();
    const handle = await env.start(forever, { runTimeout: '2 days' });
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;

    expect(error.status).toBe('timedOut');
    expect(error.cause).toBeInstanceOf(TimeoutFailure);
    expect((error.cause as TimeoutFailure).timeoutType).toBe('WORKFLOW_RUN');
    expect(env.now() - start).toBe(2 * DAY);
    expect((await handle.fetchHistory()).at(-1)?.type).toBe('WorkflowExecutionTimedOut');
  });

  it('times an execution out at its executionTimeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(forever, { executionTimeout: '1 day' });
    await expect(handle.result()).rejects.toMatchObject({ status: 'timedOut', cause: { timeoutType: 'WORKFLOW_EXECUTION' } });
  });
});
