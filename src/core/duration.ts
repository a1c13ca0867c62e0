// Durations as workflow authors write them ('5s', '2 days', 1500) turned into milliseconds.

/** A duration: milliseconds as a number, or a string such as `'500ms'`, `'5s'`, `'5m'`, `'2 days'`, `'1h30m'`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1, millisecond: 1, milliseconds: 1, msec: 1, msecs: 1,
  s: 1_000, sec: 1_000, secs: 1_000, second: 1_000, seconds: 1_000,
  m: 60_000, min: 60_000, mins: 60_000, minute: 60_000, minutes: 60_000,
  h: 3_600_000, hr: 3_600_000, hrs: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  d: 86_400_000, day: 86_400_000, days: 86_400_000,
  w: 604_800_000, week: 604_800_000, weeks: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*([a-z]+)?/gy;

/**
 * Converts a {@link Duration} to whole milliseconds; throws a `TypeError` naming the bad value.
 * @example toMs('2 days') // 172800000
 */
export function toMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (!Number.isFinite(duration) || duration < 0) throw new TypeError(`Invalid duration: ${duration} (expected a non-negative number of milliseconds)`);
    return Math.round(duration);
  }
  const text = duration.trim().toLowerCase();
  if (text === '') throw new TypeError('Invalid duration: empty string');
  let total = 0;
  PART.lastIndex = 0;
  let index = 0;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) throw new TypeError(`Invalid duration: '${duration}'`);
    const unit = match[2] ?? 'ms';
    const factor = UNIT_MS[unit];
    if (factor === undefined) throw new TypeError(`Invalid duration: '${duration}' (unknown unit '${unit}')`);
    total += Number(match[1]) * factor;
    index = PART.lastIndex;
    while (text[index] === ' ' || text[index] === ',') index++;
  }
  return Math.round(total);
}

/** Like {@link toMs} but passes `undefined` through. */
export function optionalMs(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : toMs(duration);
}
