// Durations as workflow authors write them ('5s', '2 days', 1500) turned into milliseconds: the one rule every door
// (the API, workflow code, activity replies, schedules) checks durations and absolute times with.
import { brandClass } from './brand';
/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'5s'`, `'5m'`, `'2 days'`, `'1h30m'`. */
export type Duration = number | string;

/**
 * The longest duration accepted anywhere (timers, timeouts, delays, retry intervals, Retry-After, schedule intervals),
 * and how far ahead an absolute time may lie: 100 years of 365.25 days, 3 155 760 000 000 ms (docs/operations.md).
 * Well inside what a Durable Object alarm can be set to (dates up to 2189).
 */
export const MAX_DURATION_MS = 100 * 365.25 * 86_400_000;

/**
 * A duration or absolute time that breaks the rule: unreadable, negative, not finite or past {@link MAX_DURATION_MS}.
 * A `TypeError` (as before the limit existed) named `DurationError`, so it crosses boundaries with that type.
 */
export class DurationError extends TypeError {
  static {
    brandClass(this, 'DurationError');
  }

  override readonly name = 'DurationError';
  constructor(message: string, readonly field?: string) {
    super(field ? `${field}: ${message}` : message);
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1, msec: 1, msecs: 1,
  s: 1_000, sec: 1_000, secs: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)?/gy;

/** Text of a value for an error message, never the whole of a 400-digit one. */
function shown(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return text.length > 60 ? `${text.slice(0, 40)}…(${text.length} characters)` : text;
}

/**
 * Converts a {@link Duration} to whole milliseconds; throws a {@link DurationError} naming `field` and the bad value
 * when it is unreadable, negative, not finite or longer than {@link MAX_DURATION_MS} (100 years).
 * @example toMs('2 days') // 172800000
 */
export function toMs(duration: Duration, field?: string): number {
  const ms = Math.round(parse(duration, field));
  if (!Number.isFinite(ms) || ms > MAX_DURATION_MS) {
    throw new DurationError(`Invalid duration: ${shown(duration)} (at most 100 years, ${MAX_DURATION_MS} ms)`, field);
  }
  return ms;
}

function parse(duration: Duration, field: string | undefined): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new DurationError(`Invalid duration: ${shown(duration)} (expected a non-negative number of milliseconds)`, field);
    return duration;
  }
  if (typeof duration !== 'string') throw new DurationError(`Invalid duration: ${shown(duration)} (expected milliseconds or a string such as '5s')`, field);
  const text = duration.trim().toLowerCase();
  if (text === '') throw new DurationError('Invalid duration: empty string', field);
  let total = 0;
  let index = 0;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) throw new DurationError(`Invalid duration: ${shown(duration)}`, field);
    const unit = match[2] ?? 'ms';
    const factor = UNIT_MS[unit];
    if (factor === undefined) throw new DurationError(`Invalid duration: ${shown(duration)} (unknown unit '${unit}')`, field);
    total += Number(match[1]) * factor;
    index = PART.lastIndex;
    while (text[index] === ' ' || text[index] === ',') index++;
  }
  return total;
}

/** Like {@link toMs} but passes `undefined` through. */
export function optionalMs(duration: Duration | undefined, field?: string): number | undefined {
  return duration === undefined ? undefined : toMs(duration, field);
}

/**
 * An absolute time in epoch milliseconds, checked by the same rule: an integer, not before 1970 and not more than
 * {@link MAX_DURATION_MS} after `now`. Throws a {@link DurationError} naming `field`.
 */
export function checkInstant(at: number, field: string, now: number): number {
  if (!Number.isSafeInteger(at) || at < 0) throw new DurationError(`Invalid time: ${shown(at)} (expected epoch milliseconds as an integer, not before 1970)`, field);
  if (at > now + MAX_DURATION_MS) throw new DurationError(`Invalid time: ${new Date(at).toISOString()} is more than 100 years ahead`, field);
  return at;
}

/** `value` made a usable delay: NaN or negative is 0, longer than {@link MAX_DURATION_MS} is the maximum. */
export function clampMs(value: number, max = MAX_DURATION_MS): number {
  if (Number.isNaN(value) || value <= 0) return 0;
  return Math.min(Math.round(value), max, MAX_DURATION_MS);
}
