// Reading an activity server's reply (docs/activities.md, The reply): shared by every host that sends attempts
// over HTTP — the Durable Object's dispatcher and the browser host.
import { clampMs } from '../core/duration';
import { ApplicationFailure, FailureKind, toFailureInfo, type FailureInfo } from '../core/failure';
import type { Outcome } from '../core/history';
import { Limits } from '../core/limits';
import { payloadSize } from '../core/payload';

/** The server answered 202: the attempt completes later through its task token. */
export const ACCEPTED = Symbol('accepted for later completion');

/** The outcome a reply stands for; a 202 is `ACCEPTED` (each host decides what that means for it). */
export async function readActivityReply(response: Response): Promise<Outcome | typeof ACCEPTED> {
  if (response.status === 202) return ACCEPTED;
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  // A reply this short cannot hold a payload over the limit however it is encoded again: a unit of text is at most
  // 3 UTF-8 bytes, and a number may come back 5.25× longer (`1e20` is written `100000000000000000000`).
  const small = text.length * 6 <= Limits.maxPayloadBytes;
  if (response.ok) {
    const result = (body as { result?: unknown } | undefined)?.result ?? null;
    // Never stored: a result over the payload limit fails the activity for good.
    if (!small && payloadSize(result) > Limits.maxPayloadBytes) return failure(ApplicationFailure.nonRetryable(`Activity result is ${payloadSize(result)} bytes, over the 2 MiB payload limit`, 'PayloadTooLarge'));
    return { result };
  }
  const reported = asFailureInfo(body);
  if (reported && !small && payloadSize(reported) > Limits.maxPayloadBytes) return failure(ApplicationFailure.nonRetryable(`Activity failure ${reported.type} is ${payloadSize(reported)} bytes, over the 2 MiB payload limit: ${reported.message.slice(0, 500)}`, 'PayloadTooLarge'));
  if (reported) return { failure: reported };
  const retryAfter = response.headers.get('retry-after');
  const retryAfterMs = retryAfter === null ? undefined : parseRetryAfter(retryAfter);
  return failure(ApplicationFailure.retryable(
    `Activity server answered ${response.status}${retryAfter ? ` (Retry-After ${retryAfter.slice(0, 60)})` : ''}: ${text.slice(0, 200)}`,
    response.status === 429 || response.status === 503 ? 'ActivityServerBusy' : 'ActivityServerError',
    // The next attempt waits at least this long (activity-state.ts failAttempt).
    retryAfterMs === undefined ? undefined : { retryAfterMs },
  ));
}

/**
 * A failure body as docs/activities.md describes it: `type` and `message` are required; `kind` defaults to
 * `application` and `nonRetryable` to false, as the completion callback's schema does, so a server in another
 * language need not know Duro's failure classes (activity-dispatcher.test.ts).
 */
function asFailureInfo(value: unknown, depth = 0): FailureInfo | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as Partial<FailureInfo>;
  if (typeof body.type !== 'string' || typeof body.message !== 'string') return undefined;
  const kind = Object.values(FailureKind).includes(body.kind as FailureKind) ? body.kind! : FailureKind.application;
  const info: FailureInfo = { ...body, kind, type: body.type, message: body.message, nonRetryable: body.nonRetryable === true };
  const cause = depth < 32 ? asFailureInfo(body.cause, depth + 1) : undefined;
  if (cause) info.cause = cause;
  else delete info.cause;
  return info;
}

/**
 * `Retry-After` as delay-seconds or an HTTP date, in ms from now; undefined when unreadable. Held to the rule of every
 * duration (duration.ts): a date in the past is 0, anything past 100 years (400 digits, year 9999) is 100 years —
 * and the retry policy's maximumInterval caps it further (activity-state.ts failAttempt).
 */
export function parseRetryAfter(value: string, now = Date.now()): number | undefined {
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return clampMs(Number(trimmed) * 1_000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : clampMs(at - now);
}

/** An outcome failed with `error`. */
export function failure(error: Error): Outcome {
  return { failure: toFailureInfo(error) };
}
