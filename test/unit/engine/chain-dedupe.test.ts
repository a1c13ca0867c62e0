// A client that re-sends a signal (same requestId) or an update (same updateId) after the run continued as new, or
// was retried, is not recorded twice: each run hands the ids it recorded to the next (WorkflowExecutionStarted
// earlierRequests, the newest CHAIN_DEDUPE_WINDOW of each), and a re-sent update gets the outcome first recorded.
import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { CHAIN_DEDUPE_WINDOW } from '../../../src/core/run-chain';

const add = defineSignal<[amount: number]>('add');
const deposit = defineUpdate<number, [amount: number]>('deposit');
const roll = defineSignal('roll');
const total = defineQuery<number>('total');

/** Keeps a total; on `roll`, continues as new with it (or, with failOnRoll, fails and is retried from 0). */
const ledger = defineWorkflow('ledger', async (ctx, input: { total: number; failOnRoll?: boolean }) => {
  let sum = input.total;
  let rolled = false;
  ctx.setHandler(add, (amount) => void (sum += amount));
  ctx.setHandler(deposit, (amount) => (sum += amount));
  ctx.setHandler(total, () => sum);
  ctx.setHandler(roll, () => void (rolled = true));
  await ctx.condition(() => rolled);
  if (input.failOnRoll) throw ApplicationFailure.retryable('roll over by failing');
  return ctx.continueAsNew({ total: sum });
});

const signalsIn = (history: HistoryEvent[]) => history.filter((event) => event.type === 'SignalReceived' && event.signalName === 'add').length;
const updatesIn = (history: HistoryEvent[]) => history.filter((event) => event.type === 'UpdateAccepted').length;

describe('requests re-sent across the runs of one workflow id', () => {
  it('records a signal once when its requestId comes again after a continue-as-new', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger } });
    const handle = await env.start(ledger, { workflowId: 'ledger-1', input: { total: 0 } });
    await handle.signalWithRequestId('r-1', add, 5);
    await handle.signal(roll);
    await env.waitFor(() => (env.runOf('ledger-1').runId !== handle.runId ? true : undefined));
    await handle.signalWithRequestId('r-1', add, 5); // the client's retry, after the hand-over
    await handle.signalWithRequestId('r-2', add, 1);
    const current = env.getHandle('ledger-1', env.runOf('ledger-1').runId);
    expect(await current.query(total)).toBe(6);
    expect(signalsIn(await current.fetchHistory())).toBe(1);
  });

  it('answers an update re-sent after a continue-as-new with the outcome first recorded, without running it again', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger } });
    const handle = await env.start(ledger, { workflowId: 'ledger-2', input: { total: 100 } });
    expect(await handle.executeUpdate(deposit, { args: [10], updateId: 'u-1' })).toBe(110);
    await handle.signal(roll);
    await env.waitFor(() => (env.runOf('ledger-2').runId !== handle.runId ? true : undefined));
    expect(await handle.executeUpdate(deposit, { args: [10], updateId: 'u-1' })).toBe(110);
    const current = env.getHandle('ledger-2', env.runOf('ledger-2').runId);
    expect(await current.query(total)).toBe(110);
    expect(updatesIn(await current.fetchHistory())).toBe(0);
  });

  it('dedupes across a retry of the workflow too, and across several runs', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger } });
    const handle = await env.start(ledger, { workflowId: 'ledger-3', input: { total: 0, failOnRoll: true }, retryPolicy: { initialInterval: '1s', maximumAttempts: 5 } });
    await handle.signalWithRequestId('r-1', add, 1);
    await handle.signal(roll);
    await env.waitFor(() => (env.runOf('ledger-3').runId !== handle.runId ? true : undefined));
    const second = env.runOf('ledger-3').runId;
    await env.sleep('2s'); // the retry's backoff
    await handle.signalWithRequestId('r-1', add, 1);
    await handle.signal(roll);
    await env.waitFor(() => (env.runOf('ledger-3').runId !== second ? true : undefined));
    await env.sleep('3s');
    await handle.signalWithRequestId('r-1', add, 1);
    const third = env.getHandle('ledger-3', env.runOf('ledger-3').runId);
    expect(await third.query(total)).toBe(0);
  });

  it('hands over at most CHAIN_DEDUPE_WINDOW ids of each kind, the newest first', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger } });
    const handle = await env.start(ledger, { workflowId: 'ledger-4', input: { total: 0 } });
    for (let i = 0; i < CHAIN_DEDUPE_WINDOW + 10; i++) await handle.signalWithRequestId(`r-${i}`, add, 1);
    await handle.signal(roll);
    await env.waitFor(() => (env.runOf('ledger-4').runId !== handle.runId ? true : undefined));
    const next = env.getHandle('ledger-4', env.runOf('ledger-4').runId);
    await next.describe(); // its first activation has committed
    const [started] = await next.fetchHistory();
    const carried = started?.type === 'WorkflowExecutionStarted' ? started.earlierRequests!.signalRequestIds : [];
    expect(carried).toHaveLength(CHAIN_DEDUPE_WINDOW);
    expect(carried[0]).toBe(`r-${CHAIN_DEDUPE_WINDOW + 9}`);
  });
});
