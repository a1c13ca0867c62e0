// Reading an activity server's reply (docs/activities.md, The reply): shared by every host that sends attempts
// over HTTP — the Durable Object's dispatcher and the browser host.
import { clampMs } from '../core/duration';
import { ApplicationFailure, FailureKind, toFailureInfo, type FailureInfo } from '../core/failure';
import type { Outcome } from '../core/history';
import { Limits } from '../core/limits';
import { invalidOutcome, ReplyFailureType } from './activity-outcome';
import { discardBody, readReplyBody } from './reply-body';

/** The server answered 202: the attempt completes later through its task token. */
export const ACCEPTED = Symbol('accepted for later completion');

/**
 * `redirect: 'manual'` on every attempt: a redirect is reported, never followed, so the signed body and its task
 * token reach only the configured endpoint (activity-reply.test.ts).
 */
export const ATTEMPT_REDIRECT = 'manual' as const;

/**
 * An attempt's outcome with the log lines the server sent back beside it (`logs`: its `ctx.log` lines, JSON text):
 * the run keeps them (run-logs.ts checks each); they never reach history.
 */
export type ReplyOutcome = Outcome & { logs?: unknown[] };

/**
 * The outcome a reply stands for; a 202 is `ACCEPTED` (each host decides what that means for it). Reads at most the
 * reply cap: the payload limit (`maxPayloadBytes`, the host's: larger with a blob store) and 256 KiB for the envelope.
 */
export async function readActivityReply(response: Response, maxPayloadBytes: number = Limits.maxPayloadBytes): Promise<ReplyOutcome | typeof ACCEPTED> {
  if (response.status === 202) {
    discardBody(response);
    return ACCEPTED;
  }
  // A browser hides a redirect it did not follow behind an opaque response with status 0.
  if ((response.type as string) === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    discardBody(response);
    const location = response.headers.get('location');
    return failure(ApplicationFailure.retryable(
      `Activity server answered ${response.status || 'a redirect'}${location ? ` to ${location.slice(0, 500)}` : ''}: redirects are not followed, so the signed request and its task token go to the configured URL only. Configure the task queue with the final URL.`,
      ReplyFailureType.redirected,
    ));
  }
  const maxBodyBytes = maxPayloadBytes + REPLY_ENVELOPE_BYTES;
  const body = await readReplyBody(response, maxBodyBytes);
  if ('tooLargeAfterBytes' in body) {
    return failure(ApplicationFailure.nonRetryable(
      `Activity reply body is over ${maxBodyBytes} bytes (the ${maxPayloadBytes}-byte payload limit plus 256 KiB for its envelope); reading stopped${body.tooLargeAfterBytes ? ` after ${body.tooLargeAfterBytes} bytes` : ' at its Content-Length'}`,
      ReplyFailureType.tooLarge,
    ));
  }
  const { text } = body;
  const parsed = parseJson(text);
  if (response.ok) {
    // 204/205 carry no body by definition: a void activity. Any other 2xx must be the protocol's object.
    if ((response.status === 204 || response.status === 205) && text === '') return { result: null };
    if (!isObject(parsed)) {
      return failure(ApplicationFailure.retryable(
        `Activity server answered ${response.status} with ${parsed === undefined ? 'a body that is not JSON or is cut off' : 'JSON that is not an object'} where the protocol asks for {"result": …}: ${text.slice(0, 200)}`,
        ReplyFailureType.malformed,
      ));
    }
    return withLogs(checked({ result: parsed.result ?? null }, text.length, maxPayloadBytes), parsed.logs);
  }
  const { logs, ...failureBody } = isObject(parsed) ? parsed : { logs: undefined };
  const reported = asFailureInfo(failureBody);
  if (reported) return withLogs(checked({ failure: reported }, text.length, maxPayloadBytes), logs);
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
 * The outcome an RPC call's reply stands for (decision 027): the same checks as a body's, on a value the call's
 * structured clone made. Only Duro's own entrypoint answers these, but what it carries came from activity code.
 */
export function readCallReply(reply: unknown, maxPayloadBytes: number = Limits.maxPayloadBytes): ReplyOutcome | typeof ACCEPTED {
  if (isObject(reply)) {
    if (reply.accepted === true) return ACCEPTED;
    if ('result' in reply) return withLogs(checked({ result: reply.result ?? null }, undefined, maxPayloadBytes), reply.logs);
    const reported = asFailureInfo(reply.failure);
    if (reported) return withLogs(checked({ failure: reported }, undefined, maxPayloadBytes), reply.logs);
  }
  return failure(ApplicationFailure.retryable(`Activity entrypoint answered ${describeValue(reply)}, which is not an activity reply`, ReplyFailureType.malformed));
}

/** A value in a message: its JSON's start, or its type when it has none (undefined, a bigint, a cycle). */
function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return typeof value;
  }
}

/** What a reply body may hold beyond its payload: type, message, stack, cause, log lines. */
const REPLY_ENVELOPE_BYTES = Limits.maxReplyBodyBytes - Limits.maxPayloadBytes;

/** The outcome with the server's lines, when it sent an array of them (each is checked where the run keeps it). */
function withLogs(outcome: Outcome, logs: unknown): ReplyOutcome {
  return Array.isArray(logs) && logs.length > 0 ? { ...outcome, logs } : outcome;
}

/** The outcome, or the non-retryable failure recorded instead when it cannot be stored (activity-outcome.ts). */
function checked(outcome: Outcome, bodyChars: number | undefined, maxPayloadBytes: number): Outcome {
  const invalid = invalidOutcome(outcome, bodyChars, maxPayloadBytes);
  return invalid ? failure(invalid) : outcome;
}

function parseJson(text: string): unknown {
  try {
    return text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  // One failure past the bound is kept, so the check (activity-outcome.ts) refuses a chain too long; never deeper.
  const cause = depth <= Limits.maxFailureCauseDepth ? asFailureInfo(body.cause, depth + 1) : undefined;
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
