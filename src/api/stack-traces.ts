// Stack traces stay inside the Worker unless DURO_DEBUG is set (docs/operations.md, Stack traces): they name the
// bundle's paths and say nothing a caller can act on. Cleaned once, at the edge, from every JSON reply.
import type { MiddlewareHandler } from 'hono';

/**
 * Whether DURO_DEBUG turns debugging on: any non-empty value but "0" and "false" (a `[vars]` entry may also be
 * a boolean or a number).
 */
export function isDebugEnabled(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value !== 'string') return false;
  const text = value.trim().toLowerCase();
  return text !== '' && text !== '0' && text !== 'false';
}

/** Where the API puts failures: an object under one of these keys (at any depth) is a failure. */
const FAILURE_KEYS = new Set(['failure', 'lastFailure', 'cause']);
/** The caller's own data: never looked into, so a user's `stack` field stays as it was sent. */
const PAYLOAD_KEYS = new Set(['input', 'result', 'args', 'details', 'heartbeatDetails', 'memo', 'searchAttributes', 'value', 'values']);

/**
 * `value` with no `stack` on any failure in it, however deep: causes, a problem's `failure`, describe's pending
 * activities' `lastFailure`, history events' failures. A failure is an object under a `failure`, `lastFailure` or
 * `cause` key; payloads (`input`, `result`, `args`, `details`, …) are the caller's data and are left whole.
 *
 * @example
 * withoutStackTraces({ failure: { type: 'Declined', message: 'no', stack: 'at charge (worker.js:1:2)' } });
 * // { failure: { type: 'Declined', message: 'no' } }
 * `isFailure` says `value` itself is a failure (the walk passes it for what sits under a failure key).
 */
export function withoutStackTraces<T>(value: T, isFailure = false): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const cleaned = withoutStackTraces(item, false);
      if (cleaned !== item) (copy ??= [...value])[index] = cleaned;
    });
    return (copy ?? value) as T;
  }
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const [key, field] of Object.entries(record)) {
    if (PAYLOAD_KEYS.has(key)) continue;
    const cleaned = withoutStackTraces(field, FAILURE_KEYS.has(key));
    if (cleaned !== field) (copy ??= { ...record })[key] = cleaned;
  }
  if (isFailure && 'stack' in record) {
    copy ??= { ...record };
    delete copy.stack;
  }
  return (copy ?? value) as T;
}

const JSON_TYPE = /^application\/(?:problem\+)?json\b/i;

/**
 * Middleware that takes the stack traces out of every JSON reply (successes and problem+json alike), whichever
 * route or error handler produced it. A reply without the word `"stack"` is passed on unparsed.
 */
export function hideStackTraces(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const response = c.res;
    if (!response.body || !JSON_TYPE.test(response.headers.get('content-type') ?? '')) return;
    const text = await response.text();
    c.res = new Response(text.includes('"stack"') ? cleanedJson(text) : text, response);
  };
}

function cleanedJson(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  return JSON.stringify(withoutStackTraces(body));
}
