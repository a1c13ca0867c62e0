// Browser code of the web UI, part 2: #/workflows, the list of executions with filters, counts by status and
// paging (GET /v1/workflows, GET /v1/workflows/count; docs/visibility.md). Filters, page size and page token live
// in the hash, so a filtered list can be bookmarked and Back returns to the previous page.
export const EXECUTIONS_JS = String.raw`
const PAGE_SIZE = 20;
const FILTERS = ['workflowType', 'status', 'startedAfter', 'startedBefore'];

/** ISO time -> the value of a datetime-local input (the browser's zone), and back. */
function toLocalInput(iso) {
  const date = new Date(iso || NaN);
  if (isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
}

function fromLocalInput(value) {
  const date = new Date(value || NaN);
  return isNaN(date.getTime()) ? '' : date.toISOString();
}

async function renderExecutions(params, view) {
  const filters = {};
  for (const name of FILTERS) if (params.get(name)) filters[name] = params.get(name);
  const pageToken = params.get('pageToken') || undefined;
  const pageSize = Math.min(Math.max(Number(params.get('pageSize')) || PAGE_SIZE, 1), 1000);
  // Counts leave the status filter out: they say how many of each status the other filters match.
  const countFilters = Object.assign({}, filters, { status: undefined });
  const [count, page] = await Promise.all([
    api('GET', '/v1/workflows/count' + query(countFilters)),
    api('GET', '/v1/workflows' + query(Object.assign({}, filters, { pageSize, nextPageToken: pageToken }))),
  ]);
  document.title = 'Executions \u00b7 Duro';
  view.append(
    h('h2', {}, 'Workflow executions'),
    filterForm(filters),
    countsNav(filters, count.data),
    executionsTable(page.data.executions),
    pager(Object.assign({}, filters, { pageSize: params.get('pageSize') || undefined }), pageToken, page.data.nextPageToken),
  );
}

function filterForm(filters) {
  const type = h('input', { name: 'workflowType', value: filters.workflowType || '', placeholder: 'any', autocomplete: 'off' });
  const known = STATUSES.includes(filters.status || '') || !filters.status;
  const status = h('select', { name: 'status' },
    h('option', { value: '' }, 'any'),
    STATUSES.map((name) => h('option', { value: name, selected: filters.status === name }, name)),
    known ? null : h('option', { value: filters.status, selected: true }, filters.status));
  const after = h('input', { name: 'startedAfter', type: 'datetime-local', step: '1', value: toLocalInput(filters.startedAfter) });
  const before = h('input', { name: 'startedBefore', type: 'datetime-local', step: '1', value: toLocalInput(filters.startedBefore) });
  const apply = (event) => {
    event.preventDefault();
    navigate('#/workflows' + query({
      workflowType: type.value.trim(),
      status: status.value,
      startedAfter: fromLocalInput(after.value),
      startedBefore: fromLocalInput(before.value),
    }));
  };
  return h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter executions', onsubmit: apply },
    field('Workflow type', type),
    field('Status', status),
    field('Started after', after),
    field('Started before', before),
    h('div', { class: 'buttons' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('a', { href: '#/workflows', class: 'button secondary' }, 'Clear filters')));
}

function countsNav(filters, count) {
  const link = (status, label, n) => {
    const active = (filters.status || '') === status;
    return h('li', {}, h('a', {
      href: '#/workflows' + query(Object.assign({}, filters, { status })),
      class: 'count' + (active ? ' active' : ''),
      'aria-current': active ? 'true' : undefined,
      'data-count': status || 'all',
    }, label + ' ', h('strong', {}, String(n))));
  };
  const shown = STATUSES.filter((name) => count.byStatus[name] || filters.status === name);
  return h('nav', { class: 'counts', 'aria-label': 'Counts by status' },
    h('ul', {}, link('', 'all', count.count), shown.map((name) => link(name, name, count.byStatus[name] || 0))));
}

function executionsTable(executions) {
  const rows = executions.map((run) => h('tr', { 'data-workflow-id': run.workflowId },
    h('td', {}, h('a', { href: executionHref(run.workflowId, run.runId) }, run.workflowId)),
    h('td', {}, run.workflowType),
    h('td', {}, statusBadge(run.status)),
    h('td', {}, fmtTime(run.startTime)),
    h('td', {}, fmtTime(run.closeTime)),
    h('td', {}, run.closeTime ? fmtDuration(run.closeTime - run.startTime) : '')));
  return table('Executions, newest first', ['Workflow ID', 'Type', 'Status', 'Started', 'Closed', 'Duration'], rows, 'No executions match these filters.');
}

function pager(filters, pageToken, nextPageToken) {
  return h('nav', { class: 'pager', 'aria-label': 'Pages' },
    pageToken ? h('button', { type: 'button', class: 'secondary', onclick: () => history.back() }, 'Previous page') : null,
    pageToken ? h('a', { href: '#/workflows' + query(filters), class: 'button secondary' }, 'First page') : null,
    nextPageToken ? h('a', { href: '#/workflows' + query(Object.assign({}, filters, { pageToken: nextPageToken })), class: 'button' }, 'Next page') : null);
}
`;
