// GET /docs: a static HTML reference rendered from the generated OpenAPI document. No external scripts, so it
// works offline and under a strict CSP; /openapi.json stays the machine-readable source.

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
}

interface OpenApiLike {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, object>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

/** Inline code spans (`x`) are the only markup the descriptions use. */
const inline = (text: string) => escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');

export function renderDocsPage(document: OpenApiLike, openApiPath = '/openapi.json'): string {
  const rows: string[] = [];
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      rows.push(
        `<tr><td><span class="m ${method}">${method.toUpperCase()}</span></td><td><code>${escapeHtml(path)}</code></td>` +
          `<td>${inline(operation.summary ?? '')}${operation.description ? `<br><small>${inline(operation.description)}</small>` : ''}</td></tr>`,
      );
    }
  }
  const title = escapeHtml(`${document.info.title} ${document.info.version}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;width:100%}td{border-top:1px solid #ddd;padding:.4rem .6rem;vertical-align:top}
.m{font:bold 12px monospace;padding:2px 6px;border-radius:3px;color:#fff}.get{background:#2b7}.post{background:#27c}
.put,.patch{background:#c82}.delete{background:#c33}small{color:#555}
</style></head>
<body><h1>${title}</h1>
${document.info.description ? `<p>${inline(document.info.description)}</p>` : ''}
<p>Machine-readable: <a href="${escapeHtml(openApiPath)}">${escapeHtml(openApiPath)}</a> (OpenAPI 3).</p>
<table>${rows.join('\n')}</table>
</body></html>`;
}
