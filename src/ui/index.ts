// The web UI (issue 8) served by the Worker at /ui: one HTML page, one script, one stylesheet, all strings bundled
// with the Worker. The page holds no data; every API call it makes carries the token the user enters, so these
// routes need none (src/api/auth.ts).
import type { Hono } from 'hono';
import { renderUiPage } from './page';
import { UI_SCRIPT } from './script';
import { UI_PATH } from './path';
import { UI_STYLES } from './styles';

export { UI_PATH };

/** FNV-1a, 32 bits: enough to give each version of an asset its own URL, computed once per isolate. */
function contentHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

const SCRIPT_PATH = `${UI_PATH}/app.${contentHash(UI_SCRIPT)}.js`;
const STYLES_PATH = `${UI_PATH}/app.${contentHash(UI_STYLES)}.css`;
const PAGE = renderUiPage({ script: SCRIPT_PATH, styles: STYLES_PATH });
const PAGE_ETAG = `"${contentHash(PAGE)}"`;

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff' };
// Nothing but this origin: the script is the only code, the API the only thing it talks to.
const PAGE_HEADERS = {
  ...COMMON_HEADERS,
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  etag: PAGE_ETAG,
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};
// Content-addressed URLs never change meaning, so browsers may keep them for good.
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Adds GET /ui (and its assets) to an app, and `/` redirecting to it: `npm run dev` prints the bare address.
 * Call it before the OpenAPI document is built: the UI is not part of the API.
 *
 * @example
 * const app = new OpenAPIHono();
 * registerUi(app); // http://127.0.0.1:8787/ui
 */
export function registerUi(app: Hono<any, any, any>): void {
  app.get('/', (c) => c.redirect(UI_PATH, 302));
  app.get(UI_PATH, (c) => {
    if (c.req.header('if-none-match') === PAGE_ETAG) return c.body(null, 304, PAGE_HEADERS);
    return c.body(PAGE, 200, PAGE_HEADERS);
  });
  app.get(`${UI_PATH}/`, (c) => c.redirect(UI_PATH, 301));
  app.get(SCRIPT_PATH, (c) => c.body(UI_SCRIPT, 200, { ...COMMON_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': IMMUTABLE }));
  app.get(STYLES_PATH, (c) => c.body(UI_STYLES, 200, { ...COMMON_HEADERS, 'content-type': 'text/css; charset=utf-8', 'cache-control': IMMUTABLE }));
}
