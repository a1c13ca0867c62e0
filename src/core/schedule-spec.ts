// When a schedule fires: a cron expression (croner, in an IANA zone) or a fixed interval, bounded by startAt/endAt,
// with a deterministic per-time jitter. Pure arithmetic: nothing here sets a timer.
import { brandClass } from './brand';
import { Cron } from 'croner';
import { checkInstant, toMs, type Duration } from './duration';
import { seededRandom } from './random';

export interface ScheduleSpec {
  /** A 5-field cron expression, or 6 with seconds first (croner syntax, `@daily` and friends too). Give `cron` or `every`. */
  cron?: string;
  /** A fixed interval (at least 1 s), aligned to `startAt`, or to the epoch when there is no `startAt`. */
  every?: Duration;
  /** The IANA time zone `cron` is read in. Default `'UTC'`. */
  timezone?: string;
  /** Each action starts up to this much after its scheduled time, the same amount every time for one schedule and time. */
  jitter?: Duration;
  /** After downtime, scheduled times due longer ago than this are skipped (counted as missed). Default 1 year, at least 10 s. */
  catchupWindow?: Duration;
  /** Epoch ms: no scheduled time before this. */
  startAt?: number;
  /** Epoch ms: no scheduled time after this. */
  endAt?: number;
}

/** A {@link ScheduleSpec} checked and in milliseconds: plain JSON, so a host can store it as it is. */
export interface ResolvedScheduleSpec {
  cron?: string;
  everyMs?: number;
  timezone: string;
  jitterMs: number;
  catchupWindowMs: number;
  startAt?: number;
  endAt?: number;
}

/** Temporal's default catch-up window. */
export const DEFAULT_CATCHUP_WINDOW_MS = 365 * 86_400_000;
/** Temporal's minimum: a shorter window would drop actions merely for an alarm arriving a little late. */
export const MIN_CATCHUP_WINDOW_MS = 10_000;
/** Cron's own resolution; shorter intervals would start workflows faster than any host could keep up with. */
export const MIN_EVERY_MS = 1_000;

/**
 * A schedule spec that cannot work; `field` names the culprit (`'cron'`, `'every'`, `'timezone'`, …), and so does the message.
 * @example
 * try { resolveScheduleSpec({ every: '0s' }) } catch (e) { if (e instanceof ScheduleSpecError) e.field } // 'every'
 */
export class ScheduleSpecError extends Error {
  static {
    brandClass(this, 'ScheduleSpecError');
  }

  override readonly name = 'ScheduleSpecError';
  readonly field: string;

  constructor(message: string, field = '') {
    super(message);
    this.field = field;
  }
}

function specError(field: string, detail: string): ScheduleSpecError {
  return new ScheduleSpecError(`${field}: ${detail}`, field);
}

/**
 * Validates a spec and turns its durations into milliseconds; throws a {@link ScheduleSpecError} naming the bad field.
 * @example resolveScheduleSpec({ cron: '30 2 * * *', timezone: 'Europe/Berlin' })
 * // { cron: '30 2 * * *', timezone: 'Europe/Berlin', jitterMs: 0, catchupWindowMs: 31536000000 }
 */
export function resolveScheduleSpec(spec: ScheduleSpec, now = Date.now()): ResolvedScheduleSpec {
  if (spec.cron !== undefined && spec.every !== undefined) throw new ScheduleSpecError('cron/every: give one of cron or every, not both', 'cron');
  if (spec.cron === undefined && spec.every === undefined) throw new ScheduleSpecError('cron/every: give one of cron or every', 'cron');
  const timezone = resolveTimezone(spec.timezone);
  const startAt = resolveInstant('startAt', spec.startAt, now);
  const endAt = resolveInstant('endAt', spec.endAt, now);
  if (startAt !== undefined && endAt !== undefined && endAt < startAt) throw specError('endAt', `${new Date(endAt).toISOString()} is before startAt ${new Date(startAt).toISOString()}`);
  const catchupWindowMs = spec.catchupWindow === undefined ? DEFAULT_CATCHUP_WINDOW_MS : durationMs('catchupWindow', spec.catchupWindow);
  if (catchupWindowMs < MIN_CATCHUP_WINDOW_MS) throw specError('catchupWindow', `must be at least 10s (got ${catchupWindowMs} ms)`);
  const resolved: ResolvedScheduleSpec = {
    timezone,
    jitterMs: spec.jitter === undefined ? 0 : durationMs('jitter', spec.jitter),
    catchupWindowMs,
  };
  if (spec.cron !== undefined) resolved.cron = resolveCron(spec.cron, timezone);
  else {
    const everyMs = durationMs('every', spec.every as Duration);
    if (everyMs < MIN_EVERY_MS) throw specError('every', `must be at least 1s (got ${everyMs} ms)`);
    resolved.everyMs = everyMs;
  }
  if (startAt !== undefined) resolved.startAt = startAt;
  if (endAt !== undefined) resolved.endAt = endAt;
  return resolved;
}

function durationMs(field: string, duration: Duration): number {
  try {
    return toMs(duration);
  } catch (error) {
    throw specError(field, error instanceof Error ? error.message : String(error));
  }
}

/** Not before 1970, at most 100 years ahead: the rule of every duration and time (duration.ts). */
function resolveInstant(field: 'startAt' | 'endAt', value: unknown, now: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw specError(field, `expected epoch milliseconds as an integer, got ${String(value).slice(0, 60)}`);
  try {
    return checkInstant(value, field, now);
  } catch (error) {
    throw specError(field, (error as Error).message.replace(`${field}: `, ''));
  }
}

function resolveTimezone(timezone: string | undefined): string {
  if (timezone === undefined) return 'UTC';
  try {
    // Canonical spelling ('europe/berlin' → 'Europe/Berlin'), and a RangeError for a zone this runtime does not know.
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    throw specError('timezone', `unknown IANA time zone '${timezone}'`);
  }
}

function resolveCron(cron: string, timezone: string): string {
  const pattern = typeof cron === 'string' ? cron.trim().replace(/\s+/g, ' ') : '';
  const fields = pattern.split(' ').length;
  // croner reads a string with a ':' as a one-off date; a schedule wants a recurring pattern.
  if (!pattern.startsWith('@') && (fields < 5 || fields > 6)) throw specError('cron', `'${String(cron)}' has ${fields} field(s); expected 5, or 6 with seconds first`);
  let first: Date | null;
  try {
    first = newCron(pattern, timezone).nextRun(new Date(0));
  } catch (error) {
    throw specError('cron', `'${pattern}' is not a valid cron expression: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (first === null) throw specError('cron', `'${pattern}' never matches`);
  return pattern;
}

/** A croner job used only to compute run times: no function and paused, so it never sets a timer. */
function newCron(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { timezone, mode: '5-or-6-parts', paused: true });
}

/** The schedule's "first time strictly after" function, with the cron parsed once for a run of calls. */
export function compileScheduleSpec(spec: ResolvedScheduleSpec): (after: number) => number | undefined {
  const { startAt, endAt } = spec;
  const bounded = (time: number | undefined): number | undefined => (time === undefined || (endAt !== undefined && time > endAt) ? undefined : time);
  if (spec.everyMs !== undefined) {
    const everyMs = spec.everyMs;
    const anchor = startAt ?? 0;
    return (after) => bounded(after < anchor ? anchor : anchor + (Math.floor((after - anchor) / everyMs) + 1) * everyMs);
  }
  if (spec.cron === undefined) throw new TypeError('A resolved schedule spec has cron or everyMs');
  const cron = newCron(spec.cron, spec.timezone);
  return (after) => {
    // croner answers "strictly after `from`"; startAt - 1 lets a time exactly at startAt through.
    const from = startAt !== undefined && after < startAt ? startAt - 1 : after;
    return bounded(cron.nextRun(new Date(from))?.getTime());
  };
}

/**
 * The first scheduled time strictly after `after` (before jitter), or undefined when none is left before `endAt`.
 * @example nextScheduledTime(resolveScheduleSpec({ every: '1h' }), Date.UTC(2025, 0, 1, 9, 15)) // Date.UTC(2025, 0, 1, 10)
 */
export function nextScheduledTime(spec: ResolvedScheduleSpec, after: number): number | undefined {
  return compileScheduleSpec(spec)(after);
}

/**
 * Up to `count` scheduled times strictly after `after`, in order (fewer when the schedule ends).
 * @example nextScheduledTimes(resolveScheduleSpec({ cron: '0 9 * * 1-5' }), Date.now(), 5) // the next five weekday 9:00s, UTC
 */
export function nextScheduledTimes(spec: ResolvedScheduleSpec, after: number, count: number): number[] {
  const next = compileScheduleSpec(spec);
  const times: number[] = [];
  for (let time = next(after); time !== undefined && times.length < count; time = next(time)) times.push(time);
  return times;
}

/**
 * How long after `scheduledTime` its action starts: a hash of schedule id and time in [0, jitterMs), never
 * reaching the following scheduled time (as Temporal does), so actions start in the order of their times.
 * @example jitterOf('nightly', time, spec) === jitterOf('nightly', time, spec) // always
 */
export function jitterOf(scheduleId: string, scheduledTime: number, spec: ResolvedScheduleSpec): number {
  if (spec.jitterMs <= 0) return 0;
  return jitterBefore(scheduleId, scheduledTime, spec.jitterMs, nextScheduledTime(spec, scheduledTime));
}

/** {@link jitterOf} when the caller already knows the following scheduled time (undefined: none). */
export function jitterBefore(scheduleId: string, scheduledTime: number, jitterMs: number, followingTime: number | undefined): number {
  if (jitterMs <= 0) return 0;
  const rangeMs = followingTime === undefined ? jitterMs : Math.min(jitterMs, followingTime - scheduledTime);
  return Math.floor(seededRandom(`${scheduleId}@${scheduledTime}`)() * rangeMs);
}
