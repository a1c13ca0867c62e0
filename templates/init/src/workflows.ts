// Workflows: deterministic functions of their input and history. Everything that touches the outside world is an
// activity (src/activities.ts); time, randomness and ids come from `ctx`.
import { ActivityFailure, ApplicationFailure, defineQuery, defineSignal, defineWorkflow, Saga, type Duration } from 'duro/workflow';
import type * as activities from './activities';

export interface OrderInput {
  orderId: string;
  amount: number;
  /** How long to wait for the `approve` signal. Default: one day. */
  approvalTimeout?: Duration;
}

export type OrderResult =
  | { status: 'completed'; approvedBy: string; reservationId: string; chargeId: string }
  | { status: 'expired' };

/** Approves the order; the workflow waits for it. */
export const approve = defineSignal<[by: string]>('approve');
/** Where the order is, at any time. */
export const status = defineQuery<string>('status');

const activityOptions = { startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 5 } } as const;

/** Waits for approval, then reserves stock and charges; if the charge fails, the reservation is released. */
export const order = defineWorkflow('order', async (ctx, input: OrderInput): Promise<OrderResult> => {
  const { reserve, charge } = ctx.proxyActivities<typeof activities>(activityOptions);
  let state = 'awaiting approval';
  let approvedBy: string | undefined;
  ctx.setHandler(status, () => state);
  ctx.setHandler(approve, (by) => {
    approvedBy = by;
  });

  if (!(await ctx.condition(() => approvedBy !== undefined, input.approvalTimeout ?? '1 day'))) {
    state = 'expired';
    return { status: 'expired' };
  }

  const saga = new Saga(ctx);
  try {
    state = 'reserving';
    const reservationId = await reserve({ orderId: input.orderId });
    // Compensations run last first, shielded from cancellation: make their proxies from the ctx they are given.
    saga.addCompensation((ctx) => ctx.proxyActivities<typeof activities>(activityOptions).release({ reservationId }));
    state = 'charging';
    const chargeId = await charge({ orderId: input.orderId, amount: input.amount });
    state = 'completed';
    ctx.log.info('order completed', { orderId: input.orderId, chargeId }); // written once, not again on replay
    return { status: 'completed', approvedBy: approvedBy!, reservationId, chargeId };
  } catch (error) {
    state = 'compensating';
    await saga.compensate();
    state = 'failed';
    const reason = error instanceof ActivityFailure && error.cause instanceof ApplicationFailure ? error.cause.type : 'Error';
    throw ApplicationFailure.nonRetryable(`order ${input.orderId} failed: ${reason}`, 'OrderFailed', { reason });
  }
});
