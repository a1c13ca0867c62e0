// The saga pattern: reserve inventory → charge payment → fulfil. When a step fails, every step begun so far
// (even one that applied only part of its effect) is undone, last first. Steps are idempotent by the order key.
import { ApplicationFailure, Saga, defineWorkflow, isCancellation, type ActivityContext, type ActivityOptions, type WorkflowContext } from 'duro/workflow';

export type OrderStep = 'reserve' | 'charge' | 'fulfil';
export interface OrderItem {
  sku: string;
  qty: number;
}

export interface OrderSagaInput {
  /** Default: two demo items. */
  items?: OrderItem[];
  /** What the payment step charges. Default 42. */
  amount?: number;
  /** This step fails for good (non-retryable): the workflow compensates, then fails. */
  failAt?: OrderStep;
  /** Demo of idempotency: this step's first attempt applies its effect, then fails retryably (a lost reply); the retry must not apply it again. */
  flakyAt?: OrderStep;
}

export interface OrderSummary {
  status: 'fulfilled';
  /** `<workflowId>:<runId>`: the idempotency key every step and compensation is called with. */
  orderKey: string;
  items: OrderItem[];
  amount: number;
  reservationId: string;
  chargeId: string;
  /** What the payment ledger holds for this order: `amount` once, however many attempts the charge took. */
  charged: number;
  fulfilmentId: string;
}

/** The `type` the workflow fails with, by step; `details` is `{ step, compensations }` and `cause` the step's ActivityFailure. */
export const OrderFailureType = { reserve: 'ReserveFailed', charge: 'ChargeFailed', fulfil: 'FulfilFailed' } as const satisfies Record<OrderStep, string>;

const DEMO_ITEMS: OrderItem[] = [{ sku: 'book', qty: 1 }, { sku: 'pen', qty: 2 }];

/** Fault injection, set by the workflow from `failAt` / `flakyAt`. */
interface Faults {
  fail?: boolean;
  flaky?: boolean;
}

// Demo services, kept in module-level maps of this isolate and keyed by the order key. A real inventory, payment or
// shipping service keeps the same records in its database, with the key as a unique constraint: that is what makes a
// repeated call (a retry after a lost reply, a compensation that runs twice) apply once.
interface Reservation { reservationId: string; held: OrderItem[]; released: boolean }
interface Charge { chargeId: string; amount: number; refunded: boolean }
interface Fulfilment { fulfilmentId: string; status: 'pending' | 'fulfilled' | 'cancelled' }
const reservations = new Map<string, Reservation>();
const charges = new Map<string, Charge>();
const fulfilments = new Map<string, Fulfilment>();

/** What the demo services hold for one order (a copy), for tests and curiosity. */
export function orderLedger(orderKey: string): { reservation?: Reservation; charge?: Charge; fulfilment?: Fulfilment } {
  return structuredClone({ reservation: reservations.get(orderKey), charge: charges.get(orderKey), fulfilment: fulfilments.get(orderKey) });
}

/** After the effect is applied: the first attempt of a flaky step "loses its reply". */
function loseReplyOnce(faults: Faults, ctx: ActivityContext, what: string): void {
  if (faults.flaky && ctx.info.attempt === 1) throw ApplicationFailure.retryable(`${what} applied, but the reply was lost`, 'ReplyLost');
}

export const orderSagaActivities = {
  /** Holds the items one by one; with `fail`, the last item is out of stock after the others are held (a partial effect). */
  async reserveInventory(input: { orderKey: string; items: OrderItem[] } & Faults, ctx: ActivityContext): Promise<{ reservationId: string }> {
    const reservation = reservations.get(input.orderKey) ?? { reservationId: `res-${input.orderKey}`, held: [], released: false };
    reservations.set(input.orderKey, reservation);
    for (const [index, item] of input.items.entries()) {
      if (input.fail && index === input.items.length - 1) throw ApplicationFailure.nonRetryable(`${item.sku} is out of stock`, 'OutOfStock', { sku: item.sku });
      if (!reservation.held.some((held) => held.sku === item.sku)) reservation.held.push({ ...item });
    }
    loseReplyOnce(input, ctx, 'reservation');
    return { reservationId: reservation.reservationId };
  },

  async chargePayment(input: { orderKey: string; amount: number } & Faults, ctx: ActivityContext): Promise<{ chargeId: string; charged: number }> {
    if (input.fail) throw ApplicationFailure.nonRetryable(`card declined for ${input.amount}`, 'PaymentDeclined', { amount: input.amount });
    let charge = charges.get(input.orderKey);
    if (!charge) {
      charge = { chargeId: `ch-${input.orderKey}`, amount: input.amount, refunded: false };
      charges.set(input.orderKey, charge);
    }
    loseReplyOnce(input, ctx, 'charge');
    return { chargeId: charge.chargeId, charged: charge.amount };
  },

  /** Creates the fulfilment, then hands it to the carrier; with `fail` the carrier refuses and the fulfilment stays pending. */
  async fulfilOrder(input: { orderKey: string; items: OrderItem[] } & Faults, ctx: ActivityContext): Promise<{ fulfilmentId: string }> {
    const fulfilment = fulfilments.get(input.orderKey) ?? { fulfilmentId: `ful-${input.orderKey}`, status: 'pending' };
    fulfilments.set(input.orderKey, fulfilment);
    if (input.fail) throw ApplicationFailure.nonRetryable('the carrier refused the shipment', 'FulfilmentRejected');
    if (fulfilment.status === 'pending') fulfilment.status = 'fulfilled';
    loseReplyOnce(input, ctx, 'fulfilment');
    return { fulfilmentId: fulfilment.fulfilmentId };
  },

  // Compensations: each may find nothing to undo (its step failed before applying anything) or run twice.
  async releaseInventory(input: { orderKey: string }, _ctx: ActivityContext): Promise<{ released: OrderItem[] }> {
    const reservation = reservations.get(input.orderKey);
    if (!reservation || reservation.released) return { released: [] };
    reservation.released = true;
    return { released: reservation.held };
  },

  async refundPayment(input: { orderKey: string }, _ctx: ActivityContext): Promise<{ refunded: number }> {
    const charge = charges.get(input.orderKey);
    if (!charge || charge.refunded) return { refunded: 0 };
    charge.refunded = true;
    return { refunded: charge.amount };
  },

  async cancelFulfilment(input: { orderKey: string }, _ctx: ActivityContext): Promise<{ cancelled: boolean }> {
    const fulfilment = fulfilments.get(input.orderKey);
    if (!fulfilment || fulfilment.status === 'cancelled') return { cancelled: false };
    fulfilment.status = 'cancelled';
    return { cancelled: true };
  },
};
type OrderActivities = typeof orderSagaActivities;

// Steps get a bounded retry policy: a step retried forever would never let compensation start.
const STEP_OPTIONS: ActivityOptions = { startToCloseTimeout: '10s', retry: { initialInterval: '200ms', maximumAttempts: 3 } };
// Compensations retry until they succeed (they are idempotent); a workflow that gave up on one would leave the order half undone.
const COMPENSATION_OPTIONS: ActivityOptions = { startToCloseTimeout: '10s', retry: { initialInterval: '200ms', maximumInterval: '1m' } };

export const orderSaga = defineWorkflow('orderSaga', async (ctx, input: OrderSagaInput = {}): Promise<OrderSummary> => {
  const { workflowId, runId } = ctx.info();
  const orderKey = `${workflowId}:${runId}`;
  const items = input.items ?? DEMO_ITEMS;
  const amount = input.amount ?? 42;
  const faults = (step: OrderStep): Faults => ({ ...(input.failAt === step && { fail: true }), ...(input.flakyAt === step && { flaky: true }) });
  const { reserveInventory, chargePayment, fulfilOrder } = ctx.proxyActivities<OrderActivities>(STEP_OPTIONS);

  const saga = new Saga(ctx);
  const compensations: string[] = [];
  /** Registers a compensation that starts its activity through the saga's non-cancellable ctx and notes that it ran. */
  const undo = (name: 'releaseInventory' | 'refundPayment' | 'cancelFulfilment') =>
    saga.addCompensation(async (ctx: WorkflowContext) => {
      await ctx.proxyActivities<OrderActivities>(COMPENSATION_OPTIONS)[name]({ orderKey });
      compensations.push(name);
    });

  let step: OrderStep = 'reserve';
  try {
    // Each compensation is registered BEFORE its step: a step that fails (or times out) may still have applied part of its effect.
    undo('releaseInventory');
    const { reservationId } = await reserveInventory({ orderKey, items, ...faults('reserve') });
    step = 'charge';
    undo('refundPayment');
    const { chargeId, charged } = await chargePayment({ orderKey, amount, ...faults('charge') });
    step = 'fulfil';
    undo('cancelFulfilment');
    const { fulfilmentId } = await fulfilOrder({ orderKey, items, ...faults('fulfil') });
    return { status: 'fulfilled', orderKey, items, amount, reservationId, chargeId, charged, fulfilmentId };
  } catch (error) {
    await saga.compensate(); // last first; throws CompensationError if a compensation fails for good
    if (isCancellation(error)) throw error; // a cancelled order ends cancelled, after compensating
    throw ApplicationFailure.create({
      type: OrderFailureType[step],
      message: `order ${workflowId} failed at ${step}: ${(error as Error).message}; compensated: ${compensations.join(', ')}`,
      nonRetryable: true,
      details: { step, compensations },
      cause: error as Error,
    });
  }
});
