// Signals, queries and updates reach a running workflow through the REST API, and a saga's failure
// reaches the caller with its cause intact.
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { describe, eventually, history, post, result, signal, start, uniqueId } from './helpers';

group('the REST API on a running workflow', () => {
  it('delivers signals, answers queries and runs updates, refusing one its validator rejects', async () => {
    const workflowId = uniqueId('cart');
    await start('cart', workflowId);

    expect((await signal(workflowId, 'addItem', ['apple'])).status).toBe(202);
    const query = await post(`/v1/workflows/${workflowId}/queries/items`, { args: [] });
    expect(query.status).toBe(200);
    expect(await query.json()).toEqual({ result: ['apple'] });

    const update = await post(`/v1/workflows/${workflowId}/updates/addChecked`, { args: ['pear', 2], wait: 'completed' });
    expect(update.status).toBe(200);
    expect(await update.json()).toMatchObject({ outcome: { result: 2 } });

    const before = await history(workflowId);
    const rejected = await post(`/v1/workflows/${workflowId}/updates/addChecked`, { args: ['plum', 0], wait: 'completed' });
    expect(rejected.status).toBe(400);
    expect(rejected.headers.get('content-type')).toBe('application/problem+json');
    expect(await rejected.json()).toMatchObject({
      type: 'duro:update-rejected',
      status: 400,
      failure: { type: 'InvalidQuantity', message: 'quantity must be positive, got 0' },
    });
    // Nothing of the rejected update was recorded, and the workflow did not see it.
    expect(await history(workflowId)).toEqual(before);
    expect((await describe(workflowId)).historyLength).toBe(before.length);

    const unknownQuery = await post(`/v1/workflows/${workflowId}/queries/nope`, { args: [] });
    expect(unknownQuery.status).toBe(400);
    expect(await unknownQuery.json()).toMatchObject({ type: 'duro:query-not-found' });

    expect((await signal(workflowId, 'checkout')).status).toBe(202);
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: ['apple', '2 x pear'] } });
    const types = (await history(workflowId)).map((event) => event.type);
    expect(types.filter((type) => type === 'SignalReceived')).toHaveLength(2);
    expect(types.filter((type) => type === 'UpdateAccepted')).toHaveLength(1);
    expect(types.filter((type) => type === 'UpdateCompleted')).toHaveLength(1);

    const late = await signal(workflowId, 'addItem', ['fig']);
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ type: 'duro:workflow-closed' });
  });

  it('runs an update and a signal once each, though retried with the same ids across a restart of the object', async () => {
    const workflowId = uniqueId('cart-restart');
    await start('cart', workflowId);
    const update = { args: ['kiwi'], updateId: 'add-kiwi', wait: 'completed' };
    // The first call's update waits on a slow activity when the object is reset; the client never hears back.
    void post(`/v1/workflows/${workflowId}/updates/addSlowly`, update).catch(() => undefined);
    await eventually(() => probe.logOf(`slow:${workflowId}`).length >= 1, 5_000, 'the update\'s activity');
    await abortAllDurableObjects();

    const retried = await post(`/v1/workflows/${workflowId}/updates/addSlowly`, update);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ updateId: 'add-kiwi', outcome: { result: 'kiwi' } });
    const again = await post(`/v1/workflows/${workflowId}/updates/addSlowly`, update);
    expect(await again.json()).toEqual({ updateId: 'add-kiwi', outcome: { result: 'kiwi' } });

    const sendFig = () => post(`/v1/workflows/${workflowId}/signals/addItem`, { args: ['fig'], requestId: 'fig-1' });
    expect((await sendFig()).status).toBe(202);
    await abortAllDurableObjects();
    expect((await sendFig()).status).toBe(202);

    expect(await (await post(`/v1/workflows/${workflowId}/queries/items`, { args: [] })).json()).toEqual({ result: ['kiwi', 'fig'] });
    const types = (await history(workflowId)).map((event) => event.type);
    expect(types.filter((type) => type === 'UpdateAccepted')).toHaveLength(1);
    expect(types.filter((type) => type === 'UpdateCompleted')).toHaveLength(1);
    expect(types.filter((type) => type === 'SignalReceived')).toHaveLength(1);
  });

  it('runs a saga\'s compensations in reverse order and fails the run with the original cause', async () => {
    const workflowId = uniqueId('trip');
    await start('bookTrip', workflowId, { key: workflowId });
    const { status, body } = await result(workflowId);
    expect(status).toBe(200);
    expect(body.status).toBe('failed');
    expect(body.failure).toMatchObject({
      type: 'ActivityFailure',
      cause: { type: 'NoCarsAvailable', message: 'No cars left at the airport', nonRetryable: true, details: { item: 'car' } },
    });
    expect(probe.logOf(`saga:${workflowId}`)).toEqual(['book flight', 'book hotel', 'cancel hotel', 'cancel flight']);

    const scheduled = (await history(workflowId)).filter((event) => event.type === 'ActivityTaskScheduled');
    expect(scheduled.map((event) => [event.activityType, (event.input as { item: string }).item])).toEqual([
      ['book', 'flight'], ['book', 'hotel'], ['book', 'car'], ['cancelBooking', 'hotel'], ['cancelBooking', 'flight'],
    ]);
    // The non-retryable failure was not retried.
    const carFailed = (await history(workflowId)).find((event) => event.type === 'ActivityTaskFailed')!;
    expect(carFailed.attempt).toBe(1);
  });
});
