// A workflow's own retry policy (Temporal's): a run that fails, or hits its run timeout, is followed by the next
// attempt after the backoff, with the same input; the result follows the attempts; the parent hears only the end.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, defineWorkflow, WorkflowFailedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

/** Fails until attempt `succeedOn`; `fatal` makes the failure non-retryable. */
const shaky = defineWorkflow('shaky', async (ctx, input: { succeedOn: number; fatal?: boolean }) => {
  const { attempt } = ctx.info();
  if (attempt < input.succeedOn) {
    throw input.fatal ? ApplicationFailure.nonRetryable(`attempt ${attempt} failed for good`, 'Fatal') : ApplicationFailure.retryable(`attempt ${attempt} failed`, 'Shaky');
  }
  return { attempt, input };
});

/** Sleeps past its run timeout on the first attempt only. */
const slowFirst = defineWorkflow('slowFirst', async (ctx) => {
  if (ctx.info().attempt === 1) await ctx.sleep('1 hour');
  return ctx.info().attempt;
});

const parentOfShaky = defineWorkflow('parentOfShaky', async (ctx) => {
  const child = await ctx.startChild(shaky, { workflowId: `${ctx.info().workflowId}-child`, input: { succeedOn: 3 }, retry: { initialInterval: '1 minute' } });
  return await child.result();
});

/** Continues as new once, then fails: the continued run is attempt 1 of its own retries. */
const chained = defineWorkflow('chained', async (ctx, input: { continued?: boolean }) => {
  if (!input.continued && ctx.info().attempt === 2) await ctx.continueAsNew({ continued: true });
  if (ctx.info().attempt < 2 || input.continued) throw ApplicationFailure.retryable(`attempt ${ctx.info().attempt} failed`, 'Chained');
  return 'unreachable';
});

/** Fails in its cancellation cleanup. */
const failsOnCancel = defineWorkflow('failsOnCancel', async (ctx) => {
  try {
    await ctx.sleep('1 day');
  } catch {
    throw ApplicationFailure.retryable('cleanup failed', 'Cleanup');
  }
});

const workflows = { shaky, slowFirst, parentOfShaky, chained, failsOnCancel };

describe('workflow retry policy', () => {
  it('starts the next attempt after the backoff, with the same input, and the result follows the attempts', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(shaky, { workflowId: 'w', input: { succeedOn: 3 }, retryPolicy: { initialInterval: '1 minute', maximumAttempts: 5 } });
    const first = env.runOf('w', handle.runId);
    await env.waitFor(() => (first.isClosed ? true : undefined));
    expect(first.state.status).toBe('failed');
    const close = first.state.closeEvent as { type: string; retry?: { newRunId: string; backoffMs: number } };
    expect(close).toMatchObject({ type: 'WorkflowExecutionFailed', retry: { backoffMs: 60_000 } });

    // The second attempt waits out its backoff.
    const second = env.runOf('w', close.retry!.newRunId);
    expect(env.history('w', second.runId).map((e) => e.type)).toEqual(['WorkflowExecutionStarted']);
    await env.sleep('59 seconds');
    expect(env.history('w', second.runId).map((e) => e.type)).toEqual(['WorkflowExecutionStarted']);

    const started = Date.now();
    expect(await handle.result()).toEqual({ attempt: 3, input: { succeedOn: 3 } });
    expect(Date.now() - started).toBeLessThan(5_000); // virtual time
    const startEvents = [first.runId, second.runId, env.runOf('w').runId].map((runId) => env.history('w', runId)[0] as { attempt: number; continuedFromRunId?: string });
    expect(startEvents.map((e) => e.attempt)).toEqual([1, 2, 3]);
    expect(startEvents[1]!.continuedFromRunId).toBe(first.runId);
    // Backoff doubles: 1 minute, then 2 minutes.
    expect((second.state.closeEvent as { retry?: { backoffMs: number } }).retry!.backoffMs).toBe(120_000);
  });

  it('stops at maximumAttempts and fails with the last failure', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(shaky, { workflowId: 'w', input: { succeedOn: 10 }, retryPolicy: { initialInterval: '1s', maximumAttempts: 3 } });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).failure.message).toBe('attempt 3 failed');
    expect(env.runOf('w').state.closeEvent).not.toHaveProperty('retry');
  });

  it('does not retry a non-retryable failure, a listed error type, or past the execution timeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const fatal = await env.start(shaky, { workflowId: 'fatal', input: { succeedOn: 2, fatal: true }, retryPolicy: { maximumAttempts: 5 } });
    await expect(fatal.result()).rejects.toThrow('attempt 1 failed for good');
    const listed = await env.start(shaky, { workflowId: 'listed', input: { succeedOn: 2 }, retryPolicy: { nonRetryableErrorTypes: ['Shaky'] } });
    await expect(listed.result()).rejects.toThrow('attempt 1 failed');
    // The next attempt would start 1 hour later, after the 30-minute execution timeout.
    const late = await env.start(shaky, { workflowId: 'late', input: { succeedOn: 2 }, executionTimeout: '30 minutes', retryPolicy: { initialInterval: '1 hour' } });
    await expect(late.result()).rejects.toThrow('attempt 1 failed');
    for (const id of ['fatal', 'listed', 'late']) expect(env.runOf(id).state.closeEvent).not.toHaveProperty('retry');
  });

  it('retries a run that hit its run timeout', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(slowFirst, { workflowId: 'slow', runTimeout: '10 minutes', retryPolicy: { initialInterval: '1s' } });
    expect(await handle.result()).toBe(2);
    expect(env.runOf('slow', handle.runId).state.status).toBe('timedOut');
  });

  it('counts the run timeout of a delayed attempt from its start, so a backoff longer than the run timeout still runs it', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(shaky, { workflowId: 'long-backoff', input: { succeedOn: 3 }, runTimeout: '30s', retryPolicy: { initialInterval: '40s', maximumAttempts: 4 } });
    expect(await handle.result()).toEqual({ attempt: 3, input: { succeedOn: 3 } });
  });

  it('starts a continued run at attempt 1, with the whole retry budget', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(chained, { workflowId: 'chain', input: {}, retryPolicy: { initialInterval: '1s', maximumAttempts: 3 } });
    await expect(handle.result()).rejects.toThrow('attempt 3 failed');
    const attempts = env.history('chain', env.runOf('chain').runId)[0] as { attempt: number; continuedFromRunId?: string };
    expect(attempts.attempt).toBe(3); // the continued run failed on attempts 1 and 2 and was retried up to 3
  });

  it('does not retry a run that failed after it was asked to cancel', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(failsOnCancel, { workflowId: 'cancelled', retryPolicy: { initialInterval: '1s' } });
    await handle.cancel();
    await expect(handle.result()).rejects.toThrow('cleanup failed');
    expect(env.runOf('cancelled').runId).toBe(handle.runId);
  });

  it('without a retry policy a failed run is final', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(shaky, { workflowId: 'once', input: { succeedOn: 2 } });
    await expect(handle.result()).rejects.toThrow('attempt 1 failed');
    expect(env.runOf('once').runId).toBe(handle.runId);
  });
});

describe('a retried child', () => {
  it('reports only its final outcome to the parent', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(parentOfShaky, { workflowId: 'p' })).toEqual({ attempt: 3, input: { succeedOn: 3 } });
    const parentEvents = env.history('p').map((e) => e.type);
    expect(parentEvents.filter((type) => type.startsWith('ChildWorkflow'))).toEqual(['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed']);
    expect(env.runOf('p-child').state.retry?.attempt).toBe(3);
  });
});
