// Activities: the calls to the outside world. Duro may run one more than once (a retry, a crash mid-call), so each
// must be idempotent: (workflowId, runId, activityId) names one activity across all its attempts.
import { ApplicationFailure, type ActivityContext } from 'duro/workflow';

export async function reserve(input: { orderId: string }, ctx: ActivityContext): Promise<string> {
  const { workflowId, runId, activityId } = ctx.info;
  // One JSON line on the console, also kept with the run: `npx duro logs <workflowId>`, the UI's Logs.
  ctx.log.info('reserving', { orderId: input.orderId });
  return `reservation-${input.orderId}-${workflowId}:${runId}:${activityId}`;
}

export async function charge(input: { orderId: string; amount: number }): Promise<string> {
  // A declined card will not succeed on a retry: say so, and the workflow compensates at once.
  if (input.amount > 1_000) throw ApplicationFailure.nonRetryable(`card declined for ${input.amount}`, 'PaymentDeclined');
  return `charge-${input.orderId}`;
}

export async function release(input: { reservationId: string }): Promise<void> {
  console.log(`released ${input.reservationId}`);
}
