// The one gate for an activity outcome from outside — a server's reply to an attempt (activity-reply.ts) and
// POST /v1/activities/complete: bounded in depth, cause chain and size before anything is committed, because a
// value that cannot be stored or read back would fail every commit and have the attempt sent again for ever.
import { ApplicationFailure, type FailureInfo } from '../core/failure';
import type { Outcome } from '../core/history';
import { Limits } from '../core/limits';
import { leavingLimit, payloadShapeProblem, payloadSize } from '../core/payload';
import { payloadMarkProblem } from '../core/payloads/envelope';

/** The failure types Duro records for replies it will not take as they are (docs/activities.md, The reply). */
export const ReplyFailureType = {
  /** Too deep, a cause chain too long, a number JSON cannot carry: non-retryable, the same work would answer the same. */
  invalid: 'ActivityReplyInvalid',
  /** A 2xx that is not the protocol's `{"result": …}` (cut off, not JSON): retryable, the server may be mid-deploy. */
  malformed: 'ActivityReplyMalformed',
  /** A 3xx: not followed, so the signed body and task token go nowhere else. Retryable. */
  redirected: 'ActivityRedirected',
  /** Over the payload limit, or a body over the reply cap. Non-retryable. */
  tooLarge: 'PayloadTooLarge',
  /** The outcome passed these checks but committing it threw: recorded instead of it, non-retryable. */
  notStored: 'ActivityOutcomeNotStored',
} as const;

/**
 * The non-retryable failure to record instead of `outcome` when it cannot be stored as it is; undefined when it can.
 * `bodyChars`, when given, is the length of the text it was parsed from: short text cannot encode over the limit.
 */
export function invalidOutcome(outcome: Outcome, bodyChars?: number, maxPayloadBytes: number = Limits.maxPayloadBytes): ApplicationFailure | undefined {
  const problem = 'result' in outcome ? resultProblem(outcome.result) : failureProblem(outcome.failure);
  if (problem) return ApplicationFailure.nonRetryable(`${problem}; it is not recorded (docs/operations.md, Limits)`, ReplyFailureType.invalid);
  // A failure may become the workflow's, which leaves the object: held to what an RPC carries (Limits).
  const limit = 'result' in outcome ? maxPayloadBytes : leavingLimit(maxPayloadBytes);
  // A unit of text is at most 3 UTF-8 bytes, and a number may come back 5.25× longer (`1e20` is written in full).
  if (bodyChars !== undefined && bodyChars * 6 <= limit) return undefined;
  const limitOf = (bytes: number) => (bytes === Limits.maxPayloadBytes ? 'the 2 MiB payload limit' : `the ${bytes}-byte payload limit`);
  if ('result' in outcome) {
    const size = payloadSize(outcome.result);
    if (size > limit) return ApplicationFailure.nonRetryable(`Activity result is ${size} bytes, over ${limitOf(limit)}`, ReplyFailureType.tooLarge);
  } else {
    const size = payloadSize(outcome.failure);
    if (size > limit) return ApplicationFailure.nonRetryable(`Activity failure ${outcome.failure.type.slice(0, 200)} is ${size} bytes, over ${limitOf(limit)}: ${outcome.failure.message.slice(0, 500)}`, ReplyFailureType.tooLarge);
  }
  return undefined;
}

function resultProblem(result: unknown): string | undefined {
  const problem = payloadShapeProblem(result);
  if (problem) return `Activity result ${problem}`;
  const mark = payloadMarkProblem(result);
  return mark && `Activity result: ${mark}`;
}

/** Each failure of the chain: its fields (details, …) within the payload depth, the chain within its own bound. */
function failureProblem(failure: FailureInfo): string | undefined {
  let current: unknown = failure;
  for (let level = 0; current !== undefined; level++) {
    const where = level === 0 ? 'Activity failure' : `Activity failure (cause ${level})`;
    if (level > Limits.maxFailureCauseDepth) return `Activity failure has more than ${Limits.maxFailureCauseDepth} causes chained`;
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return `${where} has a cause that is not a failure object`;
    for (const [key, value] of Object.entries(current)) {
      if (key === 'cause') continue;
      const problem = payloadShapeProblem(value);
      if (problem) return `${where} field '${key}' ${problem}`;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
