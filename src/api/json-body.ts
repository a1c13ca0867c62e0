// The gate every JSON request body passes before zod or a handler reads it: nesting and numbers. zod's schemas
// recurse (a failure's `cause`), and so do JSON.stringify and the stores after them, so a body nested thousands
// deep overflowed the stack (500); a number JSON cannot carry (`1e400` parses to Infinity) was stored as null.
import type { MiddlewareHandler } from 'hono';
import { Limits } from '../core/limits';
import { payloadShapeProblem } from '../core/payload';
import { problem, problemResponse, ProblemType } from './problems';

/**
 * The deepest body any route takes: a payload (`maxPayloadDepth`) inside a failure chained `maxFailureCauseDepth`
 * causes deep, inside the body object. The fields' own schemas bound each payload to `maxPayloadDepth`.
 */
export const MAX_BODY_DEPTH = Limits.maxPayloadDepth + Limits.maxFailureCauseDepth + 2;

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.-]+\+)?json\b/i;

/**
 * Refuses, with a 400 `duro:invalid-request`, a JSON body nested deeper than {@link MAX_BODY_DEPTH} or holding a
 * number JSON cannot carry. JSON.parse (iterative in V8) and the walk (its own stack) never recurse; a body that does
 * not parse is left to the route's validator, which says so.
 */
export function jsonBodyGate(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || !c.req.raw.body) return next();
    if (!JSON_MEDIA_TYPE.test(c.req.header('content-type') ?? '')) return next();
    // Hono caches the text, so the stream is read once; the route's validator parses it a second time (c.req.json()
    // parses on every call), the price of checking the shape before zod recurses into it.
    const text = await c.req.text();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return next();
    }
    const shape = payloadShapeProblem(value, MAX_BODY_DEPTH);
    if (shape === undefined) return next();
    const message = `the body ${shape}`;
    return problemResponse(problem(ProblemType.invalidRequest, `body: ${message}`, { errors: [{ in: 'body', field: 'body', message }] }));
  };
}
