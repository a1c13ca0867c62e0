// Browser code of the web UI, part 3: #/workflows/<id>, one execution (describe, result, pending work, children)
// and the action forms: signal, query, update, cancel, terminate (the run routes of docs/api.md).
export const EXECUTION_JS = String.raw`
const HISTORY_PAGE = 1000;
const HISTORY_PAGES = 10;

/** The run's history, page after page, up to HISTORY_PAGES pages. */
async function loadHistory(workflowId, runId) {
  const events = [];
  let after = 0;
  for (let page = 0; page < HISTORY_PAGES; page++) {
    const reply = await api('GET', workflowPath(workflowId) + '/history' + query({ runId, after, limit: HISTORY_PAGE }));
    events.push(...reply.data.events);
    if (reply.data.events.length < HISTORY_PAGE) return { events, complete: true };
    after = reply.data.nextEventId - 1;
  }
  return { events, complete: false };
}

async function renderExecution(workflowId, params, view) {
  const described = await api('GET', workflowPath(workflowId) + query({ runId: params.get('runId') }));
  const run = described.data;
  // Both read the run just described, so a newer run started meanwhile does not mix in.
  const [result, history] = await Promise.all([
    api('GET', workflowPath(workflowId) + '/result' + query({ runId: run.runId, followRuns: 'false' })),
    loadHistory(workflowId, run.runId),
  ]);
  const started = history.events.find((event) => event.type === 'WorkflowExecutionStarted');
  document.title = run.workflowId + ' \u00b7 Duro';
  view.append(
    h('p', {}, h('a', { href: '#/workflows' }, '\u2190 All executions')),
    h('h2', {}, 'Workflow ', h('code', {}, run.workflowId), ' ', statusBadge(run.status)),
    runSummary(run),
    h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => render() }, 'Refresh')),
    section('Input', pre(started ? started.input : undefined)),
    outcomeSection(run, result.data),
    pendingActivities(run.pendingActivities || []),
    pendingTimers(run.pendingTimers || []),
    childrenSection(run.pendingChildren || [], history.events),
    actionsSection(run),
    timelineSection(history.events, history.complete),
  );
}

function runSummary(run) {
  const rows = [
    ['Type', run.workflowType],
    ['Run ID', h('code', {}, run.runId)],
    ['Started', fmtTime(run.startTime)],
    ['Closed', run.closeTime ? fmtTime(run.closeTime) : 'not yet'],
    ['Duration', run.closeTime ? fmtDuration(run.closeTime - run.startTime) : fmtDuration(Date.now() - run.startTime) + ' so far'],
    ['History length', String(run.historyLength)],
  ];
  if (run.paused) rows.push(['Paused', 'yes: no activity or timer runs until it is unpaused']);
  if (run.blockedReason) rows.push(['Blocked', h('pre', { class: 'blocked', role: 'alert' }, run.blockedReason)]);
  if (run.memo && Object.keys(run.memo).length) rows.push(['Memo', pre(run.memo)]);
  if (run.searchAttributes && Object.keys(run.searchAttributes).length) rows.push(['Search attributes', pre(run.searchAttributes)]);
  return h('dl', { class: 'summary' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]));
}

function failureView(failure, depth) {
  if (!failure) return null;
  return h('div', { class: 'failure' },
    h('p', {}, h('strong', {}, failure.type), ': ', failure.message, failure.nonRetryable ? ' (non-retryable)' : ''),
    failure.details !== undefined ? pre(failure.details) : null,
    failure.stack ? h('details', {}, h('summary', {}, 'Stack'), h('pre', {}, failure.stack)) : null,
    failure.cause && (depth || 0) < 8 ? [h('p', { class: 'cause' }, 'Caused by'), failureView(failure.cause, (depth || 0) + 1)] : null);
}

function outcomeSection(run, result) {
  if (result.status === 'running') return section('Result', h('p', { class: 'empty' }, 'Still running.'));
  if (result.status === 'completed') return section('Result', pre(result.result));
  if (result.status === 'continuedAsNew') {
    return section('Result', h('p', {}, 'Continued as new: ', result.newRunId ? h('a', { href: executionHref(run.workflowId, result.newRunId) }, 'the next run') : 'next run'));
  }
  return section('Failure', failureView(result.failure));
}

function pendingActivities(activities) {
  const rows = activities.map((activity) => h('tr', { 'data-activity-id': activity.activityId },
    h('td', {}, activity.activityId),
    h('td', {}, activity.activityType),
    h('td', {}, activity.state),
    h('td', {}, String(activity.attempt)),
    h('td', {}, activity.lastFailure ? activity.lastFailure.type + ': ' + activity.lastFailure.message : '', attemptFailures(activity.attemptFailures))));
  return section('Pending activities', table('Pending activities', ['Activity ID', 'Type', 'State', 'Attempt', 'Last failure'], rows, 'No pending activities.'));
}

// Why each earlier attempt failed (history keeps only the final attempt): a list under the last failure.
function attemptFailures(failures) {
  if (!failures || failures.length < 2) return '';
  return h('details', { class: 'attempt-failures' },
    h('summary', {}, 'Every attempt (' + failures.length + ')'),
    h('ol', {}, ...failures.map((failure) => h('li', { value: String(failure.attempt) },
      'attempt ' + failure.attempt + ', ' + fmtTime(failure.at) + ': ' + failure.type + ': ' + failure.message))));
}

function pendingTimers(timers) {
  const rows = timers.map((timer) => h('tr', { 'data-timer-id': timer.timerId },
    h('td', {}, timer.timerId),
    h('td', {}, fmtTime(timer.fireAt)),
    h('td', {}, fmtDuration(timer.fireAt - Date.now()))));
  return section('Pending timers', table('Pending timers', ['Timer ID', 'Fires at', 'Fires in'], rows, 'No pending timers.'));
}

/** Every child the history started (with how it closed), plus pending ones the history does not name yet. */
function childrenSection(pending, events) {
  const bySeq = new Map();
  for (const event of events) {
    if (event.type === 'ChildWorkflowInitiated') bySeq.set(event.seq, { workflowType: event.workflowType, workflowId: (event.options || {}).workflowId, status: 'starting' });
    const child = bySeq.get(event.seq);
    if (!child) continue;
    if (event.type === 'ChildWorkflowStarted') Object.assign(child, { workflowId: event.workflowId, runId: event.runId, status: 'running' });
    if (event.type === 'ChildWorkflowStartFailed') Object.assign(child, { workflowId: event.workflowId, status: 'start failed' });
    if (event.type === 'ChildWorkflowClosed') Object.assign(child, { runId: event.runId, status: event.status });
  }
  const children = [...bySeq.values()];
  for (const child of pending) if (!children.some((known) => known.workflowId === child.workflowId)) children.push(Object.assign({ status: 'running' }, child));
  const rows = children.map((child) => h('tr', {},
    h('td', {}, child.workflowId ? h('a', { href: executionHref(child.workflowId, child.runId) }, child.workflowId) : ''),
    h('td', {}, child.workflowType || ''),
    h('td', {}, child.status)));
  return section('Children', table('Child workflows', ['Workflow ID', 'Type', 'Status'], rows, 'No child workflows.'));
}

/** Signal, update and query arguments: empty for none, else JSON (an array of arguments, or one value). */
function parseArgs(text) {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch (error) {
    throw new Error('Arguments must be JSON (an array of arguments, or one value): ' + error.message);
  }
}

/** A form whose submit runs run(values); what run returns is shown in the form's output, a failure as an alert. */
function actionForm(key, title, fields, submitLabel, run, danger) {
  const output = h('output', { class: 'output', 'aria-live': 'polite' });
  const controls = {};
  const rendered = fields.map((spec) => {
    const attributes = { name: spec.name, placeholder: spec.placeholder, required: spec.required, autocomplete: 'off', spellcheck: 'false' };
    const control = spec.multiline ? h('textarea', Object.assign({ rows: 2 }, attributes)) : h('input', attributes);
    controls[spec.name] = control;
    return field(spec.label, control);
  });
  const button = h('button', { type: 'submit', class: danger ? 'danger' : undefined }, submitLabel);
  const submit = async (event) => {
    event.preventDefault();
    button.disabled = true;
    output.replaceChildren();
    try {
      const values = {};
      for (const [name, control] of Object.entries(controls)) values[name] = control.value;
      const shown = await run(values);
      if (shown) output.replaceChildren(shown);
    } catch (error) {
      output.replaceChildren(h('span', { class: 'error', role: 'alert' }, errorMessage(error)));
    } finally {
      button.disabled = false;
    }
  };
  return h('form', { class: 'action', 'aria-label': title, 'data-action': key, onsubmit: submit }, h('h4', {}, title), rendered, button, output);
}

function actionsSection(run) {
  const path = workflowPath(run.workflowId);
  const isRunning = run.status === 'running';
  const nameField = (label) => ({ name: 'name', label, required: true });
  const argsField = { name: 'args', label: 'Arguments (JSON)', multiline: true, placeholder: 'e.g. {"sku":"a","qty":2} or [1, "two"]' };
  const withArgs = (text) => {
    const args = parseArgs(text);
    return args === undefined ? {} : { args };
  };
  const forms = [
    actionForm('query', 'Query', [nameField('Query name'), argsField], 'Run query', async (values) => {
      const reply = await api('POST', path + '/queries/' + encodeURIComponent(values.name.trim()), withArgs(values.args));
      return pre(reply.data.result);
    }),
  ];
  if (isRunning) {
    forms.unshift(actionForm('signal', 'Signal', [nameField('Signal name'), argsField], 'Send signal', async (values) => {
      const name = values.name.trim();
      await api('POST', path + '/signals/' + encodeURIComponent(name), withArgs(values.args));
      flash('Signal ' + name + ' sent to ' + run.workflowId + '.');
      await render();
    }));
    forms.push(
      actionForm('update', 'Update', [nameField('Update name'), argsField], 'Send update', async (values) => {
        const name = values.name.trim();
        const reply = await api('POST', path + '/updates/' + encodeURIComponent(name), withArgs(values.args));
        // The update is in history now: render again (as after a signal), with its outcome in the flash.
        flash('Update ' + name + ' answered ', h('code', {}, JSON.stringify(reply.data.outcome)), '.');
        await render();
      }),
      actionForm('cancel', 'Cancel', [{ name: 'reason', label: 'Reason' }], 'Request cancellation', async (values) => {
        await api('POST', path + '/cancel', values.reason.trim() ? { reason: values.reason.trim() } : {});
        flash('Cancellation of ' + run.workflowId + ' requested.');
        await render();
      }, true),
      actionForm('terminate', 'Terminate', [{ name: 'reason', label: 'Reason' }], 'Terminate', async (values) => {
        await api('POST', path + '/terminate', values.reason.trim() ? { reason: values.reason.trim() } : {});
        flash(run.workflowId + ' terminated.');
        await render();
      }, true),
    );
  }
  return section('Actions', h('div', { class: 'actions' }, forms));
}
`;
