// Browser code of the web UI, part 5: a run's kept log lines (GET /v1/workflows/{id}/logs, docs/observability.md):
// one row a line, oldest first, with its time, level, who wrote it (the workflow, or an activity's type and attempt),
// its message and its other attributes; every line as the JSON it was written as, on demand.
import { Limits } from '../../core/limits';
import { LOG_FIXED_FIELDS } from '../../core/log';

export const LOGS_JS = String.raw`
const LOGS_KEPT = ${Limits.logLinesKept};
/** Fields every line has, shown in their own columns or not at all; the rest are the caller's attributes. */
const LOG_IDENTITY = new Set(${JSON.stringify(LOG_FIXED_FIELDS)});

/** The last run whose lines were read: a refresh reads only the lines kept since (kept lines never change). */
let logsCache = { runId: undefined, lines: [], lastSeq: 0 };

/** The run's kept lines (the latest a run keeps: older ones dropped meanwhile are dropped here too), or why there are none. */
async function loadLogs(run) {
  const cached = logsCache.runId === run.runId ? logsCache : { runId: run.runId, lines: [], lastSeq: 0 };
  try {
    const page = (await api('GET', workflowPath(run.workflowId) + '/logs' + query({ runId: run.runId, after: cached.lastSeq || undefined }))).data;
    const lines = cached.lines.concat(page.lines).slice(-LOGS_KEPT);
    logsCache = { runId: run.runId, lines, lastSeq: page.lastSeq };
    return { lines };
  } catch (error) {
    // An older Worker has no such route (a 404 that is not about the workflow); anything else is said as it is.
    return { error: error.status === 404 && !(error.problem && error.problem.type === 'duro:workflow-not-found') ? 'This Worker does not keep log lines.' : 'Log lines could not be read: ' + error.message };
  }
}

function logsSection(logs) {
  if (logs.error) return section('Logs', h('p', { class: 'empty' }, logs.error));
  const lines = logs.lines;
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
