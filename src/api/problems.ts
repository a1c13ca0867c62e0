// Every API error leaves as application/problem+json (RFC 9457) with a stable `type` code that clients match on.
import type { Problem } from '../protocol/problem-types';

export type { Problem };

import { problem, ProblemType } from '../protocol/problem-types';

export { ProblemType, problem };

/** The HTTP response of a problem: its own status, its body as is. */
export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  // A backend's problem is passed on as is; only a status no Response accepts is replaced, or the reply itself would throw.
  const status = Number.isInteger(body.status) && body.status >= 400 && body.status <= 599 ? body.status : 500;
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, 'content-type': 'application/problem+json' },
  });
}

/** Thrown by route handlers to answer with a problem; the app's error handler renders it. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.type}: ${problem.detail}`);
    this.name = 'ProblemError';
  }
}

/** The value of a successful backend reply; a refusal is thrown as a {@link ProblemError} and passes through unchanged. */
export function unwrap<T>(reply: { ok: true; value: T } | { ok: false; problem: Problem }): T {
  if (!reply.ok) throw new ProblemError(publicProblem(reply.problem));
  return reply.value;
}

/** A backend's internal error says only that (its detail may be a storage error's raw text): the detail goes to the log. */
function publicProblem(body: Problem): Problem {
  if (body.type !== ProblemType.internal) return body;
  console.error('duro api: the backend answered with an internal error', body.detail);
  return problem(ProblemType.internal, 'An internal error occurred; the server log has the details');
}
