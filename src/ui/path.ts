// Where the web UI is served: apart from the UI's page and script (src/ui/index.ts), so auth can name the path
// without loading them.

/** The page's prefix; src/api/auth.ts lets it and everything under it through without a token. */
export const UI_PATH = '/ui';
