// The shoppingCart example (examples/shopping-cart.ts) in virtual time: messages, the coupon validator, abandonment
// and continue-as-new.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateRejectedError, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, type TestWorkflowHandle } from 'duro/testing';
import {
  addItem, applyCoupon, checkout, getCart, removeItem, shoppingCart, type AppliedCoupon, type CartItem, type ShoppingCartInput,
} from '../../../examples/shopping-cart';

/** A placeOrder that records what it was asked; `gate` holds it until the test lets it finish. */
function orderService(gate?: Promise<void>) {
  const orders: Array<{ cartId: string; items: CartItem[]; coupon?: AppliedCoupon }> = [];
  const activities = {
    async placeOrder(input: { cartId: string; items: CartItem[]; coupon?: AppliedCoupon }, _ctx: ActivityContext) {
      orders.push(input);
      await gate;
      return { orderId: `order-${orders.length}` };
    },
  };
  return { orders, activities };
}

async function startCart(input: ShoppingCartInput = {}, workflowId = 'cart-1', gate?: Promise<void>) {
  const service = orderService(gate);
  const env = await TestWorkflowEnvironment.create({ workflows: { shoppingCart }, activities: service.activities });
  const handle = await env.start(shoppingCart, { workflowId, input });
  return { env, handle, orders: service.orders };
}

const typesOf = (events: HistoryEvent[]) => events.map((event) => event.type);

/** The run ids of a continue-as-new chain, first to last, read from each run's closing event. */
async function runChain(handle: TestWorkflowHandle): Promise<string[]> {
  const runIds = [handle.runId];
  for (;;) {
    const last = (await handle.fetchHistory(runIds.at(-1))).at(-1)!;
    if (last.type !== 'WorkflowExecutionContinuedAsNew') return runIds;
    runIds.push(last.newRunId);
  }
}

describe('shoppingCart', () => {
  it('adds, merges and removes items, and getCart shows the cart', async () => {
    const { handle } = await startCart();
    expect(await handle.query(getCart)).toEqual({ items: [], status: 'open' });

    await handle.signal(addItem, { sku: 'apple', qty: 2 });
    await handle.signal(addItem, { sku: 'pear', qty: 1 });
    await handle.signal(addItem, { sku: 'apple', qty: 3 });
    expect(await handle.query(getCart)).toEqual({ items: [{ sku: 'apple', qty: 5 }, { sku: 'pear', qty: 1 }], status: 'open' });

    await handle.signal(removeItem, { sku: 'apple' });
    await handle.signal(removeItem, { sku: 'not-in-cart' });
    expect(await handle.query(getCart)).toEqual({ items: [{ sku: 'pear', qty: 1 }], status: 'open' });
  });

  it('ignores malformed items instead of failing the run', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'apple', qty: 0 });
    await handle.signal(addItem, { sku: '', qty: 1 });
    await handle.signal(addItem, { sku: 'apple', qty: 1.5 });
    await handle.signal('addItem' as never);
    await handle.signal(removeItem, undefined as never);
    expect((await handle.describe()).status).toBe('running');
    expect(await handle.query(getCart)).toEqual({ items: [], status: 'open' });
  });

  it('checks out: places the order with the cart and completes with the final cart', async () => {
    const { handle, orders } = await startCart({}, 'cart-checkout');
    await handle.signal(addItem, { sku: 'apple', qty: 2 });
    expect(await handle.executeUpdate(applyCoupon, { args: [{ code: 'WELCOME10' }] })).toMatchObject({ coupon: { code: 'WELCOME10', percentOff: 10 } });
    await handle.signal(checkout);

    const cart = await handle.result();
    expect(cart).toEqual({ items: [{ sku: 'apple', qty: 2 }], status: 'checkedOut', coupon: { code: 'WELCOME10', percentOff: 10 }, orderId: 'order-1' });
    expect(orders).toEqual([{ cartId: 'cart-checkout', items: [{ sku: 'apple', qty: 2 }], coupon: { code: 'WELCOME10', percentOff: 10 } }]);
  });

  it('ignores checkout of an empty cart', async () => {
    const { handle, orders } = await startCart();
    await handle.signal(checkout);
    expect(await handle.query(getCart)).toEqual({ items: [], status: 'open' });
    expect(orders).toEqual([]);
  });

  describe('applyCoupon', () => {
    it('accepts a known, unexpired coupon and returns the cart', async () => {
      const { handle } = await startCart();
      await handle.signal(addItem, { sku: 'apple', qty: 1 });
      expect(await handle.executeUpdate(applyCoupon, { args: [{ code: 'WELCOME10' }] })).toEqual({
        items: [{ sku: 'apple', qty: 1 }], status: 'open', coupon: { code: 'WELCOME10', percentOff: 10 },
      });
      expect(typesOf(await handle.fetchHistory()).filter((t) => t.startsWith('Update'))).toEqual(['UpdateAccepted', 'UpdateCompleted']);
    });

    it('rejects an empty cart, an unknown and an expired coupon, and records none of them', async () => {
      const { handle } = await startCart();
      const rejection = async (code: unknown) => {
        const error = await handle.executeUpdate(applyCoupon, { args: [{ code } as { code: string }] }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WorkflowUpdateRejectedError);
        return (error as WorkflowUpdateRejectedError).cause;
      };
      expect(await rejection('WELCOME10')).toMatchObject({ type: 'EmptyCart' });

      await handle.signal(addItem, { sku: 'apple', qty: 1 });
      const before = await handle.fetchHistory();
      expect(await rejection('FREE-STUFF')).toMatchObject({ type: 'UnknownCoupon' });
      expect(await rejection('SPRING20')).toMatchObject({ type: 'CouponExpired', message: 'Coupon SPRING20 has expired' });
      expect(await rejection(42)).toMatchObject({ type: 'UnknownCoupon' });
      expect(await rejection('toString')).toMatchObject({ type: 'UnknownCoupon' });

      expect(await handle.fetchHistory()).toEqual(before);
      expect(await handle.query(getCart)).toEqual({ items: [{ sku: 'apple', qty: 1 }], status: 'open' });
    });

    it('rejects a coupon while the order is being placed, and ignores items added then', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { handle } = await startCart({}, 'cart-closing', gate);
      await handle.signal(addItem, { sku: 'apple', qty: 1 });
      await handle.signal(checkout);
      expect(await handle.query(getCart)).toEqual({ items: [{ sku: 'apple', qty: 1 }], status: 'checkingOut' });

      const error = await handle.executeUpdate(applyCoupon, { args: [{ code: 'WELCOME10' }] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowUpdateRejectedError);
      expect((error as WorkflowUpdateRejectedError).cause).toMatchObject({ type: 'CartClosed' });
      await handle.signal(addItem, { sku: 'pear', qty: 1 });

      release();
      expect(await handle.result()).toMatchObject({ items: [{ sku: 'apple', qty: 1 }], status: 'checkedOut' });
    });
  });

  describe('abandonment', () => {
    it('abandons a cart after an hour without activity, and the workflow ends', async () => {
      const { env, handle, orders } = await startCart();
      await handle.signal(addItem, { sku: 'apple', qty: 1 });
      await env.sleep('59 minutes');
      expect((await handle.describe()).status).toBe('running');

      await env.sleep('2 minutes');
      expect((await handle.describe()).status).toBe('completed');
      expect(await handle.result()).toEqual({ items: [{ sku: 'apple', qty: 1 }], status: 'abandoned' });
      expect(orders).toEqual([]);
    });

    it('restarts the timer on every signal and update', async () => {
      const { env, handle } = await startCart({ abandonAfter: '30 minutes' });
      const start = env.now();
      await env.sleep('20 minutes');
      await handle.signal(addItem, { sku: 'apple', qty: 1 });
      await env.sleep('20 minutes');
      await handle.executeUpdate(applyCoupon, { args: [{ code: 'WELCOME10' }] });
      await env.sleep('20 minutes');
      await handle.signal(removeItem, { sku: 'pear' }); // changes nothing, but is activity all the same
      await env.sleep('29 minutes');
      expect(await handle.query(getCart)).toMatchObject({ status: 'open' });

      const cart = await handle.result();
      expect(cart).toEqual({ items: [{ sku: 'apple', qty: 1 }], status: 'abandoned', coupon: { code: 'WELCOME10', percentOff: 10 } });
      const closed = (await handle.fetchHistory()).at(-1)!;
      expect(closed.type).toBe('WorkflowExecutionCompleted');
      expect(closed.timestamp - start).toBe((60 + 30) * 60_000); // 30 minutes after the last message
    });
  });

  describe('continue-as-new', () => {
    it('keeps the cart, loses no signal and bounds every run’s history', async () => {
      const { env, handle } = await startCart({ maxEventsBeforeContinue: 10 });
      const expected = new Map<string, number>();
      for (let i = 0; i < 95; i++) {
        const sku = `sku-${i % 7}`;
        if (i % 10 === 9) {
          await handle.signal(removeItem, { sku });
          expected.delete(sku);
        } else {
          await handle.signal(addItem, { sku, qty: i + 1 });
          expected.set(sku, (expected.get(sku) ?? 0) + i + 1);
        }
        if (i === 50) env.evict(); // the current run replays its history before taking the next signal
      }
      await handle.executeUpdate(applyCoupon, { args: [{ code: 'WELCOME10' }] });
      const expectedItems = [...expected].map(([sku, qty]) => ({ sku, qty }));
      expect(await handle.query(getCart)).toEqual({ items: expectedItems, status: 'open', coupon: { code: 'WELCOME10', percentOff: 10 } });

      await handle.signal(checkout);
      const cart = await handle.result();
      expect(cart).toMatchObject({ items: expectedItems, status: 'checkedOut', coupon: { code: 'WELCOME10', percentOff: 10 } });

      const runs = await runChain(handle);
      expect(runs).toHaveLength(10); // 97 messages, 10 a run
      for (const runId of runs) {
        const history = await handle.fetchHistory(runId);
        expect(history.filter((e) => e.type === 'SignalReceived' || e.type === 'UpdateAccepted').length).toBeLessThanOrEqual(10);
        expect(history.length).toBeLessThanOrEqual(50);
      }
      // Each new run starts from the cart the previous one carried.
      const secondStart = (await handle.fetchHistory(runs[1]))[0]!;
      expect(secondStart).toMatchObject({ type: 'WorkflowExecutionStarted', input: { maxEventsBeforeContinue: 10, abandonAfter: '1 hour' } });
    });

    it('takes signals sent all at once: each lands exactly once, or its sender is told and a retry lands it', async () => {
      // A signal that reaches the run while its continue-as-new activation is in flight is refused (WorkflowClosedError;
      // over HTTP 409 duro:workflow-closed) rather than passed to the next run: the sender retries. See docs/patterns/shopping-cart.md.
      const { handle } = await startCart({ maxEventsBeforeContinue: 5 });
      const send = async (i: number): Promise<number> => {
        for (let tries = 1; ; tries++) {
          try {
            await handle.signal(addItem, { sku: `sku-${i % 3}`, qty: 1 });
            return tries;
          } catch (error) {
            if ((error as Error).name !== 'WorkflowClosedError' || tries >= 5) throw error;
          }
        }
      };
      const sent: Array<Promise<number>> = [];
      for (let i = 0; i < 60; i++) {
        sent.push(send(i));
        await new Promise((resolve) => setImmediate(resolve)); // let activations interleave with the sends
      }
      await Promise.all(sent);
      expect(await handle.query(getCart)).toEqual({ items: [{ sku: 'sku-0', qty: 20 }, { sku: 'sku-1', qty: 20 }, { sku: 'sku-2', qty: 20 }], status: 'open' });
      expect((await runChain(handle)).length).toBeGreaterThan(1);
    });
  });
});
