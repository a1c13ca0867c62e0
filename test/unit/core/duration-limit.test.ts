// Issue 15: the one rule for durations and absolute times (src/core/duration.ts), as every door uses it.
import { describe, expect, it } from 'vitest';
import { checkInstant, clampMs, DurationError, MAX_DURATION_MS, toMs } from '../../../src/core/duration';
import { resolveRetryPolicy } from '../../../src/core/retry-policy';
import { resolveScheduleSpec, ScheduleSpecError } from '../../../src/core/schedule-spec';
import { parseRetryAfter } from '../../../src/protocol/activity-reply';

const HUGE = '9'.repeat(400) + 'ms';

describe('toMs: at most 100 years, finite, non-negative, whole ms', () => {
  it('is 100 years of 365.25 days', () => expect(MAX_DURATION_MS).toBe(3_155_760_000_000));

  it.each([
    ['400 digits', HUGE],
    ['1e308', 1e308],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['-1', -1],
    ['100000000 weeks', '100000000 weeks'],
    ['100 years + 1 ms', MAX_DURATION_MS + 1],
  ])('refuses %s with a DurationError (a TypeError) naming the field', (_label, value) => {
    const error = (() => { try { toMs(value, 'startDelay'); } catch (e) { return e; } })();
    expect(error).toBeInstanceOf(DurationError);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as DurationError).name).toBe('DurationError');
    expect((error as DurationError).field).toBe('startDelay');
    expect((error as Error).message).toMatch(/^startDelay: Invalid duration/);
    expect((error as Error).message.length).toBeLessThan(200); // never the whole 400 digits
  });

  it('accepts exactly 100 years and rounds to whole ms', () => {
    expect(toMs(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
    expect(toMs('1.5ms')).toBe(2);
  });

  it('bounds absolute times: not before 1970, at most 100 years ahead', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(checkInstant(now + 1_000, 'startAt', now)).toBe(now + 1_000);
    expect(() => checkInstant(-1, 'startAt', now)).toThrow(DurationError);
    expect(() => checkInstant(now + MAX_DURATION_MS + 1, 'startAt', now)).toThrow(/startAt: .*100 years/);
    expect(() => checkInstant(1e20, 'startAt', now)).toThrow(DurationError);
  });

  it('clamps a delay from outside (NaN and negative are 0, Infinity the maximum)', () => {
    expect(clampMs(NaN)).toBe(0);
    expect(clampMs(-5)).toBe(0);
    expect(clampMs(Infinity)).toBe(MAX_DURATION_MS);
    expect(clampMs(5_000, 1_000)).toBe(1_000);
  });

  it('is the rule of retry policies and schedules', () => {
    expect(() => resolveRetryPolicy({ maximumInterval: HUGE })).toThrow(/retry.maximumInterval: Invalid duration/);
    expect(resolveRetryPolicy({ initialInterval: '2600 weeks' }).maximumIntervalMs).toBe(MAX_DURATION_MS);
    expect(() => resolveScheduleSpec({ every: HUGE })).toThrow(ScheduleSpecError);
    const now = Date.UTC(2026, 0, 1);
    expect(() => resolveScheduleSpec({ every: '1h', startAt: now + 2 * MAX_DURATION_MS }, now)).toThrow(/startAt: .*100 years/);
    expect(() => resolveScheduleSpec({ every: '1h', endAt: -5 }, now)).toThrow(/endAt/);
  });

  it('caps Retry-After at 100 years: 400 digits, year 9999, a date in the past', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('9'.repeat(400), now)).toBe(MAX_DURATION_MS);
    expect(parseRetryAfter('Fri, 31 Dec 9999 23:59:59 GMT', now)).toBe(MAX_DURATION_MS);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:00:00 GMT', now)).toBe(0);
  });
});
