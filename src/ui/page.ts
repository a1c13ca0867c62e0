// The web UI's one HTML page: a shell for the browser code, which renders every view from the API.
/** The page at /ui, linking the stylesheet and script at their content-addressed URLs. */
export function renderUiPage(assets: { script: string; styles: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Duro</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.styles}">
<script type="module" src="${assets.script}"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/workflows">Duro</a>
  <nav aria-label="Main"><ul>
    <li><a href="#/workflows" data-nav="workflows">Workflows</a></li>
    <li><a href="#/schedules" data-nav="schedules">Schedules</a></li>
  </ul></nav>
  <form id="token-form" class="token" aria-label="API token">
    <label for="token">API token</label>
    <input id="token" type="password" autocomplete="off" placeholder="DURO_API_TOKEN">
    <button type="submit">Use token</button>
    <button type="button" id="token-forget" class="secondary">Forget token</button>
    <span id="token-state" role="status"></span>
  </form>
</header>
<div id="flash" aria-live="polite"></div>
<main id="view" tabindex="-1"><p>Loading…</p><noscript>This page needs JavaScript.</noscript></main>
</body>
</html>
`;
}
