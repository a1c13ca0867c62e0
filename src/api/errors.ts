// Turns everything that can go wrong in a request into problem+json: validation failures, thrown problems,
// Hono's own HTTP errors (malformed JSON, media type, body limit), unknown routes and wrong methods.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { problem, ProblemError, problemResponse, ProblemType } from './problems';
import { PAYLOAD_TOO_LARGE_ISSUE } from './schemas';

const LOCATIONS: Record<string, string> = { json: 'body', query: 'query', param: 'path', header: 'header', cookie: 'cookie' };

/** The `defaultHook` of the app: a failed validation answers 400 naming each bad field (413 for an oversized payload). */
export function validationHook(result: { target: string; success: boolean; error?: ZodError }): Response | undefined {
  if (result.success || !result.error) return undefined;
  const location = LOCATIONS[result.target] ?? result.target;
  const issues = result.error.issues;
  const tooLarge = issues.find((issue) => issue.code === 'custom' && issue.params?.['duro'] === PAYLOAD_TOO_LARGE_ISSUE);
  if (tooLarge) return problemResponse(problem(ProblemType.payloadTooLarge, tooLarge.message));
  const errors = issues.map((issue) => ({ in: location, field: [location, ...issue.path.map(String)].join('.'), message: issue.message }));
  const detail = errors.map((error) => `${error.field}: ${error.message}`).join('; ');
  return problemResponse(problem(ProblemType.invalidRequest, detail, { errors }));
}

/** The app's `onError`. Stack traces and internal messages never leave the Worker; they go to the log. */
export function renderError(error: Error): Response {
  if (error instanceof ProblemError) return problemResponse(error.problem);
  if (error instanceof HTTPException) return renderHttpException(error);
  if (error.name === 'PayloadError') {
    const tooLarge = (error as { sizeBytes?: number }).sizeBytes !== undefined;
    return problemResponse(problem(tooLarge ? ProblemType.payloadTooLarge : ProblemType.invalidRequest, error.message));
  }
  console.error('duro api: unhandled error', error);
  return problemResponse(problem(ProblemType.internal, 'An internal error occurred; the server log has the details'));
}

function renderHttpException(error: HTTPException): Response {
  switch (error.status) {
    case 400:
      // Hono's validator says "Malformed JSON in request body".
      return problemResponse(problem(ProblemType.invalidRequest, `${error.message}: the body must be JSON (send {} when there is nothing to say)`));
    case 413:
      return problemResponse(bodyTooLarge());
    case 415:
      return problemResponse({ ...problem(ProblemType.invalidRequest, 'Send the body as JSON with Content-Type: application/json'), status: 415, title: 'Unsupported Media Type' });
    default:
      if (error.status >= 500) {
        console.error('duro api: unhandled error', error);
        return problemResponse(problem(ProblemType.internal, 'An internal error occurred; the server log has the details'));
      }
      return problemResponse({ ...problem(ProblemType.invalidRequest, error.message || 'Invalid request'), status: error.status });
  }
}

export function bodyTooLarge(maxBytes?: number) {
  return problem(ProblemType.payloadTooLarge, `The request body is over the ${maxBytes ?? 'allowed'}-byte limit; one payload may be at most 2 MiB encoded`);
}

interface RouteLike {
  method: string;
  path: string;
}

/**
 * The app's `notFound`: 405 with `Allow` when the path exists under other methods, else 404.
 * Hono routes by method first, so a known path with the wrong method lands here too.
 */
export function notFoundHandler(routes: () => RouteLike[]) {
  let compiled: Array<{ method: string; pattern: RegExp }> | undefined;
  return (c: Context): Response => {
    compiled ??= routes()
      .filter((route) => route.method !== 'ALL')
      .map((route) => ({ method: route.method, pattern: patternOf(route.path) }));
    const path = c.req.path;
    const allowed = [...new Set(compiled.filter((route) => route.pattern.test(path)).map((route) => route.method))];
    if (allowed.length > 0) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      return problemResponse(problem(ProblemType.methodNotAllowed, `${c.req.method} is not allowed on ${path} (allowed: ${allowed.join(', ')})`), { allow: allowed.join(', ') });
    }
    return problemResponse(problem(ProblemType.notFound, `No route for ${c.req.method} ${path}`));
  };
}

/** `/v1/workflows/:workflowId/result` → a regex matching one path segment per parameter. */
function patternOf(path: string): RegExp {
  const source = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
