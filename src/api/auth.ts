// Bearer-token auth (DESIGN §6): with DURO_API_TOKEN set, every route but /healthz, the web UI and the two activity
// callbacks (authorised by their task token) needs it. Without a token only local requests are served.
import type { MiddlewareHandler } from 'hono';
import { constantTimeEqual, utf8 } from '../protocol/encoding';
import { UI_PATH } from '../ui/path';
import { problem, problemResponse, ProblemType } from './problems';

/** Routes that carry their own authorisation, or none by design. */
const OPEN_PATHS = new Set(['/healthz', '/v1/activities/heartbeat', '/v1/activities/complete']);

/**
 * The web UI's page and assets (src/ui), and `/` that redirects to it, hold no data: the API calls the page makes
 * carry the user's token.
 */
const isUiPath = (path: string) => path === '/' || path === UI_PATH || path.startsWith(`${UI_PATH}/`);

/**
 * Hosts that cannot belong to a deployed Worker: loopback, and the names reserved for testing and private
 * use (RFC 6761 `.localhost`, `.test`; `.internal`), which is how tests and service bindings address Duro.
 */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host) || /\.(localhost|test|internal)$/.test(host) || host === 'internal';
}

export function authMiddleware(token: string | undefined): MiddlewareHandler {
  const expected = token ? utf8(token) : undefined;
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path) || isUiPath(c.req.path)) return next();
    if (!expected) {
      if (isLocalHost(new URL(c.req.url).hostname)) return next();
      return problemResponse(problem(ProblemType.authNotConfigured, 'This Duro deployment has no API token, so it serves only local requests. Set one with `wrangler secret put DURO_API_TOKEN` and send it as `Authorization: Bearer <token>`.'));
    }
    const given = c.req.header('authorization');
    const credentials = given === undefined ? undefined : bearerCredentials(given);
    if (credentials !== undefined && constantTimeEqual(utf8(credentials), expected)) return next();
    return problemResponse(problem(ProblemType.unauthorized, given ? 'The bearer token is not valid' : 'Send `Authorization: Bearer <DURO_API_TOKEN>`'), { 'www-authenticate': 'Bearer realm="duro"' });
  };
}

/** The token of an `Authorization: Bearer <token>` header; the scheme is case-insensitive (RFC 7235 §2.1, RFC 6750). */
export function bearerCredentials(header: string): string | undefined {
  const match = /^bearer (.+)$/is.exec(header);
  return match?.[1];
}
