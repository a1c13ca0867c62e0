// Saga: compensations registered before each step run last-first when a later step fails.
import { describe, expect, it } from 'vitest';
import {
  ActivityFailure, ApplicationFailure, Saga, WorkflowFailedError, defineWorkflow, isCancellation,
  type ActivityContext,
} from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

/** Activities whose side effects land in `log`, in the order they ran. */
function bookingActivities(log: string[], failing: Record<string, ApplicationFailure> = {}) {
  const step = (name: string) => async (_input: unknown, _ctx: ActivityContext) => {
    log.push(name);
    const failure = failing[name];
    if (failure) throw failure;
    return name;
  };
  return {
    reserveFlight: step('reserveFlight'),
    reserveHotel: step('reserveHotel'),
    chargeCard: step('chargeCard'),
    cancelFlight: step('cancelFlight'),
    cancelHotel: step('cancelHotel'),
    refundCard: step('refundCard'),
    waitForever: async (_input: unknown, ctx: ActivityContext) => {
      log.push('waitForever');
      await ctx.sleep(365 * 86_400_000);
    },
  };
}
type Acts = ReturnType<typeof bookingActivities>;

const trip = defineWorkflow('trip', async (ctx, input: { parallel?: boolean; continueWithError?: boolean } = {}) => {
  const acts = ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } });
  const saga = new Saga(ctx, { parallelCompensation: input.parallel ?? false, continueWithError: input.continueWithError ?? true });
  try {
    saga.addCompensation((ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } }).cancelFlight());
    await acts.reserveFlight();
    saga.addCompensation((ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } }).cancelHotel());
    await acts.reserveHotel();
    saga.addCompensation((ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 1 } }).refundCard());
    await acts.chargeCard();
    return 'booked';
  } catch (err) {
    await saga.compensate();
    throw err;
  }
});

const cancellableTrip = defineWorkflow('cancellableTrip', async (ctx) => {
  const acts = ctx.proxyActivities<Acts>({ startToCloseTimeout: '400 days', retry: { maximumAttempts: 1 } });
  const saga = new Saga(ctx);
  try {
    saga.addCompensation((ctx) => ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s' }).cancelFlight());
    await acts.reserveFlight();
    await acts.waitForever();
    return 'done';
  } catch (err) {
    await saga.compensate();
    throw err;
  }
});

const workflows = { trip, cancellableTrip };

describe('Saga', () => {
  it('runs compensations in reverse order when the third step fails, and fails with the original cause', async () => {
    const log: string[] = [];
    const activities = bookingActivities(log, { chargeCard: ApplicationFailure.nonRetryable('card declined', 'CardDeclined', { code: 51 }) });
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(trip, { input: {} });

    const error = await handle.result().then(() => undefined, (e: unknown) => e);

    expect(log).toEqual(['reserveFlight', 'reserveHotel', 'chargeCard', 'refundCard', 'cancelHotel', 'cancelFlight']);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    const failed = error as WorkflowFailedError;
    expect(failed.status).toBe('failed');
    expect(failed.cause).toBeInstanceOf(ActivityFailure);
    expect((failed.cause as ActivityFailure).activityType).toBe('chargeCard');
    const original = failed.cause.cause;
    expect(original).toBeInstanceOf(ApplicationFailure);
    expect((original as ApplicationFailure).type).toBe('CardDeclined');
    expect((original as ApplicationFailure).message).toBe('card declined');
    expect((original as ApplicationFailure).details).toEqual({ code: 51 });
    expect((original as ApplicationFailure).nonRetryable).toBe(true);
  });

  it('records the compensations as activities after the failed step, before the run fails', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: bookingActivities(log, { chargeCard: ApplicationFailure.nonRetryable('no', 'CardDeclined') }) });
    const handle = await env.start(trip, { input: {} });
    await handle.result().catch(() => undefined);

    const history = await handle.fetchHistory();
    const scheduled = history.flatMap((e) => (e.type === 'ActivityTaskScheduled' ? [e.activityType] : []));
    expect(scheduled).toEqual(['reserveFlight', 'reserveHotel', 'chargeCard', 'refundCard', 'cancelHotel', 'cancelFlight']);
    expect(history.at(-1)?.type).toBe('WorkflowExecutionFailed');
  });

  it('runs only the compensations registered up to the failing step', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: bookingActivities(log, { reserveHotel: ApplicationFailure.nonRetryable('full', 'NoRooms') }) });
    const error = await env.execute(trip, { input: {} }).then(() => undefined, (e: WorkflowFailedError) => e);

    // The hotel compensation was registered before the hotel step, so it runs too (Temporal's "register first" idiom).
    expect(log).toEqual(['reserveFlight', 'reserveHotel', 'cancelHotel', 'cancelFlight']);
    expect((error!.cause.cause as ApplicationFailure).type).toBe('NoRooms');
  });

  it('runs no compensation when every step succeeds', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: bookingActivities(log) });
    expect(await env.execute(trip, { input: {} })).toBe('booked');
    expect(log).toEqual(['reserveFlight', 'reserveHotel', 'chargeCard']);
  });

  it('keeps compensating after a compensation fails and reports every failure in a CompensationError', async () => {
    const log: string[] = [];
    const activities = bookingActivities(log, {
      chargeCard: ApplicationFailure.nonRetryable('declined', 'CardDeclined'),
      cancelHotel: ApplicationFailure.nonRetryable('hotel API down', 'HotelDown'),
    });
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const error = await env.execute(trip, { input: {} }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(log).toEqual(['reserveFlight', 'reserveHotel', 'chargeCard', 'refundCard', 'cancelHotel', 'cancelFlight']);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    // The compensation failure replaces the step's failure: it is what the workflow threw last.
    expect(error!.failure.type).toBe('CompensationFailed');
    expect(error!.cause).toBeInstanceOf(ApplicationFailure);
    const failures = (error!.cause as ApplicationFailure).details as { failures: Array<{ type: string; cause?: { type: string } }> };
    expect(failures.failures).toHaveLength(1);
    expect(failures.failures[0]!.type).toBe('ActivityFailure');
    expect(failures.failures[0]!.cause?.type).toBe('HotelDown');
    expect((error!.cause.cause as ActivityFailure).cause).toMatchObject({ type: 'HotelDown' });
  });

  it('stops at the first failing compensation when continueWithError is false', async () => {
    const log: string[] = [];
    const activities = bookingActivities(log, {
      chargeCard: ApplicationFailure.nonRetryable('declined', 'CardDeclined'),
      cancelHotel: ApplicationFailure.nonRetryable('hotel API down', 'HotelDown'),
    });
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const error = await env.execute(trip, { input: { continueWithError: false } }).then(() => undefined, (e: WorkflowFailedError) => e);

    expect(log).toEqual(['reserveFlight', 'reserveHotel', 'chargeCard', 'refundCard', 'cancelHotel']);
    expect(error!.failure.type).toBe('CompensationFailed');
    expect(((error!.cause as ApplicationFailure).details as { failures: unknown[] }).failures).toHaveLength(1);
  });

  it('starts every compensation at once with parallelCompensation', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: bookingActivities(log, { chargeCard: ApplicationFailure.nonRetryable('declined', 'CardDeclined') }) });
    const handle = await env.start(trip, { input: { parallel: true } });
    await handle.result().catch(() => undefined);

    const history = await handle.fetchHistory();
    const compensationEvents = history.filter((e) => e.type === 'ActivityTaskScheduled' && ['refundCard', 'cancelHotel', 'cancelFlight'].includes(e.activityType));
    // All three are scheduled by the same activation: no compensation waited for another.
    const taskEnds = history.filter((e) => e.type === 'WorkflowTaskCompleted').map((e) => e.eventId);
    const activationOf = (eventId: number) => taskEnds.find((end) => end > eventId);
    expect(new Set(compensationEvents.map((e) => activationOf(e.eventId))).size).toBe(1);
    expect(log.slice(3).sort()).toEqual(['cancelFlight', 'cancelHotel', 'refundCard']);
  });

  it('compensates even when the workflow is being cancelled', async () => {
    const log: string[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows, activities: bookingActivities(log) });
    const handle = await env.start(cancellableTrip);
    await env.sleep('1s');
    expect(log).toEqual(['reserveFlight', 'waitForever']);

    await handle.cancel('customer changed their mind');
    const error = await handle.result().then(() => undefined, (e: WorkflowFailedError) => e);

    expect(log).toEqual(['reserveFlight', 'waitForever', 'cancelFlight']);
    expect(error?.status).toBe('canceled');
    expect(isCancellation(error?.cause)).toBe(true);
  });
});
