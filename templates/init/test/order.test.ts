// The order workflow in Duro's time-skipping test environment: days pass in milliseconds, activities run in-process.
import { TestWorkflowEnvironment } from 'duro/testing';
import { WorkflowFailedError } from 'duro/workflow';
import { describe, expect, it } from 'vitest';
import * as activities from '../src/activities';
import { approve, order, status } from '../src/workflows';

async function environment() {
  return TestWorkflowEnvironment.create({ workflows: { order }, activities });
}

describe('order', () => {
  it('waits for approval, then reserves and charges', async () => {
    const env = await environment();
    const handle = await env.start(order, { workflowId: 'order-1', input: { orderId: 'o-1', amount: 40 } });
    expect(await handle.query(status)).toBe('awaiting approval');
    await handle.signal(approve, 'ada');
    expect(await handle.result()).toMatchObject({ status: 'completed', approvedBy: 'ada', chargeId: 'charge-o-1' });
  });

  it('releases the reservation when the card is declined', async () => {
    const env = await environment();
    const handle = await env.start(order, { workflowId: 'order-2', input: { orderId: 'o-2', amount: 5_000 } });
    await handle.signal(approve, 'ada');
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'OrderFailed', details: { reason: 'PaymentDeclined' } });
    const scheduled = (await handle.fetchHistory()).flatMap((e) => (e.type === 'ActivityTaskScheduled' ? [e.activityType] : []));
    expect(scheduled).toEqual(['reserve', 'charge', 'release']);
  });

  it('expires when nobody approves within the timeout', async () => {
    const env = await environment();
    const result = await env.execute(order, { input: { orderId: 'o-3', amount: 40, approvalTimeout: '2 days' } });
    expect(result).toEqual({ status: 'expired' });
  });
});
