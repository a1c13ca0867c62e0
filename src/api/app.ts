// The Hono app behind the Duro REST API (docs/api.md): validation, routes, OpenAPI and docs.
// Routes translate HTTP to the backend's RPC; errors leave as application/problem+json with a stable `type`.
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { registerUi } from '../ui';
import { authMiddleware } from './auth';
import { emptyBackend, type ApiBackend } from './backend';
import { renderDocsPage } from './docs';
import { jsonBodyGate } from './json-body';
import { bodyTooLarge, notFoundHandler, renderError, validationHook } from './errors';
import { problemResponse } from './problems';
import { registerActivityRoutes } from './routes/activities';
import { registerMessageRoutes } from './routes/messages';
import { json } from './routes/responses';
import { registerScheduleRoutes } from './routes/schedules';
import { registerVisibilityRoutes } from './routes/visibility';
import { registerWorkflowRoutes } from './routes/workflows';
import { HealthReply } from './schemas';
import { hideStackTraces } from './stack-traces';

/** Bodies above this are refused before parsing: one 2 MiB payload plus the fields and JSON escaping around it. */
export const MAX_BODY_BYTES = 2.5 * 1024 * 1024;

const OPENAPI_CONFIG = {
  openapi: '3.0.3',
  info: {
    title: 'Duro API',
    version: 'v1',
    description: 'Durable workflows on Cloudflare Durable Objects. Errors are `application/problem+json` with a stable `type` such as `duro:workflow-not-found`.',
  },
};

const health = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness check',
  responses: { 200: json(HealthReply, 'Serving.') },
});

/**
 * Builds the API app over a backend (the Durable Object host in a Worker, or any other host).
 *
 * @example
 * const app = createApiApp(backend);
 * export default { fetch: app.fetch };
 */
export function createApiApp(backend: ApiBackend = emptyBackend()): OpenAPIHono {
  const app = new OpenAPIHono({ defaultHook: validationHook });
  app.onError(renderError);
  app.notFound(notFoundHandler(() => app.routes));

  if (!backend.debug) app.use('*', hideStackTraces());
  app.use('*', authMiddleware(backend.apiToken));
  // Checks Content-Length when given and counts streamed bytes otherwise, before any JSON parsing.
  app.use('/v1/*', bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => problemResponse(bodyTooLarge(MAX_BODY_BYTES)) }));
  // Nesting and numbers, before zod's schemas (which recurse) read the body.
  app.use('/v1/*', jsonBodyGate());

  app.openapi(health, (c) => c.json({ ok: true as const }, 200));
  // Before the run routes: GET /v1/workflows/count is not the description of a workflow named "count".
  registerVisibilityRoutes(app, backend);
  registerWorkflowRoutes(app, backend);
  registerScheduleRoutes(app, backend);
  registerMessageRoutes(app, backend);
  registerActivityRoutes(app, backend);

  registerUi(app);
  // Built on the first request for it, then kept: the routes are all registered by now and never change.
  let document: ReturnType<typeof app.getOpenAPIDocument> | undefined;
  const openApiDocument = () => (document ??= app.getOpenAPIDocument(OPENAPI_CONFIG));
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  app.get('/docs', (c) => c.html(renderDocsPage(openApiDocument())));
  return app;
}
