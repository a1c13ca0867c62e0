// What Duro adds to Cloudflare-style workflows (docs/cloudflare-workflows.md, "What Duro adds"): the progress query,
// versioning with patched(), child workflows, events recorded as signals, and runs far past Cloudflare's step limit.
import { describe, expect, it } from 'vitest';
import { NonDeterminismError, WorkflowFailedError, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { patched, stepsQuery } from 'duro/cloudflare';
import * as workflows from './workflows';
import * as additions from './additions-workflows';
import type { Env } from './workflows';

async function setup(registered: Record<string, unknown> = { ...workflows, ...additions }) {
  const env: Env = { GREETING: 'Hello', calls: {} };
  const test = await TestWorkflowEnvironment.create({ workflows: registered, env });
  return { env, test };
}

const stepNames = (history: HistoryEvent[]) =>
  history.flatMap((e) => (e.type === 'MarkerRecorded' && e.markerName === 'LocalActivity' ? [(e.data as { activityType: string }).activityType] : []));

describe('the __cloudflare_steps query', () => {
  it('shows which steps ran and which one is running', async () => {
    const { test } = await setup();
    const start = test.now();
    const handle = await test.start('ApprovalWorkflow', { input: {} });
    await test.sleep('15 minutes'); // past the 10-minute sleep: waiting for the approval event
    const progress = await handle.query(stepsQuery);
    expect(progress.total).toBe(3);
    expect(progress.steps).toEqual([
      { type: 'step', name: 'request approval', count: 1, status: 'complete', start, end: start, attempts: 1, afterEvent: 1 },
      { type: 'sleep', name: 'give them time', count: 1, status: 'complete', start, end: start + 600_000, afterEvent: 1 },
      { type: 'waitForEvent', name: 'wait for approval', count: 1, status: 'running', start: start + 600_000, afterEvent: 5 },
    ]);
    expect(progress.running.map((s) => s.name)).toEqual(['wait for approval']);
    expect(await handle.query('__cloudflare_steps')).toEqual(progress); // the name, for clients without duro/cloudflare
  });

  it('answers the same after an eviction (replay rebuilds it), and records nothing', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { workflowId: 'approval', input: {} });
    await test.sleep('15 minutes');
    const before = await handle.query(stepsQuery);
    const length = (await handle.fetchHistory()).length;
    test.evict('approval');
    expect(await handle.query(stepsQuery)).toEqual(before);
    expect((await handle.fetchHistory()).length).toBe(length);
  });

  it('marks a failed step errored, with its error and attempts', async () => {
    const { test } = await setup();
    const handle = await test.start('FatalWorkflow', { input: { catchIt: true } });
    await handle.result();
    const [charge] = (await handle.query(stepsQuery)).steps;
    expect(charge).toMatchObject({ name: 'charge', status: 'errored', attempts: 1, error: { name: 'NonRetryableError', message: 'card declined' } });
  });
});

describe('versioning with patched() from duro/cloudflare', () => {
  it('lets a run started by old code keep its step order while new runs take the new one', async () => {
    const { env, test } = await setup({ OrderWorkflow: additions.OrderWorkflow });
    const old = await test.start('OrderWorkflow', { workflowId: 'old-order' });
    await test.sleep('1 hour'); // reserve and charge done; waiting a day
    test.deploy({ workflows: { OrderWorkflow: additions.OrderWorkflowV2 } });
    test.evict('old-order'); // the next activation replays the old run under the new code
    const fresh = await test.start('OrderWorkflow', { workflowId: 'new-order' });
    expect(await old.result()).toEqual(['reserved', 'charged', 'shipped']);
    expect(await fresh.result()).toEqual(['charged', 'reserved', 'shipped']);
    expect(env.calls).toEqual({ reserve: 2, charge: 2, ship: 2 }); // the old run's steps did not run again
    const markers = (await fresh.fetchHistory()).filter((e) => e.type === 'MarkerRecorded' && e.markerName === 'Patch');
    expect(markers).toHaveLength(1);
  });

  it('replays a history recorded before the patch; without the patch the reorder is non-deterministic', async () => {
    const { test } = await setup({ OrderWorkflow: additions.OrderWorkflow });
    const handle = await test.start('OrderWorkflow');
    await handle.result();
    const history = JSON.parse(JSON.stringify(await handle.fetchHistory())) as HistoryEvent[];
    await replayHistory({ OrderWorkflow: additions.OrderWorkflowV2 }, history);
    const error = await replayHistory({ OrderWorkflow: additions.OrderWorkflowReordered }, history).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError); // not 'reserved' handed to the charge step
    expect((error as NonDeterminismError).diff.expected).toBe('LocalActivity(charge, seq 1)');
  });

  it('throws outside a workflow\'s run', () => {
    expect(() => patched('x')).toThrow(/only be called from a workflow's run\(\)/);
  });
});

describe('child workflows from duro/cloudflare', () => {
  it('runs a Cloudflare-style child by its registered name with { id, params } and returns its result', async () => {
    const { test } = await setup();
    const handle = await test.start('CheckoutWorkflow', { input: { orderId: 'o-7' } });
    expect(await handle.result()).toEqual({ receipt: 'receipt for o-7 (receipt-o-7)' });
    const history = await handle.fetchHistory();
    expect(history.find((e) => e.type === 'ChildWorkflowInitiated')).toMatchObject({ workflowType: 'ReceiptWorkflow', input: { orderId: 'o-7' }, options: { workflowId: 'receipt-o-7' } });
    expect(history.some((e) => e.type === 'ChildWorkflowClosed')).toBe(true);
    expect(stepNames(await test.getHandle('receipt-o-7').fetchHistory())).toEqual(['render receipt']); // its own history
  });
});

describe('events', () => {
  it('are recorded as signals named for their type, the payload their one argument', async () => {
    const { test } = await setup();
    const handle = await test.start('ApprovalWorkflow', { input: {} });
    await test.sleep('15 minutes');
    await handle.signal('approval', { approved: true }); // what instance.sendEvent({ type: 'approval', payload }) does
    await handle.result();
    expect((await handle.fetchHistory()).find((e) => e.type === 'SignalReceived')).toMatchObject({ signalName: 'approval', args: [{ approved: true }] });
  });
});

describe('runs past Cloudflare\'s step limit', () => {
  it('does 30 000 step.do calls in one run: one marker each, under Duro\'s history limit', async () => {
    const { test } = await setup();
    const handle = await test.start('ManyStepsWorkflow', { input: { steps: 30_000 } });
    expect(await handle.result()).toBe((30_000 * 29_999) / 2);
    const history = await handle.fetchHistory();
    expect(history).toHaveLength(30_002); // started, 30 000 markers, completed
    const progress = await handle.query(stepsQuery, { last: 2 });
    expect([progress.total, progress.steps.map((s) => s.count)]).toEqual([30_000, [29_999, 30_000]]);
  }, 20_000);

  it('fails a run at Duro\'s history limit (50 000 events), and continueAsNew goes past it', async () => {
    const { test } = await setup();
    const tooLong = await test.start('ManyStepsWorkflow', { input: { steps: 50_000 } });
    const error = await tooLong.result().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause?.message).toMatch(/continue-as-new|continueAsNew/i);

    const chunked = await test.start('ChunkedStepsWorkflow', { workflowId: 'chunked', input: { steps: 60_000, perRun: 30_000 } });
    expect(await chunked.result()).toBe((60_000 * 59_999) / 2);
    expect((await chunked.fetchHistory()).at(-1)!.type).toBe('WorkflowExecutionCompleted');
  }, 20_000);
});
