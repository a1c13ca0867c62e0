// The orderSaga example end to end in workerd: started and awaited through the REST API, its compensations read
// back from the recorded history, its failure as a client receives it.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

interface Event { type: string; activityType?: string; activityId?: string; attempt?: number }
const history = async (workflowId: string) => (await json<{ events: Event[] }>(api(`/v1/workflows/${workflowId}/history`))).events;

async function runOrder(workflowId: string, input: Record<string, unknown>) {
  expect((await post('/v1/workflows', { workflowType: 'orderSaga', workflowId, input })).status).toBe(201);
  const result = await api(`/v1/workflows/${workflowId}/result?wait=10s`);
  expect(result.status).toBe(200);
  const events = await history(workflowId);
  return { outcome: await json(result), events, scheduled: events.filter((e) => e.type === 'ActivityTaskScheduled').map((e) => e.activityType) };
}

describe('orderSaga through the API', () => {
  it('reserves, charges and fulfils with the demo defaults', async () => {
    const { outcome, scheduled } = await runOrder('order-it-happy', {});
    expect(outcome).toMatchObject({
      status: 'completed',
      result: { status: 'fulfilled', amount: 42, charged: 42, items: [{ sku: 'book', qty: 1 }, { sku: 'pen', qty: 2 }] },
    });
    expect(outcome.result.orderKey).toMatch(/^order-it-happy:[0-9a-f-]{36}$/);
    expect(scheduled).toEqual(['reserveInventory', 'chargePayment', 'fulfilOrder']);
  });

  it.each([
    { failAt: 'reserve', type: 'ReserveFailed', activity: 'reserveInventory', cause: 'OutOfStock', compensations: ['releaseInventory'] },
    { failAt: 'charge', type: 'ChargeFailed', activity: 'chargePayment', cause: 'PaymentDeclined', compensations: ['refundPayment', 'releaseInventory'] },
    { failAt: 'fulfil', type: 'FulfilFailed', activity: 'fulfilOrder', cause: 'FulfilmentRejected', compensations: ['cancelFulfilment', 'refundPayment', 'releaseInventory'] },
  ])('with failAt $failAt, compensates last-first and fails with $type', async ({ failAt, type, activity, cause, compensations }) => {
    const { outcome, scheduled, events } = await runOrder(`order-it-fail-${failAt}`, { failAt });

    const steps = ['reserveInventory', 'chargePayment', 'fulfilOrder'];
    expect(scheduled).toEqual([...steps.slice(0, steps.indexOf(activity) + 1), ...compensations]);
    expect(events.at(-1)!.type).toBe('WorkflowExecutionFailed');
    expect(outcome).toMatchObject({
      status: 'failed',
      failure: {
        type, nonRetryable: true, details: { step: failAt, compensations },
        cause: { kind: 'activity', activityType: activity, cause: { type: cause, nonRetryable: true } },
      },
    });
    expect(outcome.failure.message).toContain(`failed at ${failAt}`);
  });

  it('applies a step once when its first attempt applied the effect and lost the reply', async () => {
    const { outcome, events } = await runOrder('order-it-flaky', { flakyAt: 'charge', amount: 25 });
    expect(outcome).toMatchObject({ status: 'completed', result: { amount: 25, charged: 25 } });
    const charge = events.find((e) => e.type === 'ActivityTaskScheduled' && e.activityType === 'chargePayment')!;
    expect(events.filter((e) => e.type === 'ActivityTaskCompleted' && e.activityId === charge.activityId)).toMatchObject([{ attempt: 2 }]);
  });
});
