// What one wake-up of a schedule does: firing, catch-up after downtime, overlap policies, buffering, when to wake
// next, repeated wake-ups, and "trigger now".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  actionWorkflowId, initialScheduleState, MAX_STARTS_PER_TICK, MAX_TIMES_PER_TICK, nextScheduledTime, planTick, planTrigger,
  resolveScheduleSpec, unpauseScheduleState, jitterOf,
  type OverlapPolicy, type ResolvedScheduleSpec, type ScheduleSpec, type ScheduleState, type TickPlan,
} from '../../../src/core/schedule';

const MIN = 60_000;
const T0 = Date.UTC(2025, 0, 1); // the schedule is created at T0
const ID = 'report';

const minutely = (extra: ScheduleSpec = {}): ResolvedScheduleSpec => resolveScheduleSpec({ every: '1m', ...extra });
const created = initialScheduleState(T0);
const started = (...minutes: number[]) => minutes.map((m) => ({ scheduledTime: T0 + m * MIN, workflowId: actionWorkflowId(ID, T0 + m * MIN) }));
const running = (state: ScheduleState, minute: number, startedAt = T0 + minute * MIN): ScheduleState => ({
  ...state, lastAction: { scheduledTime: T0 + minute * MIN, workflowId: actionWorkflowId(ID, T0 + minute * MIN), startedAt },
});

/** Ticks at the same `now` until the plan stops asking for an immediate re-tick, as the host's alarm would. */
function tickUntilSettled(spec: ResolvedScheduleSpec, overlap: OverlapPolicy, state: ScheduleState, now: number, isRunning: boolean) {
  const starts: TickPlan['start'] = [];
  let ticks = 0;
  let plan: TickPlan;
  do {
    plan = planTick(ID, spec, overlap, state, now, isRunning && state.lastAction !== undefined);
    starts.push(...plan.start);
    state = plan.state;
    ticks++;
  } while (plan.wakeAt === now && ticks < 10_000);
  return { starts, state, ticks, wakeAt: plan.wakeAt };
}

describe('initialScheduleState', () => {
  it('handles nothing before the creation', () => {
    expect(initialScheduleState(T0)).toEqual({ handledThrough: T0, actions: 0, skippedOverlap: 0, missedCatchup: 0 });
    const plan = planTick(ID, minutely({ startAt: T0 - 60 * MIN }), 'allowAll', created, T0, false);
    expect(plan.start).toEqual([]);
  });
});

describe('actionWorkflowId', () => {
  it('is the schedule id and the ISO scheduled time', () => {
    expect(actionWorkflowId('nightly', Date.UTC(2025, 2, 30, 1))).toBe('nightly-2025-03-30T01:00:00.000Z');
  });
});

describe('planTick: firing', () => {
  it('sleeps until the first time, then starts it and wakes for the next', () => {
    const spec = minutely();
    const early = planTick(ID, spec, 'skip', created, T0 + 30_000, false);
    expect(early).toEqual({ start: [], state: created, wakeAt: T0 + MIN });

    const onTime = planTick(ID, spec, 'skip', created, T0 + MIN, false);
    expect(onTime.start).toEqual(started(1));
    expect(onTime.state).toEqual({
      handledThrough: T0 + MIN, actions: 1, skippedOverlap: 0, missedCatchup: 0,
      lastAction: { ...started(1)[0], startedAt: T0 + MIN },
    });
    expect(onTime.wakeAt).toBe(T0 + 2 * MIN);
  });

  it('fires a cron in its time zone', () => {
    const spec = resolveScheduleSpec({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    const state = initialScheduleState(Date.UTC(2025, 2, 29, 12));
    const first = planTick(ID, spec, 'skip', state, Date.UTC(2025, 2, 29, 12), false);
    expect(first.start).toEqual([]);
    expect(first.wakeAt).toBe(Date.UTC(2025, 2, 30, 1)); // 03:00 CEST: 02:30 does not exist that night
    const second = planTick(ID, spec, 'skip', first.state, first.wakeAt!, false);
    expect(second.start).toEqual([{ scheduledTime: Date.UTC(2025, 2, 30, 1), workflowId: `${ID}-2025-03-30T01:00:00.000Z` }]);
    expect(second.wakeAt).toBe(Date.UTC(2025, 2, 31, 0, 30));
  });

  it('waits for each time plus its jitter', () => {
    const spec = minutely({ jitter: '30s' });
    const time = T0 + MIN;
    const jitter = jitterOf(ID, time, spec);
    const before = planTick(ID, spec, 'skip', created, time + jitter - 1, false);
    expect(before.start).toEqual([]);
    expect(before.wakeAt).toBe(time + jitter);
    const at = planTick(ID, spec, 'skip', created, time + jitter, false);
    expect(at.start).toEqual(started(1));
    expect(at.state.lastAction?.startedAt).toBe(time + jitter);
    expect(at.wakeAt).toBe(time + MIN + jitterOf(ID, time + MIN, spec));
  });

  it('stops when the schedule has ended', () => {
    const spec = minutely({ endAt: T0 + 2 * MIN });
    const plan = planTick(ID, spec, 'allowAll', created, T0 + 10 * MIN, false);
    expect(plan.start).toEqual(started(1, 2));
    expect(plan.wakeAt).toBeUndefined();
  });
});

describe('planTick: catch-up after downtime', () => {
  it('starts every missed time within the window, in order', () => {
    const spec = minutely({ catchupWindow: '10m' });
    const plan = planTick(ID, spec, 'allowAll', created, T0 + 5 * MIN + 10_000, false);
    expect(plan.start).toEqual(started(1, 2, 3, 4, 5));
    expect(plan.state).toMatchObject({ actions: 5, missedCatchup: 0, handledThrough: T0 + 5 * MIN });
    expect(plan.wakeAt).toBe(T0 + 6 * MIN);
  });

  it('counts times due longer ago than the window as missed and starts the rest', () => {
    const spec = minutely({ catchupWindow: '10m' });
    const now = T0 + 30 * MIN;
    const plan = planTick(ID, spec, 'allowAll', created, now, false);
    // Minute 20 is exactly 10 minutes late: still inside the window.
    expect(plan.start).toEqual(started(20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30));
    expect(plan.state).toMatchObject({ missedCatchup: 19, actions: 11, skippedOverlap: 0, handledThrough: now });
  });

  it('counts the same for a cron as for the equal interval (the interval skips the missed ones without a loop)', () => {
    const cron = resolveScheduleSpec({ cron: '* * * * *', catchupWindow: '10m' });
    const interval = minutely({ catchupWindow: '10m' });
    for (const overlap of ['skip', 'bufferOne', 'allowAll'] as const) {
      expect(planTick(ID, cron, overlap, created, T0 + 300 * MIN + 7, false)).toEqual(planTick(ID, interval, overlap, created, T0 + 300 * MIN + 7, false));
    }
  });

  it('skips a year of downtime of a per-second interval at once', () => {
    const spec = resolveScheduleSpec({ every: '1s', catchupWindow: '1m' });
    const now = T0 + 365 * 86_400_000;
    const plan = planTick(ID, spec, 'skip', created, now, false);
    // The window is inclusive: the 61 times of the last minute are caught up (one starts, 60 overlap it).
    expect(plan.state).toMatchObject({ missedCatchup: 365 * 86_400 - 61, actions: 1, skippedOverlap: 60, handledThrough: now });
    expect(plan.start).toEqual([{ scheduledTime: now - MIN, workflowId: actionWorkflowId(ID, now - MIN) }]);
  });

  it('catches up with the default window of one year', () => {
    const plan = planTick(ID, resolveScheduleSpec({ every: '1d' }), 'skip', created, T0 + 400 * 86_400_000, false);
    // Days 35 to 400 are at most 365 days late.
    expect(plan.state).toMatchObject({ missedCatchup: 34, actions: 1, skippedOverlap: 365 });
    expect(plan.start).toEqual([{ scheduledTime: T0 + 35 * 86_400_000, workflowId: actionWorkflowId(ID, T0 + 35 * 86_400_000) }]);
  });
});

describe('planTick: overlap', () => {
  const spec = minutely();
  const afterOne = planTick(ID, spec, 'allowAll', created, T0 + MIN, false).state;

  it('skip: skips a time due while the last action runs', () => {
    const plan = planTick(ID, spec, 'skip', afterOne, T0 + 2 * MIN, true);
    expect(plan.start).toEqual([]);
    expect(plan.state).toMatchObject({ skippedOverlap: 1, actions: 1, handledThrough: T0 + 2 * MIN });
    expect(plan.state.buffered).toBeUndefined();
    expect(plan.wakeAt).toBe(T0 + 3 * MIN);
  });

  it('skip: starts it when the last action has closed', () => {
    const plan = planTick(ID, spec, 'skip', afterOne, T0 + 2 * MIN, false);
    expect(plan.start).toEqual(started(2));
  });

  it('skip: of several due times with nothing running, starts the earliest and skips the others', () => {
    const plan = planTick(ID, spec, 'skip', created, T0 + 4 * MIN, false);
    expect(plan.start).toEqual(started(1));
    expect(plan.state).toMatchObject({ actions: 1, skippedOverlap: 3 });
  });

  it('skip: of several due times while the last action runs, starts none', () => {
    const plan = planTick(ID, spec, 'skip', afterOne, T0 + 4 * MIN, true);
    expect(plan.start).toEqual([]);
    expect(plan.state).toMatchObject({ actions: 1, skippedOverlap: 3 });
  });

  it('bufferOne: buffers a time due while the last action runs and polls for its close', () => {
    const plan = planTick(ID, spec, 'bufferOne', afterOne, T0 + 2 * MIN, true);
    expect(plan.start).toEqual([]);
    expect(plan.state).toMatchObject({ buffered: T0 + 2 * MIN, skippedOverlap: 0, handledThrough: T0 + 2 * MIN });
    // The last action has run 1 minute: look again in a tenth of that, 6 s, before the next time is due.
    expect(plan.wakeAt).toBe(T0 + 2 * MIN + 6_000);
  });

  it('bufferOne: of several due times with nothing running, starts the earliest and buffers the latest', () => {
    const plan = planTick(ID, spec, 'bufferOne', created, T0 + 4 * MIN, false);
    expect(plan.start).toEqual(started(1));
    expect(plan.state).toMatchObject({ actions: 1, buffered: T0 + 4 * MIN, skippedOverlap: 2 });
    expect(plan.wakeAt).toBe(T0 + 4 * MIN + 1_000); // the action just started: poll after the minimum, 1 s
  });

  it('bufferOne: of several due times while the last action runs, buffers the latest', () => {
    const plan = planTick(ID, spec, 'bufferOne', afterOne, T0 + 4 * MIN, true);
    expect(plan.start).toEqual([]);
    expect(plan.state).toMatchObject({ actions: 1, buffered: T0 + 4 * MIN, skippedOverlap: 2 });
  });

  it('bufferOne: a later due time displaces the buffered one, which counts as skipped', () => {
    const buffered = planTick(ID, spec, 'bufferOne', afterOne, T0 + 2 * MIN, true).state;
    const plan = planTick(ID, spec, 'bufferOne', buffered, T0 + 3 * MIN, true);
    expect(plan.state).toMatchObject({ buffered: T0 + 3 * MIN, skippedOverlap: 1 });
  });

  it('bufferOne: starts the buffered time, under its own id, as soon as the last action has closed', () => {
    const buffered = planTick(ID, spec, 'bufferOne', afterOne, T0 + 2 * MIN, true).state;
    const stillRunning = planTick(ID, spec, 'bufferOne', buffered, T0 + 2 * MIN + 6_000, true);
    expect(stillRunning.start).toEqual([]);
    expect(stillRunning.state).toEqual(buffered);

    const now = T0 + 2 * MIN + 12_000;
    const closed = planTick(ID, spec, 'bufferOne', buffered, now, false);
    expect(closed.start).toEqual(started(2));
    expect(closed.state.buffered).toBeUndefined();
    expect(closed.state).toMatchObject({ actions: 2, lastAction: { ...started(2)[0], startedAt: now } });
    expect(closed.wakeAt).toBe(T0 + 3 * MIN);
  });

  it('bufferOne: a time due in the tick that starts the buffered one is buffered behind it', () => {
    const buffered = planTick(ID, spec, 'bufferOne', afterOne, T0 + 2 * MIN, true).state;
    const plan = planTick(ID, spec, 'bufferOne', buffered, T0 + 3 * MIN, false);
    expect(plan.start).toEqual(started(2));
    expect(plan.state).toMatchObject({ buffered: T0 + 3 * MIN, skippedOverlap: 0, actions: 2 });
  });

  it('bufferOne: polls at most once a minute behind a long action, and wakes for the next time if sooner', () => {
    const hourly = resolveScheduleSpec({ every: '1h' });
    const state: ScheduleState = { ...running(created, 0, T0 - 5 * 60 * MIN), buffered: T0 + 60 * MIN, handledThrough: T0 + 60 * MIN };
    expect(planTick(ID, hourly, 'bufferOne', state, T0 + 60 * MIN + 1, true).wakeAt).toBe(T0 + 61 * MIN + 1);
    expect(planTick(ID, minutely(), 'bufferOne', { ...state, handledThrough: T0 + 60 * MIN }, T0 + 60 * MIN + 1, true).wakeAt).toBe(T0 + 61 * MIN);
  });

  it('bufferOne: keeps polling after the schedule ends while one is buffered', () => {
    const ending = minutely({ endAt: T0 + 2 * MIN });
    const plan = planTick(ID, ending, 'bufferOne', afterOne, T0 + 2 * MIN, true);
    expect(plan.state.buffered).toBe(T0 + 2 * MIN);
    expect(plan.wakeAt).toBe(T0 + 2 * MIN + 6_000);
    const done = planTick(ID, ending, 'bufferOne', plan.state, plan.wakeAt!, false);
    expect(done.start).toEqual(started(2));
    expect(done.wakeAt).toBeUndefined();
  });

  it('allowAll: starts every due time, running or not', () => {
    expect(planTick(ID, spec, 'allowAll', afterOne, T0 + 2 * MIN, true).start).toEqual(started(2));
    const plan = planTick(ID, spec, 'allowAll', afterOne, T0 + 4 * MIN, true);
    expect(plan.start).toEqual(started(2, 3, 4));
    expect(plan.state).toMatchObject({ actions: 4, skippedOverlap: 0, lastAction: { scheduledTime: T0 + 4 * MIN } });
  });

  it('takes a missing lastAction as nothing running', () => {
    expect(planTick(ID, spec, 'skip', created, T0 + MIN, true).start).toEqual(started(1));
  });
});

describe('planTick: repeated and bounded wake-ups', () => {
  it('starts nothing twice when woken again at the same time', () => {
    const spec = minutely({ catchupWindow: '10m', jitter: '20s' });
    for (const overlap of ['skip', 'bufferOne', 'allowAll'] as const) {
      const now = T0 + 7 * MIN;
      const first = planTick(ID, spec, overlap, created, now, false);
      expect(first.start.length).toBeGreaterThan(0);
      const again = planTick(ID, spec, overlap, first.state, now, true);
      expect(again.start).toEqual([]);
      expect(again.state).toEqual(first.state);
      // A wake-up whose state was lost plans the same starts, with the same workflow ids.
      expect(planTick(ID, spec, overlap, created, now, false)).toEqual(first);
    }
  });

  it('leaves its input state alone', () => {
    const state = Object.freeze({ ...running(created, 0), buffered: T0 });
    expect(() => planTick(ID, minutely(), 'bufferOne', state, T0 + 3 * MIN, false)).not.toThrow();
  });

  it('starts at most MAX_STARTS_PER_TICK at once and asks to be woken again at once for the rest', () => {
    const spec = minutely({ catchupWindow: '1h' });
    const now = T0 + 50 * MIN;
    const first = planTick(ID, spec, 'allowAll', created, now, false);
    expect(first.start).toHaveLength(MAX_STARTS_PER_TICK);
    expect(first.wakeAt).toBe(now);
    const settled = tickUntilSettled(spec, 'allowAll', created, now, false);
    expect(settled.starts).toEqual(started(...Array.from({ length: 50 }, (_, i) => i + 1)));
    expect(settled.ticks).toBe(3);
    expect(settled.wakeAt).toBe(T0 + 51 * MIN);
  });

  it('looks at most MAX_TIMES_PER_TICK cron times at once, and accounts for each exactly once', () => {
    const spec = resolveScheduleSpec({ cron: '* * * * * *', catchupWindow: '10s' });
    const now = T0 + 3_600_000;
    const first = planTick(ID, spec, 'skip', created, now, false);
    expect(first.state.missedCatchup).toBe(MAX_TIMES_PER_TICK);
    expect(first.wakeAt).toBe(now);
    const settled = tickUntilSettled(spec, 'skip', created, now, false);
    expect(settled.state).toMatchObject({ missedCatchup: 3_600 - 11, actions: 1, skippedOverlap: 10, handledThrough: now });
    expect(settled.ticks).toBe(4);
  });
});

describe('planTick (properties)', () => {
  const specs = fc.record({
    every: fc.constantFrom(1_000, 15_000, MIN, 7 * MIN),
    jitter: fc.constantFrom(0, 5_000, 90_000),
    catchupWindow: fc.constantFrom(10_000, 5 * MIN, 365 * 86_400_000),
    startAt: fc.option(fc.integer({ min: T0 - 10 * MIN, max: T0 + 10 * MIN }), { nil: undefined }),
    endAt: fc.option(fc.integer({ min: T0, max: T0 + 120 * MIN }), { nil: undefined }),
  }).filter((s) => s.endAt === undefined || s.startAt === undefined || s.endAt >= s.startAt).map(resolveScheduleSpec);
  const steps = fc.array(fc.record({ advanceMs: fc.integer({ min: 0, max: 20 * MIN }), lastActionRunning: fc.boolean() }), { maxLength: 25 });
  const overlaps = fc.constantFrom<OverlapPolicy>('skip', 'bufferOne', 'allowAll');

  it('starts each workflow id at most once and accounts for every scheduled time exactly once', () => {
    fc.assert(fc.property(specs, overlaps, steps, (spec, overlap, ticks) => {
      let state = initialScheduleState(T0);
      let now = T0;
      const ids = new Set<string>();
      for (const { advanceMs, lastActionRunning } of ticks) {
        now += advanceMs;
        const plan = planTick(ID, spec, overlap, state, now, lastActionRunning);
        for (const { workflowId, scheduledTime } of plan.start) {
          expect(ids.has(workflowId)).toBe(false);
          ids.add(workflowId);
          expect(workflowId).toBe(actionWorkflowId(ID, scheduledTime));
        }
        if (overlap === 'skip') expect(plan.start.length).toBeLessThanOrEqual(lastActionRunning && state.lastAction ? 0 : 1);
        if (plan.wakeAt !== undefined) expect(plan.wakeAt).toBeGreaterThanOrEqual(now);
        state = plan.state;
      }
      let handled = 0;
      for (let time = nextScheduledTime(spec, T0); time !== undefined && time <= state.handledThrough; time = nextScheduledTime(spec, time)) handled++;
      const buffered = state.buffered === undefined ? 0 : 1;
      expect(state.actions + state.skippedOverlap + state.missedCatchup + buffered).toBe(handled);
      expect(ids.size).toBe(state.actions);
    }), { numRuns: 300 });
  });
});

describe('unpauseScheduleState', () => {
  it('drops the times that passed while paused, keeping counters and a buffered time', () => {
    const paused: ScheduleState = { ...running(created, 0), buffered: T0, actions: 3 };
    const resumed = unpauseScheduleState(paused, T0 + 30 * MIN);
    expect(resumed).toEqual({ ...paused, handledThrough: T0 + 30 * MIN });
    expect(planTick(ID, minutely(), 'allowAll', resumed, T0 + 30 * MIN, true).start).toEqual([]);
  });
});

describe('planTrigger', () => {
  it('starts one action at once under the id of the trigger time, leaving the calendar and the alarm alone', () => {
    const now = T0 + 90_500;
    const state = { ...running(created, 1), buffered: T0 + MIN };
    const plan = planTrigger(ID, state, now);
    // Marked as triggered: outside the calendar, it is never late (the Scheduler observes no lag for it).
    expect(plan.start).toEqual([{ scheduledTime: now, workflowId: `${ID}-2025-01-01T00:01:30.500Z-trigger`, triggered: true }]);
    expect(plan.state).toEqual({ ...state, actions: 1, lastAction: { scheduledTime: now, workflowId: `${ID}-2025-01-01T00:01:30.500Z-trigger`, startedAt: now } });
    expect(plan.wakeAt).toBeUndefined();
  });

  it('becomes the last action, so a skip schedule skips times due while it runs', () => {
    const triggered = planTrigger(ID, created, T0 + 30_000).state;
    const plan = planTick(ID, minutely(), 'skip', triggered, T0 + MIN, true);
    expect(plan.start).toEqual([]);
    expect(plan.state.skippedOverlap).toBe(1);
  });
});
