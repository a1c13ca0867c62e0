// duro/temporal/workflow and duro/temporal/activity in workerd: the fixture Worker registers the Temporal-style module of test/fixtures/temporal/
// as it is. The ambient workflow context is AsyncLocalStorage here (nodejs_compat), shared by every object of the isolate.
import { describe, expect, it } from 'vitest';
import { RunPayloads } from '../../src/core/payloads/run-payloads';
import { api, history, post, result, start, uniqueId } from './helpers';

describe('Temporal-style workflows in a Durable Object', () => {
  it('run with positional arguments and module-level activity proxies', async () => {
    const workflowId = uniqueId('greeting');
    await start('greeting', workflowId, ['Ada', 'Hello']);
    expect(await result(workflowId, 'wait=10s')).toMatchObject({ status: 200, body: { status: 'completed', result: 'Hello, Ada!' } });
  });

  it('call an activity of two arguments with both, on the \'self\' queue and as a local activity', async () => {
    const workflowId = uniqueId('checkout');
    await start('checkout', workflowId, [workflowId, 30]);
    expect(await result(workflowId, 'wait=10s')).toMatchObject({
      status: 200,
      body: { status: 'completed', result: [`charge ${workflowId} 30 EUR for ${workflowId}`, `charge ${workflowId} 60 EUR local for ${workflowId}`] },
    });
    const scheduled = (await history(workflowId)).find((event) => event.type === 'ActivityTaskScheduled');
    expect(scheduled).toMatchObject({ activityType: 'charge', input: [workflowId, 30], options: { arguments: 'positional' } });
  });

  it('see the times, timeouts and retry policy in Context.current().info, on the \'self\' queue and as a local activity', async () => {
    const workflowId = uniqueId('attempt-infos');
    await start('attemptInfos', workflowId);
    const reply = await result(workflowId, 'wait=10s');
    // The fixture writes with the rich converter: an info's `undefined` fields make the result a marked payload.
    const outcome = { ...reply, body: { ...reply.body, result: RunPayloads.forCaller().read(reply.body.result) } };
    const scheduled = (await history(workflowId)).find((event) => event.type === 'ActivityTaskScheduled')!;
    const retryPolicy = { initialInterval: 2_000, backoffCoefficient: 2, maximumInterval: 200_000, maximumAttempts: 4, nonRetryableErrorTypes: [] };
    expect(outcome).toMatchObject({
      status: 200,
      body: {
        status: 'completed',
        result: [
          { attempt: 1, isLocal: false, scheduledTimestampMs: scheduled.timestamp, currentAttemptScheduledTimestampMs: scheduled.timestamp, startToCloseTimeoutMs: 60_000, scheduleToCloseTimeoutMs: 3_600_000, retryPolicy },
          { attempt: 1, isLocal: true, scheduledTimestampMs: expect.any(Number), currentAttemptScheduledTimestampMs: expect.any(Number), startToCloseTimeoutMs: 60_000, retryPolicy },
        ],
      },
    });
  });

  it('schedule the cleanup of a module-level proxy in CancellationScope.nonCancellable after a cancel', async () => {
    const workflowId = uniqueId('reserve');
    await start('reserveThenRelease', workflowId, ['book']);
    for (let tries = 0; tries < 100; tries++) {
      if ((await history(workflowId)).some((event) => event.type === 'TimerStarted')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect((await post(`/v1/workflows/${workflowId}/cancel`, {})).status).toBe(202);
    expect(await result(workflowId, 'wait=10s')).toMatchObject({ status: 200, body: { status: 'canceled' } });
    const scheduled = (await history(workflowId)).filter((event) => event.type === 'ActivityTaskScheduled').map((event) => (event as { activityType?: string }).activityType);
    expect(scheduled).toEqual(['reserve', 'release']);
  });

  it('know their cancellation scopes, and never see another workflow\'s identity while many interleave', async () => {
    const scopes = uniqueId('scopes');
    await start('scopes', scopes);
    const ids = Array.from({ length: 8 }, (_, i) => uniqueId(`identity-${i}`));
    await Promise.all(ids.map((id) => start('identity', id, [6])));
    expect(await result(scopes, 'wait=10s')).toMatchObject({ body: { result: { sameRoot: true, innerIsChild: true, cancelled: 'yes' } } });
    for (const id of ids) expect(await result(id, 'wait=10s')).toMatchObject({ body: { status: 'completed', result: Array(6).fill(id) } });
    expect((await api('/healthz')).status).toBe(200);
  });
});

describe('Temporal-style samples in Durable Objects', () => {
  it('saga: a failed flight undoes the hotel and the car, last first', async () => {
    const workflowId = uniqueId('trip');
    await start('bookTripSaga', workflowId, ['no-flights']);
    expect(await result(workflowId, 'wait=15s')).toMatchObject({ status: 200, body: { status: 'failed', failure: { type: 'TripFailed' } } });
    const scheduled = (await history(workflowId)).filter((event) => event.type === 'ActivityTaskScheduled').map((event) => (event as { activityType?: string }).activityType);
    expect(scheduled).toEqual(['bookCar', 'bookHotel', 'bookFlight', 'undo', 'undo']);
  }, 20_000);

  it('sliding window: child workflows three at a time, continued as new, sum every record', async () => {
    const workflowId = uniqueId('window');
    await start('slidingWindow', workflowId, [20, 5, 3, 2]);
    const expected = Array.from({ length: 20 }, (_, i) => i * 2).reduce((a, b) => a + b, 0);
    let outcome = await result(workflowId, 'wait=10s');
    for (let tries = 0; tries < 3 && outcome.status !== 200; tries++) outcome = await result(workflowId, 'wait=10s');
    expect(outcome).toMatchObject({ status: 200, body: { status: 'completed', result: expected } });
  }, 45_000);
});
