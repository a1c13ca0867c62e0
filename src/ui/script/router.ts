// Browser code of the web UI, last part: hash routing (#/workflows, #/workflows/<id>, #/schedules), the token
// form, and the start of the page.
export const ROUTER_JS = String.raw`
const view = document.getElementById('view');
let renderSeq = 0;

function parseRoute() {
  const raw = location.hash.replace(/^#/, '') || '/workflows';
  const at = raw.indexOf('?');
  const path = at < 0 ? raw : raw.slice(0, at);
  return { parts: path.split('/').filter(Boolean), params: new URLSearchParams(at < 0 ? '' : raw.slice(at + 1)) };
}

/** Renders the current route off-screen, then swaps it in, unless a newer render started meanwhile. */
async function render() {
  const seq = ++renderSeq;
  const { parts, params } = parseRoute();
  const area = parts[0] === 'schedules' ? 'schedules' : 'workflows';
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.getAttribute('data-nav') === area) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const target = document.createElement('div');
  view.setAttribute('aria-busy', 'true');
  try {
    if (area === 'schedules') await renderSchedules(target);
    else if (parts.length > 1) await renderExecution(decodeURIComponent(parts.slice(1).join('/')), params, target);
    else await renderExecutions(params, target);
    if (seq === renderSeq) view.replaceChildren(...target.childNodes);
  } catch (error) {
    if (seq === renderSeq) view.replaceChildren(h('p', { class: 'flash error', role: 'alert' }, errorMessage(error)));
  } finally {
    if (seq === renderSeq) view.removeAttribute('aria-busy');
  }
}

function showTokenState() {
  document.getElementById('token-state').textContent = getToken() ? 'A token is set for this tab.' : 'No token set.';
}

document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = document.getElementById('token');
  setToken(input.value.trim());
  input.value = '';
  showTokenState();
  flash();
  render();
});

document.getElementById('token-forget').addEventListener('click', () => {
  setToken('');
  showTokenState();
  render();
});

window.addEventListener('hashchange', () => {
  flash();
  render();
});

showTokenState();
render();
`;
