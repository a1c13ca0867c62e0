// examples/order-saga.ts in the time-skipping environment: compensation order, the failure a client sees, idempotent steps.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import { OrderFailureType, orderLedger, orderSaga, orderSagaActivities, type OrderStep, type OrderSummary } from '../../../examples/order-saga';

const scheduled = (history: HistoryEvent[]) => history.flatMap((e) => (e.type === 'ActivityTaskScheduled' ? [e.activityType] : []));
const attempts = (history: HistoryEvent[], activityType: string) => {
  const ids = history.flatMap((e) => (e.type === 'ActivityTaskScheduled' && e.activityType === activityType ? [e.activityId] : []));
  return history.flatMap((e) => (e.type === 'ActivityTaskCompleted' && ids.includes(e.activityId) ? [e.attempt] : []));
};

async function environment(activities: Record<string, unknown> = orderSagaActivities) {
  return TestWorkflowEnvironment.create({ workflows: { orderSaga }, activities });
}

describe('orderSaga', () => {
  it('reserves, charges and fulfils, and compensates nothing when every step succeeds', async () => {
    const env = await environment();
    const handle = await env.start(orderSaga, { workflowId: 'order-happy', input: { items: [{ sku: 'mug', qty: 3 }], amount: 30 } });
    const summary = await handle.result();

    const orderKey = `order-happy:${handle.runId}`;
    expect(summary).toEqual({
      status: 'fulfilled', orderKey, items: [{ sku: 'mug', qty: 3 }], amount: 30, charged: 30,
      reservationId: `res-${orderKey}`, chargeId: `ch-${orderKey}`, fulfilmentId: `ful-${orderKey}`,
    } satisfies OrderSummary);
    expect(scheduled(await handle.fetchHistory())).toEqual(['reserveInventory', 'chargePayment', 'fulfilOrder']);
    expect(orderLedger(orderKey)).toEqual({
      reservation: { reservationId: `res-${orderKey}`, held: [{ sku: 'mug', qty: 3 }], released: false },
      charge: { chargeId: `ch-${orderKey}`, amount: 30, refunded: false },
      fulfilment: { fulfilmentId: `ful-${orderKey}`, status: 'fulfilled' },
    });
  });

  it('runs with demo defaults when given nothing', async () => {
    const env = await environment();
    const summary = await env.execute(orderSaga, { input: {} });
    expect(summary).toMatchObject({ status: 'fulfilled', amount: 42, charged: 42, items: [{ sku: 'book', qty: 1 }, { sku: 'pen', qty: 2 }] });
  });

  const cases: Array<{ failAt: OrderStep; activity: string; cause: string; compensations: string[] }> = [
    { failAt: 'reserve', activity: 'reserveInventory', cause: 'OutOfStock', compensations: ['releaseInventory'] },
    { failAt: 'charge', activity: 'chargePayment', cause: 'PaymentDeclined', compensations: ['refundPayment', 'releaseInventory'] },
    { failAt: 'fulfil', activity: 'fulfilOrder', cause: 'FulfilmentRejected', compensations: ['cancelFulfilment', 'refundPayment', 'releaseInventory'] },
  ];

  it.each(cases)('with failAt $failAt, undoes the steps registered so far, last first, then fails with $cause as the cause', async ({ failAt, activity, cause, compensations }) => {
    const env = await environment();
    const handle = await env.start(orderSaga, { workflowId: `order-fail-${failAt}`, input: { failAt } });
    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    const history = await handle.fetchHistory();
    const steps = ['reserveInventory', 'chargePayment', 'fulfilOrder'];
    expect(scheduled(history)).toEqual([...steps.slice(0, steps.indexOf(activity) + 1), ...compensations]);
    expect(history.at(-1)?.type).toBe('WorkflowExecutionFailed');

    // The workflow's failure names the step; its cause chain is the step's ActivityFailure, then the activity's own failure.
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failure = (error as WorkflowFailedError).cause as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(OrderFailureType[failAt]);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(new RegExp(`^order order-fail-${failAt} failed at ${failAt}: .*; compensated: ${compensations.join(', ')}$`));
    expect(failure.details).toEqual({ step: failAt, compensations });
    expect(failure.cause).toBeInstanceOf(ActivityFailure);
    expect((failure.cause as ActivityFailure).activityType).toBe(activity);
    expect(failure.cause!.cause).toBeInstanceOf(ApplicationFailure);
    expect((failure.cause!.cause as ApplicationFailure).type).toBe(cause);
  });

  it('releases what a reservation held before it failed part-way', async () => {
    const env = await environment();
    const items = [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }, { sku: 'c', qty: 1 }];
    const handle = await env.start(orderSaga, { workflowId: 'order-partial', input: { items, failAt: 'reserve' } });
    await handle.result().catch(() => undefined);
    // c was out of stock after a and b were held: the compensation registered before the step releases them.
    expect(orderLedger(`order-partial:${handle.runId}`)).toEqual({
      reservation: { reservationId: `res-order-partial:${handle.runId}`, held: items.slice(0, 2), released: true },
    });
  });

  it('leaves the demo ledger fully undone after a late failure', async () => {
    const env = await environment();
    const handle = await env.start(orderSaga, { workflowId: 'order-undone', input: { failAt: 'fulfil', amount: 7 } });
    await handle.result().catch(() => undefined);
    expect(orderLedger(`order-undone:${handle.runId}`)).toMatchObject({
      reservation: { released: true }, charge: { amount: 7, refunded: true }, fulfilment: { status: 'cancelled' },
    });
  });

  it.each(['reserve', 'charge', 'fulfil'] as const)('applies the %s step once when its first attempt applied the effect and lost the reply', async (flakyAt) => {
    const env = await environment();
    const handle = await env.start(orderSaga, { workflowId: `order-flaky-${flakyAt}`, input: { flakyAt, amount: 25, items: [{ sku: 'x', qty: 1 }] } });
    const summary = await handle.result();

    const activity = { reserve: 'reserveInventory', charge: 'chargePayment', fulfil: 'fulfilOrder' }[flakyAt];
    expect(attempts(await handle.fetchHistory(), activity)).toEqual([2]);
    expect(summary.charged).toBe(25);
    expect(orderLedger(summary.orderKey)).toEqual({
      reservation: { reservationId: summary.reservationId, held: [{ sku: 'x', qty: 1 }], released: false },
      charge: { chargeId: summary.chargeId, amount: 25, refunded: false },
      fulfilment: { fulfilmentId: summary.fulfilmentId, status: 'fulfilled' },
    });
  });

  it('charges once when a retried attempt reaches the payment service again with the same order key', async () => {
    // The same check from outside the example: a charge service that counts calls by key.
    const calls = new Map<string, number>();
    const env = await environment({
      ...orderSagaActivities,
      chargePayment: async (input: { orderKey: string; amount: number }, ctx: ActivityContext) => {
        calls.set(input.orderKey, (calls.get(input.orderKey) ?? 0) + 1);
        const result = await orderSagaActivities.chargePayment(input, ctx);
        if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('gateway timeout after the charge', 'GatewayTimeout');
        return result;
      },
    });
    const summary = await env.execute(orderSaga, { workflowId: 'order-retried', input: { amount: 10 } });
    expect([...calls.values()]).toEqual([2]);
    expect(summary.charged).toBe(10);
    expect(orderLedger(summary.orderKey).charge).toMatchObject({ amount: 10, refunded: false });
  });

  it('compensates, then ends cancelled, when the order is cancelled during a step', async () => {
    const env = await environment({
      ...orderSagaActivities,
      fulfilOrder: async (_input: unknown, ctx: ActivityContext) => ctx.sleep(5_000),
    });
    const handle = await env.start(orderSaga, { workflowId: 'order-cancelled' });
    await env.sleep('1s'); // reserved and charged; fulfilling
    await handle.cancel('customer changed their mind');
    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).status).toBe('canceled');
    expect(scheduled(await handle.fetchHistory())).toEqual(['reserveInventory', 'chargePayment', 'fulfilOrder', 'cancelFulfilment', 'refundPayment', 'releaseInventory']);
    expect(orderLedger(`order-cancelled:${handle.runId}`)).toMatchObject({ reservation: { released: true }, charge: { refunded: true } });
  });
});
