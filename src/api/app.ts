// The Hono app behind the Duro REST API (shared/API.md). Routes grow here;
// errors leave as application/problem+json with a stable `type`.
import { Hono } from 'hono';

/** A problem+json body (RFC 9457) as every API error is shaped. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

function problem(body: Problem): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json' },
  });
}

/**
 * Builds the API app.
 *
 * @example
 * const app = createApiApp();
 * export default { fetch: app.fetch };
 */
export function createApiApp(): Hono {
  const app = new Hono();

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.notFound((c) =>
    problem({
      type: 'duro:not-found',
      title: 'Not Found',
      status: 404,
      detail: `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    }),
  );

  return app;
}
