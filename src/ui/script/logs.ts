// Browser code of the web UI, part 5: a run's kept log lines (GET /v1/workflows/{id}/logs, docs/observability.md):
// one row a line, oldest first, with its time, level, who wrote it (the workflow, or an activity's type and attempt),
// its message and its other attributes; every line as the JSON it was written as, on demand.
export const LOGS_JS = String.raw`
/** Fields every line has, shown in their own columns or not at all; the rest are the caller's attributes. */
const LOG_IDENTITY = new Set(['level', 'message', 'time', 'workflowId', 'runId', 'workflowType', 'attempt', 'activityId', 'activityType', 'isLocal', 'traceId', 'spanId']);

async function loadLogs(run) {
  try {
    return (await api('GET', workflowPath(run.workflowId) + '/logs' + query({ runId: run.runId }))).data.lines;
  } catch {
    return undefined; // an older Worker without the route: the section says so
  }
}

function logsSection(lines) {
  if (lines === undefined) return section('Logs', h('p', { class: 'empty' }, 'This Worker does not keep log lines.'));
  const rows = lines.map(({ seq, line }) => h('tr', { 'data-log-seq': String(seq), class: 'log-' + line.level },
    h('td', {}, line.time ? line.time.replace('T', ' ').replace('Z', '') : ''),
    h('td', {}, h('span', { class: 'log-level' }, line.level)),
    h('td', {}, logAuthor(line)),
    h('td', {}, line.message, line.truncated ? h('span', { class: 'empty' }, ' (cut short)') : ''),
    h('td', {}, logAttributes(line)),
  ));
  return section('Logs',
    h('p', { class: 'empty' }, 'What ctx.log wrote in this run: the latest ' + (lines.length === 1 ? 'line' : lines.length + ' lines') + ' it keeps, oldest first (also: duro logs ' + '<id>' + ').'),
    h('div', { class: 'log-box' }, table('Log lines', ['Time (UTC)', 'Level', 'From', 'Message', 'Attributes'], rows, 'No log lines yet.')),
  );
}

/** "workflow", or the activity's type and attempt ("chargePayment #2", "audit #1 (local)"). */
function logAuthor(line) {
  if (line.activityType === undefined) return 'workflow';
  return line.activityType + ' #' + line.attempt + (line.isLocal ? ' (local)' : '');
}

function logAttributes(line) {
  const attributes = Object.fromEntries(Object.entries(line).filter(([key]) => !LOG_IDENTITY.has(key)));
  if (Object.keys(attributes).length === 0) return '';
  return h('details', {}, h('summary', {}, oneLine(attributes)), pre(line));
}
`;
