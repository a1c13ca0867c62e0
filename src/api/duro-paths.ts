// Which paths are Duro's: `duro.handler(app)` sends every other one to the user's handlers. Apart from the app
// (src/api/app.ts) so a Worker routes by it without loading the API, which is loaded on the first request it answers.

const DURO_PATH = /^\/(?:v1\/|_duro\/|ui(?:\/|$)|healthz$|metrics$|openapi\.json$|docs$)/;

/**
 * Whether `pathname` is one of the routes `createApiApp` answers (the API, `/_duro/`, the UI, health, metrics, the
 * OpenAPI document and its page), `/` aside. test/unit/api/duro-paths.test.ts checks it against the app's routes.
 */
export function isDuroPath(pathname: string): boolean {
  return DURO_PATH.test(pathname);
}
