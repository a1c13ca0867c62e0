// The shoppingCart example end to end in workerd: this repo's Worker, its REST API and real Durable Objects.
import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const api = (path: string, init?: RequestInit) => exports.default.fetch(new Request(`http://duro.test${path}`, init));
const post = (path: string, body: unknown) => api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const json = async <T = any>(response: Response | Promise<Response>): Promise<T> => (await (await response).json()) as T;

type Event = { type: string; eventId: number; newRunId?: string; activityType?: string };

async function startCart(workflowId: string, input: Record<string, unknown> = {}): Promise<string> {
  const started = await post('/v1/workflows', { workflowType: 'shoppingCart', workflowId, input });
  expect(started.status).toBe(201);
  return ((await started.json()) as { runId: string }).runId;
}

async function signal(workflowId: string, name: string, ...args: unknown[]): Promise<void> {
  const response = await post(`/v1/workflows/${workflowId}/signals/${name}`, { args });
  expect(response.status).toBe(202);
}

const getCart = (workflowId: string) => json(post(`/v1/workflows/${workflowId}/queries/getCart`, {}));

describe('shoppingCart through the API', () => {
  it('takes signals, answers getCart, validates applyCoupon, checks out and returns the cart', async () => {
    const id = 'cart-rest-1';
    await startCart(id);
    await signal(id, 'addItem', { sku: 'apple', qty: 2 });
    await signal(id, 'addItem', { sku: 'pear', qty: 1 });
    await signal(id, 'addItem', { sku: 'apple', qty: 1 });
    await signal(id, 'removeItem', { sku: 'pear' });
    expect(await getCart(id)).toEqual({ result: { items: [{ sku: 'apple', qty: 3 }], status: 'open' } });

    const unknown = await post(`/v1/workflows/${id}/updates/applyCoupon`, { args: [{ code: 'NOPE' }] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'UnknownCoupon' } });
    const expired = await post(`/v1/workflows/${id}/updates/applyCoupon`, { args: [{ code: 'SPRING20' }] });
    expect(await expired.json()).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'CouponExpired' } });

    const applied = await post(`/v1/workflows/${id}/updates/applyCoupon`, { args: [{ code: 'WELCOME10' }], updateId: 'coupon-1' });
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ updateId: 'coupon-1', outcome: { result: { coupon: { code: 'WELCOME10', percentOff: 10 } } } });

    await signal(id, 'checkout');
    const result = await json(api(`/v1/workflows/${id}/result?wait=10s`));
    expect(result).toMatchObject({
      status: 'completed',
      result: { items: [{ sku: 'apple', qty: 3 }], status: 'checkedOut', coupon: { code: 'WELCOME10', percentOff: 10 }, orderId: expect.stringMatching(/^order-cart-rest-1-/) },
    });

    const { events } = await json<{ events: Event[] }>(api(`/v1/workflows/${id}/history`));
    expect(events.filter((e) => e.type === 'UpdateAccepted')).toHaveLength(1); // the rejected ones left nothing
    expect(events.filter((e) => e.type === 'ActivityTaskScheduled').map((e) => e.activityType)).toEqual(['placeOrder']);
    expect((await post(`/v1/workflows/${id}/signals/addItem`, { args: [{ sku: 'late', qty: 1 }] })).status).toBe(409);
  });

  it('continues as new every few messages, keeping the cart and every signal', async () => {
    const id = 'cart-rest-can';
    const firstRunId = await startCart(id, { maxEventsBeforeContinue: 3 });
    for (let i = 0; i < 10; i++) await signal(id, 'addItem', { sku: `sku-${i % 2}`, qty: i + 1 });
    expect(await getCart(id)).toEqual({ result: { items: [{ sku: 'sku-0', qty: 25 }, { sku: 'sku-1', qty: 30 }], status: 'open' } });

    await signal(id, 'checkout');
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toMatchObject({
      status: 'completed', result: { items: [{ sku: 'sku-0', qty: 25 }, { sku: 'sku-1', qty: 30 }], status: 'checkedOut' },
    });

    const runs = [firstRunId];
    for (;;) {
      const { events } = await json<{ events: Event[] }>(api(`/v1/workflows/${id}/history?runId=${runs.at(-1)}`));
      expect(events.filter((e) => e.type === 'SignalReceived').length).toBeLessThanOrEqual(3);
      const last = events.at(-1)!;
      if (last.type !== 'WorkflowExecutionContinuedAsNew') break;
      runs.push(last.newRunId!);
    }
    expect(runs).toHaveLength(4); // 11 signals, 3 a run
  });

  it('refuses a signal that races a continue-as-new with 409, and a retry lands it in the next run', async () => {
    const id = 'cart-rest-race';
    await startCart(id, { maxEventsBeforeContinue: 3 });
    // Sent all at once: some reach a run whose continue-as-new activation is in flight (see docs/patterns/shopping-cart.md).
    const send = async (requestId: string): Promise<void> => {
      for (let tries = 1; ; tries++) {
        const response = await post(`/v1/workflows/${id}/signals/addItem`, { args: [{ sku: 'apple', qty: 1 }], requestId });
        if (response.status === 202) return;
        expect(response.status).toBe(409);
        expect(await response.json()).toMatchObject({ type: 'duro:workflow-closed' });
        expect(tries).toBeLessThan(10);
      }
    };
    await Promise.all(Array.from({ length: 30 }, (_, i) => send(`race-${i}`)));
    expect(await getCart(id)).toEqual({ result: { items: [{ sku: 'apple', qty: 30 }], status: 'open' } });
    expect((await post(`/v1/workflows/${id}/terminate`, { reason: 'test over' })).status).toBe(202);
  });

  it('abandons a cart left alone for abandonAfter', async () => {
    const id = 'cart-rest-abandoned';
    await startCart(id, { abandonAfter: '300ms' });
    await signal(id, 'addItem', { sku: 'apple', qty: 1 });
    expect(await json(api(`/v1/workflows/${id}/result?wait=10s`))).toEqual({ status: 'completed', result: { items: [{ sku: 'apple', qty: 1 }], status: 'abandoned' } });
  });

  it('starts with the demo defaults from an empty input', async () => {
    await startCart('cart-rest-defaults');
    expect(await getCart('cart-rest-defaults')).toEqual({ result: { items: [], status: 'open' } });
    const described = await json<{ status: string; pendingTimers: Array<{ fireAt: number }> }>(api('/v1/workflows/cart-rest-defaults'));
    expect(described.status).toBe('running');
    expect(described.pendingTimers[0]!.fireAt - Date.now()).toBeGreaterThan(59 * 60_000); // abandoned after an hour
    expect((await post('/v1/workflows/cart-rest-defaults/terminate', { reason: 'test over' })).status).toBe(202);
  });
});
