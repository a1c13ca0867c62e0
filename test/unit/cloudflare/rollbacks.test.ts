// Rollbacks of Cloudflare-style workflows (docs/decisions/016-cloudflare-rollbacks.md): when run fails, or the run is
// cancelled (terminate with rollback), the rollbacks of the steps that started run last-started first, each as a
// recorded step, and stop at the first that fails for good. Checked through results, history and what ran.
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { terminateInstance, stepsQuery, TERMINATE_WITH_ROLLBACK_REASON } from 'duro/cloudflare';
import * as rollbackWorkflows from './rollback-workflows';
import type { Env, TransferParams } from './rollback-workflows';

const stepMarkers = (history: HistoryEvent[]) =>
  history.flatMap((e) => (e.type === 'MarkerRecorded' && e.markerName === 'LocalActivity' ? [(e.data as { activityType: string; attempt: number }).activityType] : []));
const timers = (history: HistoryEvent[]) => history.flatMap((e) => (e.type === 'TimerStarted' ? [e.durationMs] : []));

async function setup(overrides: Partial<Env> = {}) {
  const env: Env = { GREETING: 'Hello', calls: {}, rolledBack: [], ...overrides };
  const test = await TestWorkflowEnvironment.create({ workflows: rollbackWorkflows, env });
  return { env, test };
}

async function failureOf(promise: Promise<unknown>) {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return (error as WorkflowFailedError).cause as unknown as { type: string; message: string; details?: { rollback?: Record<string, unknown> } };
}

async function transfer(params: TransferParams, overrides: Partial<Env> = {}, workflowId?: string) {
  const { env, test } = await setup(overrides);
  const handle = await test.start('TransferWorkflow', { input: params, ...(workflowId && { workflowId }) });
  return { env, test, handle };
}

describe('rollbacks when run fails', () => {
  it('run the rollbacks of the steps that started, last first, as recorded steps; the instance fails with run\'s error', async () => {
    const { env, handle } = await transfer({ failAt: 'after' });
    const failure = await failureOf(handle.result());
    expect([failure.type, failure.message]).toEqual(['Error', 'notify failed']);
    expect(failure.details?.rollback).toEqual({ status: 'complete', trigger: { name: 'Error', message: 'notify failed' }, totalSteps: 2, completedSteps: 2 });
    expect(env.rolledBack.map((r) => r.stepName)).toEqual(['credit-1', 'debit-1']);
    expect(env.calls.reserve).toBe(1); // a step without a rollback is left alone
    const history = await handle.fetchHistory();
    expect(stepMarkers(history)).toEqual(['debit', 'reserve', 'credit', 'rollback:credit-1', 'rollback:debit-1']);
    expect(history.at(-1)!.type).toBe('WorkflowExecutionFailed');
  });

  it('hand each rollback { ctx: { step, attempt, config }, error, output, stepName }', async () => {
    const { env, handle } = await transfer({ failAt: 'after' }, { failures: { credit: 2 } });
    await failureOf(handle.result());
    expect(env.rolledBack[0]).toEqual({ stepName: 'credit-1', step: { name: 'credit', count: 1 }, attempt: 3, output: { creditId: 'c-1' }, error: 'Error: notify failed' });
    expect(env.rolledBack[1]).toMatchObject({ stepName: 'debit-1', attempt: 1, output: { debitId: 'd-1' } });
  });

  it('include the failed step\'s own rollback, with no output: it may have done part of its work', async () => {
    const { env, handle } = await transfer({ failAt: 'credit' });
    const failure = await failureOf(handle.result());
    expect(failure.message).toBe('credit refused (3)');
    expect(env.rolledBack.map((r) => [r.stepName, r.attempt, r.output])).toEqual([['credit-1', 3, undefined], ['debit-1', 1, { debitId: 'd-1' }]]);
  });

  it('run when a failed step was caught and run failed later; not at all when run completes', async () => {
    const caught = await transfer({ failAt: 'credit', catchCredit: true });
    expect(await caught.handle.result()).toEqual({ debit: { debitId: 'd-1' } });
    expect(caught.env.rolledBack).toEqual([]);
    expect(stepMarkers(await caught.handle.fetchHistory())).not.toContain('rollback:debit-1');

    const completed = await transfer({});
    await completed.handle.result();
    expect(completed.env.rolledBack).toEqual([]);
  });

  it('retry a failing rollback per rollbackConfig, on the workflow clock', async () => {
    const { env, handle } = await transfer({ failAt: 'after' }, { rollbackFailures: { credit: 1 } });
    expect((await failureOf(handle.result())).details?.rollback).toMatchObject({ status: 'complete', completedSteps: 2 });
    expect(env.calls['rollback credit']).toBe(2);
    expect(timers(await handle.fetchHistory())).toEqual([3_600_000, 60_000]); // the sleep, then one 1-minute retry
  });

  it('stop at the first rollback that fails for good, and say so in the failure, which stays run\'s', async () => {
    const { env, handle } = await transfer({ failAt: 'after' }, { rollbackFailures: { credit: Infinity } });
    const failure = await failureOf(handle.result());
    expect([failure.type, failure.message]).toEqual(['Error', 'notify failed']);
    expect(failure.details?.rollback).toEqual({
      status: 'failed', trigger: { name: 'Error', message: 'notify failed' }, totalSteps: 2, completedSteps: 0,
      failedStep: 'credit-1', error: { name: 'Error', message: 'undo credit failed (2)' },
    });
    expect(env.calls['rollback credit']).toBe(2); // limit 1: two attempts
    expect(env.calls['rollback debit']).toBeUndefined(); // the chain stopped
    expect((await handle.describe()).status).toBe('failed');
  });

  it('roll parallel steps back in reverse start order, not completion order', async () => {
    const { env, test } = await setup();
    const handle = await test.start('ParallelWorkflow');
    await failureOf(handle.result());
    expect(stepMarkers(await handle.fetchHistory()).filter((m) => !m.startsWith('rollback'))).toEqual(['slow', 'fast', 'slow']); // fast finished first
    expect(env.rolledBack.map((r) => r.stepName)).toEqual(['fast-1', 'slow-1']);
  });
});

describe('rollback edge cases', () => {
  it('refuse new steps once rollbacks started, with Cloudflare\'s words', async () => {
    const { env, test } = await setup({ rollbackFailures: { book: 1 } });
    const handle = await test.start('RacingWorkflow');
    expect((await failureOf(handle.result())).message).toBe('early failure');
    expect(env.notes).toEqual(['WorkflowFatalError: Cannot execute steps during rollback phase']);
    expect(env.calls.late).toBeUndefined();
    expect(env.rolledBack.map((r) => r.stepName)).toEqual(['book-1']);
  });

  it('check the rollback option as Cloudflare does: a rollback that is not a function fails the step', async () => {
    const { test } = await setup();
    const failure = await failureOf((await test.start('BadRollbackWorkflow')).result());
    expect([failure.type, failure.message]).toEqual(['TypeError', 'Rollback for "bad" must be a function']);
  });
});

describe('rollbacks are history', () => {
  it('a rollback that ran is not run again after an eviction mid-rollback', async () => {
    const { env, test, handle } = await transfer({ failAt: 'after' }, { rollbackFailures: { debit: 1 } }, 'evicted-mid-rollback');
    await test.sleep('1 hour'); // past the sleep: credit rolled back, debit's rollback failed once and waits a minute
    expect(env.calls).toMatchObject({ 'rollback credit': 1, 'rollback debit': 1 });
    test.evict('evicted-mid-rollback');
    await failureOf(handle.result());
    expect(env.calls).toMatchObject({ debit: 1, credit: 1, 'rollback credit': 1, 'rollback debit': 2 });
    expect(env.rolledBack.map((r) => r.stepName)).toEqual(['credit-1', 'debit-1']);
  });

  it('a step\'s attempts reach its rollback after an eviction (ctx.attempt is rebuilt from history)', async () => {
    const { env, test, handle } = await transfer({ failAt: 'after' }, { failures: { credit: 2 } }, 'evicted-before-failing');
    await test.sleep('30 minutes'); // credit succeeded at attempt 3; the run sleeps
    test.evict('evicted-before-failing');
    await failureOf(handle.result());
    expect(env.rolledBack[0]).toMatchObject({ stepName: 'credit-1', attempt: 3 });
  });

  it('replays a rolled-back history without calling a step or a rollback', async () => {
    const { handle } = await transfer({ failAt: 'after' }, { rollbackFailures: { credit: 1 } });
    await failureOf(handle.result());
    // replayHistory gives workflows no env: a step or a rollback that ran would throw reading this.env, so the replay
    // resolving is the check that each came from its recorded marker.
    await expect(replayHistory({ TransferWorkflow: rollbackWorkflows.TransferWorkflow }, JSON.parse(JSON.stringify(await handle.fetchHistory())) as HistoryEvent[])).resolves.toBeUndefined();
  });
});

describe('terminate with rollback', () => {
  it('cancels the run, whose rollbacks run with Cloudflare\'s Terminated error before it ends', async () => {
    const { env, test, handle } = await transfer({});
    await test.sleep('10 minutes'); // debit and credit done, sleeping
    await terminateInstance(handle, { rollback: true });
    await handle.result().catch(() => undefined);
    expect(env.rolledBack.map((r) => [r.stepName, r.error])).toEqual([['credit-1', 'Terminated: Instance terminated during rollback'], ['debit-1', 'Terminated: Instance terminated during rollback']]);
    const history = await handle.fetchHistory();
    expect(history.find((e) => e.type === 'WorkflowExecutionCancelRequested')).toMatchObject({ reason: TERMINATE_WITH_ROLLBACK_REASON });
    expect(stepMarkers(history).slice(-2)).toEqual(['rollback:credit-1', 'rollback:debit-1']);
    const end = history.at(-1)!;
    expect(end.type).toBe('WorkflowExecutionCanceled');
    expect((end as { failure: { details?: unknown } }).failure.details).toMatchObject({ rollback: { status: 'complete', completedSteps: 2 } });
    expect((await handle.describe()).status).toBe('canceled');
  });

  it('without rollback is Duro\'s terminate: no workflow code runs', async () => {
    const { env, test, handle } = await transfer({});
    await test.sleep('10 minutes');
    await terminateInstance(handle);
    expect((await handle.describe()).status).toBe('terminated');
    expect(env.rolledBack).toEqual([]);
  });

  it('shows the rollbacks in the steps query while they run', async () => {
    const { test, handle } = await transfer({ failAt: 'after' }, { rollbackFailures: { debit: 1 } });
    await test.sleep('1 hour'); // debit's rollback waits for its retry
    const progress = await handle.query(stepsQuery);
    expect(progress.rollback).toMatchObject({ status: 'running', totalSteps: 2, completedSteps: 1 });
    expect(progress.steps.filter((s) => s.type === 'rollback').map((s) => [s.name, s.status])).toEqual([['credit', 'complete'], ['debit', 'running']]);
  });
});
