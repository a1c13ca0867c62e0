// The entity pattern: one long-lived execution per shopping cart (workflow id = cart id) that takes signals and an
// update, abandons itself after a quiet period, and continues as new so its history stays bounded. docs/patterns/shopping-cart.md
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate, defineWorkflow, type ActivityContext, type Duration } from 'duro/workflow';

export interface CartItem {
  sku: string;
  qty: number;
}

/** `checkingOut` while the order is being placed; `checkedOut` and `abandoned` are final. */
export type CartStatus = 'open' | 'checkingOut' | 'checkedOut' | 'abandoned';

export interface AppliedCoupon {
  code: string;
  percentOff: number;
}

export interface Cart {
  items: CartItem[];
  status: CartStatus;
  coupon?: AppliedCoupon;
  orderId?: string;
}

export interface ShoppingCartInput {
  /** Quiet time after which an open cart is abandoned and the workflow ends; every signal or update restarts it. Default '1 hour'. */
  abandonAfter?: Duration;
  /** Signals and updates one run takes before it continues as new. Default 100. */
  maxEventsBeforeContinue?: number;
  /** The cart so far: empty for a new cart, carried over by continue-as-new. */
  items?: CartItem[];
  coupon?: AppliedCoupon;
}

export const addItem = defineSignal<[item: CartItem]>('addItem');
export const removeItem = defineSignal<[item: { sku: string }]>('removeItem');
export const checkout = defineSignal('checkout');
export const getCart = defineQuery<Cart>('getCart');
export const applyCoupon = defineUpdate<Cart, [coupon: { code: string }]>('applyCoupon');

/**
 * The coupons the shop knows, with their expiry (ms since the epoch). Constant data, so reading it in workflow
 * code is deterministic; a real shop would look coupons up in an activity and pass the result in.
 */
export const COUPONS: Readonly<Record<string, { percentOff: number; validUntil: number }>> = {
  WELCOME10: { percentOff: 10, validUntil: Date.UTC(2100, 0, 1) },
  SPRING20: { percentOff: 20, validUntil: Date.UTC(2024, 5, 1) }, // expired: the validator refuses it
};

// Demo only: orders placed so far, by idempotency key (workflowId:runId:activityId). A real activity would pass the
// key to the order service, which deduplicates; this map is per isolate and lost on restart.
const placedOrders = new Map<string, string>();

export const shoppingCartActivities = {
  /** Places the order for the cart. Idempotent: a retried attempt gets the order id of the first. */
  async placeOrder(input: { cartId: string; items: CartItem[]; coupon?: AppliedCoupon }, ctx: ActivityContext): Promise<{ orderId: string }> {
    const key = `${ctx.info.workflowId}:${ctx.info.runId}:${ctx.info.activityId}`;
    let orderId = placedOrders.get(key);
    if (orderId === undefined) {
      orderId = `order-${input.cartId}-${crypto.randomUUID().slice(0, 8)}`;
      placedOrders.set(key, orderId);
    }
    return { orderId };
  },
};

export const shoppingCart = defineWorkflow('shoppingCart', async (ctx, input: ShoppingCartInput = {}): Promise<Cart> => {
  const { placeOrder } = ctx.proxyActivities<typeof shoppingCartActivities>({ startToCloseTimeout: '30s', retry: { maximumInterval: '1 minute' } });
  const abandonAfter = input.abandonAfter ?? '1 hour';
  const maxEvents = input.maxEventsBeforeContinue ?? 100;
  // State first, then handlers, before any await: signals carried over by continue-as-new are delivered as soon as
  // their handler is set, and must land on the restored cart.
  const cart: Cart = { items: (input.items ?? []).map((item) => ({ ...item })), status: 'open', ...(input.coupon && { coupon: input.coupon }) };
  let events = 0; // messages taken by this run: drives continue-as-new
  let checkoutRequested = false;

  ctx.setHandler(addItem, (item) => {
    events++;
    // A signal cannot be refused and a handler that throws blocks the run: ignore what makes no sense.
    if (cart.status !== 'open' || !isItem(item)) return;
    const line = cart.items.find((i) => i.sku === item.sku);
    if (line) line.qty += item.qty;
    else cart.items.push({ sku: item.sku, qty: item.qty });
  });
  ctx.setHandler(removeItem, (item) => {
    events++;
    if (cart.status !== 'open') return;
    cart.items = cart.items.filter((i) => i.sku !== item?.sku);
    if (cart.items.length === 0) delete cart.coupon;
  });
  ctx.setHandler(checkout, () => {
    events++;
    if (cart.status === 'open' && cart.items.length > 0) checkoutRequested = true; // an empty cart has nothing to order
  });
  ctx.setHandler(getCart, () => cart);
  ctx.setHandler(
    applyCoupon,
    ({ code }) => {
      events++;
      cart.coupon = { code, percentOff: COUPONS[code]?.percentOff ?? 0 }; // `?.`: on replay the validator does not run again
      return cart;
    },
    {
      // Read-only and synchronous; throwing rejects the update, and a rejected update is not recorded.
      validator: (coupon) => {
        if (cart.status !== 'open' || checkoutRequested) throw ApplicationFailure.nonRetryable(`The cart is ${checkoutRequested ? 'checking out' : cart.status}`, 'CartClosed');
        if (cart.items.length === 0) throw ApplicationFailure.nonRetryable('The cart is empty', 'EmptyCart');
        const known = typeof coupon?.code === 'string' && Object.hasOwn(COUPONS, coupon.code) ? COUPONS[coupon.code] : undefined;
        if (!known) throw ApplicationFailure.nonRetryable(`Unknown coupon ${JSON.stringify(coupon?.code)}`, 'UnknownCoupon');
        if (known.validUntil <= ctx.now()) throw ApplicationFailure.nonRetryable(`Coupon ${coupon.code} has expired`, 'CouponExpired');
      },
    },
  );

  for (;;) {
    const seen = events;
    // Every message bumps `events`, which ends this wait and so restarts the abandonment timer.
    const active = await ctx.condition(() => checkoutRequested || events !== seen, abandonAfter);
    if (!active) {
      cart.status = 'abandoned';
      return cart;
    }
    if (checkoutRequested) break;
    if (events >= maxEvents || ctx.info().continueAsNewSuggested) {
      // Handlers are synchronous, so every message of this activation is already in `cart`; signals that come
      // later reach the next run (the engine carries over any it received but did not deliver).
      return await ctx.continueAsNew({
        abandonAfter,
        maxEventsBeforeContinue: maxEvents,
        items: cart.items,
        ...(cart.coupon && { coupon: cart.coupon }),
      } satisfies ShoppingCartInput);
    }
  }

  cart.status = 'checkingOut';
  const { orderId } = await placeOrder({ cartId: ctx.info().workflowId, items: cart.items, ...(cart.coupon && { coupon: cart.coupon }) });
  cart.orderId = orderId;
  cart.status = 'checkedOut';
  return cart;
});

function isItem(item: CartItem | undefined): item is CartItem {
  return typeof item?.sku === 'string' && item.sku !== '' && Number.isInteger(item.qty) && item.qty > 0;
}
