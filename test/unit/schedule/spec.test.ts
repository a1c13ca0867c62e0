// When a schedule fires: cron in UTC and in a zone with daylight saving, 6-field cron, intervals aligned to startAt,
// start/end bounds, jitter, and the specs that are refused.
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  DEFAULT_CATCHUP_WINDOW_MS, jitterOf, nextScheduledTime, nextScheduledTimes, resolveScheduleSpec, ScheduleSpecError,
  type ResolvedScheduleSpec, type ScheduleSpec,
} from '../../../src/core/schedule';

const utc = (iso: string): number => Date.parse(iso.endsWith('Z') ? iso : `${iso}Z`);
const iso = (times: number[]): string[] => times.map((time) => new Date(time).toISOString());

describe('resolveScheduleSpec', () => {
  it('fills in the defaults and turns durations into milliseconds', () => {
    expect(resolveScheduleSpec({ cron: '0 9 * * 1-5' })).toEqual({
      cron: '0 9 * * 1-5', timezone: 'UTC', jitterMs: 0, catchupWindowMs: DEFAULT_CATCHUP_WINDOW_MS,
    });
    expect(DEFAULT_CATCHUP_WINDOW_MS).toBe(365 * 24 * 3_600_000);
    expect(resolveScheduleSpec({ every: '1 day', jitter: '5m', catchupWindow: '10s', startAt: 1_000, endAt: 2_000 })).toEqual({
      everyMs: 86_400_000, timezone: 'UTC', jitterMs: 300_000, catchupWindowMs: 10_000, startAt: 1_000, endAt: 2_000,
    });
  });

  it('spells the time zone canonically and tidies the cron whitespace', () => {
    expect(resolveScheduleSpec({ cron: '  30   2 * * * ', timezone: 'europe/berlin' })).toMatchObject({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
  });

  it('gives plain JSON a host can store and read back as it is', () => {
    const spec = resolveScheduleSpec({ cron: '*/5 * * * * *', timezone: 'Asia/Tokyo', jitter: 1_500, startAt: 0 });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  const refused: Array<[string, ScheduleSpec, string]> = [
    ['both cron and every', { cron: '* * * * *', every: '1m' }, 'cron'],
    ['neither cron nor every', { timezone: 'UTC' }, 'cron'],
    ['a cron field out of range', { cron: '61 * * * *' }, 'cron'],
    ['a cron that is not one', { cron: 'every monday' }, 'cron'],
    ['a cron with 7 fields', { cron: '0 0 0 * * * 2030' }, 'cron'],
    ['a date instead of a cron', { cron: '2030-01-01T00:00:00' }, 'cron'],
    ['a cron that never matches', { cron: '0 0 30 2 *' }, 'cron'],
    ['an unknown time zone', { cron: '* * * * *', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['every 0', { every: 0 }, 'every'],
    ['every < 0', { every: -5_000 }, 'every'],
    ["every '0s'", { every: '0s' }, 'every'],
    ['every below 1 s', { every: 500 }, 'every'],
    ['every that is not a duration', { every: 'soon' }, 'every'],
    ['a bad jitter', { every: '1m', jitter: 'a bit' }, 'jitter'],
    ['a catch-up window below 10 s', { every: '1m', catchupWindow: '5s' }, 'catchupWindow'],
    ['startAt that is not epoch ms', { every: '1m', startAt: 1.5 }, 'startAt'],
    ['endAt before startAt', { every: '1m', startAt: 2_000, endAt: 1_000 }, 'endAt'],
  ];
  it.each(refused)('refuses %s with a ScheduleSpecError naming the field', (_name, spec, field) => {
    let thrown: unknown;
    try {
      resolveScheduleSpec(spec);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ScheduleSpecError);
    const error = thrown as ScheduleSpecError;
    expect(error.name).toBe('ScheduleSpecError');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(new RegExp(`^${field}\\b`));
  });

  it('allows endAt equal to startAt (one possible time)', () => {
    const spec = resolveScheduleSpec({ every: '1h', startAt: utc('2025-01-01T10:00'), endAt: utc('2025-01-01T10:00') });
    expect(iso(nextScheduledTimes(spec, 0, 5))).toEqual(['2025-01-01T10:00:00.000Z']);
  });
});

describe('cron times', () => {
  it('runs a 5-field cron in UTC by default, strictly after the given time', () => {
    const spec = resolveScheduleSpec({ cron: '0 9 * * 1-5' });
    // 2025-01-03 is a Friday.
    expect(iso(nextScheduledTimes(spec, utc('2025-01-03T08:00'), 3))).toEqual([
      '2025-01-03T09:00:00.000Z', '2025-01-06T09:00:00.000Z', '2025-01-07T09:00:00.000Z',
    ]);
    expect(nextScheduledTime(spec, utc('2025-01-03T09:00'))).toBe(utc('2025-01-06T09:00'));
    expect(nextScheduledTime(spec, utc('2025-01-03T08:59:59.999'))).toBe(utc('2025-01-03T09:00'));
  });

  it('reads the cron in its time zone', () => {
    const spec = resolveScheduleSpec({ cron: '0 9 * * *', timezone: 'America/New_York' });
    expect(nextScheduledTime(spec, utc('2025-01-15T00:00'))).toBe(utc('2025-01-15T14:00')); // EST, UTC-5
    expect(nextScheduledTime(spec, utc('2025-07-15T00:00'))).toBe(utc('2025-07-15T13:00')); // EDT, UTC-4
  });

  // Europe/Berlin: 2025-03-30 02:00 CET jumps to 03:00 CEST; 2025-10-26 03:00 CEST falls back to 02:00 CET.
  it('runs a daily 02:30 in Berlin once on each day across both daylight-saving changes', () => {
    const spec = resolveScheduleSpec({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
    expect(iso(nextScheduledTimes(spec, utc('2025-03-28T00:00'), 4))).toEqual([
      '2025-03-28T01:30:00.000Z', // 02:30 CET
      '2025-03-29T01:30:00.000Z',
      '2025-03-30T01:00:00.000Z', // 02:30 does not exist: runs at 03:00 CEST, when the clock jumps past it
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
    expect(iso(nextScheduledTimes(spec, utc('2025-10-25T00:00'), 3))).toEqual([
      '2025-10-25T00:30:00.000Z', // 02:30 CEST
      '2025-10-26T00:30:00.000Z', // 02:30 happens twice: only the first (CEST) runs
      '2025-10-27T01:30:00.000Z', // 02:30 CET
    ]);
  });

  it('runs a repeating cron in the repeated hour twice and skips it in the missing hour (croner, like Vixie cron)', () => {
    const spec = resolveScheduleSpec({ cron: '*/30 2 * * *', timezone: 'Europe/Berlin' });
    expect(iso(nextScheduledTimes(spec, utc('2025-10-25T23:00'), 5))).toEqual([
      '2025-10-26T00:00:00.000Z', '2025-10-26T00:30:00.000Z', // 02:00, 02:30 CEST
      '2025-10-26T01:00:00.000Z', '2025-10-26T01:30:00.000Z', // 02:00, 02:30 CET
      '2025-10-27T01:00:00.000Z',
    ]);
    expect(iso(nextScheduledTimes(spec, utc('2025-03-29T23:00'), 2))).toEqual(['2025-03-31T00:00:00.000Z', '2025-03-31T00:30:00.000Z']);
  });

  it('takes a 6-field cron with seconds first', () => {
    const every15s = resolveScheduleSpec({ cron: '*/15 * * * * *' });
    expect(iso(nextScheduledTimes(every15s, utc('2025-01-01T10:00:07.250'), 4))).toEqual([
      '2025-01-01T10:00:15.000Z', '2025-01-01T10:00:30.000Z', '2025-01-01T10:00:45.000Z', '2025-01-01T10:01:00.000Z',
    ]);
    const atNoonAnd30s = resolveScheduleSpec({ cron: '30 0 12 * * *' });
    expect(nextScheduledTime(atNoonAnd30s, utc('2025-01-01T00:00'))).toBe(utc('2025-01-01T12:00:30'));
  });

  it('takes croner nicknames', () => {
    expect(nextScheduledTime(resolveScheduleSpec({ cron: '@daily' }), utc('2025-01-01T10:00'))).toBe(utc('2025-01-02T00:00'));
  });
});

describe('interval times', () => {
  it('aligns to the epoch without startAt', () => {
    const spec = resolveScheduleSpec({ every: '1h' });
    expect(iso(nextScheduledTimes(spec, utc('2025-01-01T09:15'), 2))).toEqual(['2025-01-01T10:00:00.000Z', '2025-01-01T11:00:00.000Z']);
    expect(nextScheduledTime(spec, utc('2025-01-01T10:00'))).toBe(utc('2025-01-01T11:00'));
  });

  it('aligns to startAt, and has no time before it', () => {
    const startAt = utc('2025-01-01T10:00:07');
    const spec = resolveScheduleSpec({ every: '15m', startAt });
    expect(nextScheduledTime(spec, utc('2025-01-01T09:00'))).toBe(startAt);
    expect(nextScheduledTime(spec, startAt - 1)).toBe(startAt);
    expect(nextScheduledTime(spec, startAt)).toBe(utc('2025-01-01T10:15:07'));
    expect(nextScheduledTime(spec, utc('2025-01-01T10:20'))).toBe(utc('2025-01-01T10:30:07'));
  });
});

describe('startAt and endAt', () => {
  it('bound a cron: the first time is at or after startAt, the last at or before endAt', () => {
    const spec = resolveScheduleSpec({ cron: '0 * * * *', startAt: utc('2025-01-01T10:30'), endAt: utc('2025-01-01T13:00') });
    expect(iso(nextScheduledTimes(spec, utc('2025-01-01T00:00'), 10))).toEqual([
      '2025-01-01T11:00:00.000Z', '2025-01-01T12:00:00.000Z', '2025-01-01T13:00:00.000Z',
    ]);
    expect(nextScheduledTime(spec, utc('2025-01-01T13:00'))).toBeUndefined();
  });

  it('let a cron time exactly at startAt through', () => {
    const spec = resolveScheduleSpec({ cron: '0 * * * *', startAt: utc('2025-01-01T11:00') });
    expect(nextScheduledTime(spec, 0)).toBe(utc('2025-01-01T11:00'));
  });

  it('bound an interval', () => {
    const spec = resolveScheduleSpec({ every: '1h', startAt: utc('2025-01-01T10:00'), endAt: utc('2025-01-01T12:30') });
    expect(iso(nextScheduledTimes(spec, 0, 10))).toEqual(['2025-01-01T10:00:00.000Z', '2025-01-01T11:00:00.000Z', '2025-01-01T12:00:00.000Z']);
  });
});

describe('jitterOf', () => {
  const spec = resolveScheduleSpec({ every: '1h', jitter: '10m' });
  const hour = utc('2025-01-01T10:00');

  it('is the same for the same schedule and time, and differs between schedules and times', () => {
    expect(jitterOf('nightly', hour, spec)).toBe(jitterOf('nightly', hour, spec));
    const jitters = new Set(Array.from({ length: 50 }, (_, i) => jitterOf('nightly', hour + i * 3_600_000, spec)));
    expect(jitters.size).toBeGreaterThan(40);
    const perSchedule = new Set(Array.from({ length: 50 }, (_, i) => jitterOf(`s${i}`, hour, spec)));
    expect(perSchedule.size).toBeGreaterThan(40);
  });

  it('is 0 without jitter', () => {
    expect(jitterOf('nightly', hour, resolveScheduleSpec({ every: '1h' }))).toBe(0);
  });

  it('is a whole number of ms in [0, jitter) and never reaches the following scheduled time', () => {
    fc.assert(fc.property(
      fc.string(), fc.integer({ min: 0, max: 4_000_000_000_000 }), fc.integer({ min: 1, max: 7_200_000 }), fc.integer({ min: 1_000, max: 3_600_000 }),
      (scheduleId, after, jitterMs, everyMs) => {
        const withJitter = resolveScheduleSpec({ every: everyMs, jitter: jitterMs });
        const time = nextScheduledTime(withJitter, after)!;
        const jitter = jitterOf(scheduleId, time, withJitter);
        expect(Number.isInteger(jitter)).toBe(true);
        expect(jitter).toBeGreaterThanOrEqual(0);
        expect(jitter).toBeLessThan(Math.min(jitterMs, everyMs));
      },
    ));
  });
});

describe('next times (properties)', () => {
  const cronCases: Array<[string, string]> = [
    ['* * * * *', 'UTC'], ['*/7 * * * * *', 'UTC'], ['30 2 * * *', 'Europe/Berlin'], ['*/20 1-3 * * *', 'America/Santiago'],
    ['0 9 * * 1-5', 'Asia/Kolkata'], ['0 0 L * *', 'Australia/Lord_Howe'], ['15 */3 * * *', 'America/St_Johns'],
  ];
  const spec = fc.oneof(
    fc.record({
      cron: fc.constantFrom(...cronCases),
      startAt: fc.option(fc.integer({ min: 1.6e12, max: 1.9e12 }), { nil: undefined }),
      span: fc.option(fc.integer({ min: 0, max: 2e10 }), { nil: undefined }),
    }).map(({ cron: [cron, timezone], startAt, span }): ScheduleSpec => ({
      cron, timezone, startAt, endAt: span === undefined ? undefined : (startAt ?? 1.6e12) + span,
    })),
    fc.record({
      every: fc.integer({ min: 1_000, max: 3 * 86_400_000 }),
      startAt: fc.option(fc.integer({ min: 0, max: 1.9e12 }), { nil: undefined }),
      span: fc.option(fc.integer({ min: 0, max: 2e10 }), { nil: undefined }),
    }).map(({ every, startAt, span }): ScheduleSpec => ({ every, startAt, endAt: span === undefined ? undefined : (startAt ?? 1.6e12) + span })),
  ).map(resolveScheduleSpec);

  it('are strictly increasing, each the next time after the one before, and inside [startAt, endAt]', () => {
    fc.assert(fc.property(spec, fc.integer({ min: 1.5e12, max: 2e12 }), fc.integer({ min: 0, max: 12 }), (resolved: ResolvedScheduleSpec, after, count) => {
      const times = nextScheduledTimes(resolved, after, count);
      expect(times.length).toBeLessThanOrEqual(count);
      let previous = after;
      for (const time of times) {
        expect(time).toBeGreaterThan(previous);
        expect(nextScheduledTime(resolved, previous)).toBe(time);
        if (resolved.startAt !== undefined) expect(time).toBeGreaterThanOrEqual(resolved.startAt);
        if (resolved.endAt !== undefined) expect(time).toBeLessThanOrEqual(resolved.endAt);
        if (resolved.everyMs !== undefined) expect((time - (resolved.startAt ?? 0)) % resolved.everyMs).toBe(0);
        previous = time;
      }
      // Fewer than asked only when the schedule has ended.
      if (times.length < count) expect(nextScheduledTime(resolved, previous)).toBeUndefined();
    }), { numRuns: 200 });
  });
});

describe('timers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('computes times without setting a timer', () => {
    const setTimeoutSpy = vi.spyOn(globalThis, 'setTimeout');
    const setIntervalSpy = vi.spyOn(globalThis, 'setInterval');
    const spec = resolveScheduleSpec({ cron: '*/10 * * * * *', timezone: 'Europe/Berlin', jitter: '5s' });
    nextScheduledTimes(spec, Date.now(), 20);
    jitterOf('s', nextScheduledTime(spec, Date.now())!, spec);
    expect(setTimeoutSpy).not.toHaveBeenCalled();
    expect(setIntervalSpy).not.toHaveBeenCalled();
  });
});
