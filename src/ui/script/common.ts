// Browser code of the web UI, part 1: DOM building, the API call with the tab's token, formatting.
// Plain ES2020 JavaScript kept as a string (no DOM types in this repo's tsconfig, no build step at run time);
// written without backticks or template literals so it can sit in String.raw. Data only ever reaches the DOM as
// text nodes or attribute values (`h` below), never as HTML.
export const COMMON_JS = String.raw`
const STATUSES = ['running', 'completed', 'failed', 'canceled', 'terminated', 'continuedAsNew', 'timedOut'];
const TOKEN_KEY = 'duro.apiToken';

/** An element with attributes (on* are listeners) and children; strings become text nodes, never markup. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

function section(title, ...content) {
  return h('section', { 'aria-label': title }, h('h3', {}, title), ...content);
}

function table(caption, headers, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty || 'None.');
  return h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((name) => h('th', { scope: 'col' }, name)))),
    h('tbody', {}, rows));
}

function pre(value) {
  return h('pre', { class: 'json' }, value === undefined ? '(none)' : JSON.stringify(value, null, 2));
}

function short(text, max) {
  const limit = max || 140;
  return text.length > limit ? text.slice(0, limit - 1) + '\u2026' : text;
}

function oneLine(value) {
  return value === undefined ? '' : short(JSON.stringify(value));
}

function statusBadge(status) {
  return h('span', { class: 'badge s-' + String(status).replace(/[^A-Za-z]/g, ''), 'data-status-badge': status }, status);
}

function fmtTime(ms) {
  if (ms === undefined || ms === null) return '';
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function fmtDuration(ms) {
  if (ms === undefined || ms === null || !isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return sign + Math.round(abs) + ' ms';
  if (abs < 60000) return sign + (abs / 1000).toFixed(abs < 10000 ? 2 : 1) + ' s';
  const s = Math.floor(abs / 1000);
  const d = Math.floor(s / 86400), hr = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) return sign + d + 'd ' + hr + 'h';
  if (hr) return sign + hr + 'h ' + m + 'm';
  return sign + m + 'm ' + (s % 60) + 's';
}

function getToken() {
  try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (error) { return ''; }
}

function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

/** Calls the REST API (docs/api.md) with the tab's token; a non-2xx answer throws its problem+json detail. */
async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = 'Bearer ' + token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let data;
  try { data = text ? JSON.parse(text) : undefined; } catch (error) { data = undefined; }
  if (!response.ok) {
    const detail = data && (data.detail || data.title);
    throw new ApiError(response.status, data, (detail || response.statusText || 'Request failed') + ' (HTTP ' + response.status + ')');
  }
  return { status: response.status, data };
}

/** A query string of the given values, skipping empty ones. */
function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  const text = q.toString();
  return text ? '?' + text : '';
}

function workflowPath(workflowId) {
  return '/v1/workflows/' + encodeURIComponent(workflowId);
}

function executionHref(workflowId, runId) {
  return '#/workflows/' + encodeURIComponent(workflowId) + query({ runId });
}

function errorMessage(error) {
  if (error && (error.status === 401 || error.status === 403)) return 'The API needs a valid token: enter it under "API token" above. ' + error.message;
  return (error && error.message) || String(error);
}

/** A message above the page that stays until the route changes. */
function flash(...content) {
  const region = document.getElementById('flash');
  region.replaceChildren();
  if (content.length) region.append(h('p', { class: 'flash ok' }, content));
}

function flashError(error) {
  const region = document.getElementById('flash');
  region.replaceChildren(h('p', { class: 'flash error', role: 'alert' }, errorMessage(error)));
}

/** Goes to a hash route; going to the current one renders it again (fresh data). */
function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}
`;
