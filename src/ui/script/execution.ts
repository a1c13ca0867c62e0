// Browser code of the web UI, part 3: #/workflows/<id>, one execution (describe, result, timeline chart, pending
// work, children, log lines) and the action forms: signal, query, update, pause, unpause, reset, cancel, terminate (the run
// routes of docs/api.md), offering the names of the run's handlers (the built-in __duro_workflow_metadata query).
export const EXECUTION_JS = String.raw`
const HISTORY_PAGE = 1000;
const HISTORY_PAGES = 10;
const LIVE_REFRESH_MS = 3000;

/** The last run whose history was read in full: a refresh reads only what was recorded since (events never change). */
let historyCache = { runId: undefined, events: [] };

/**
 * The run's history: the cache and what follows it, read HISTORY_PAGES pages at most per call (pages read, not events
 * held: a cached history of that size still reads what was recorded since).
 */
async function loadHistory(workflowId, runId) {
  const cached = historyCache.runId === runId;
  const events = cached ? historyCache.events.slice() : [];
  let after = events.length > 0 ? events[events.length - 1].eventId : 0;
  for (let pages = 0; pages < HISTORY_PAGES; pages++) {
    const reply = await api('GET', workflowPath(workflowId) + '/history' + query({ runId, after, limit: HISTORY_PAGE }));
    events.push(...reply.data.events);
    if (reply.data.events.length < HISTORY_PAGE) {
      historyCache = { runId, events: events.slice() };
      return { events, complete: true };
    }
    after = reply.data.nextEventId - 1;
  }
  return { events, complete: false };
}

async function renderExecution(workflowId, params, view) {
  const described = await api('GET', workflowPath(workflowId) + query({ runId: params.get('runId') }));
  const run = described.data;
  // Both read the run just described, so a newer run started meanwhile does not mix in.
  const [result, history, handlers, logs] = await Promise.all([
    api('GET', workflowPath(workflowId) + '/result' + query({ runId: run.runId, followRuns: 'false' })),
    loadHistory(workflowId, run.runId),
    handlerNames(run),
    loadLogs(run),
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
    timelineChartSection(run, history.events, history.complete),
    pendingActivities(run.pendingActivities || []),
    pendingTimers(run.pendingTimers || []),
    childrenSection(run.pendingChildren || [], history.events),
    logsSection(logs),
    actionsSection(run, handlers),
    timelineSection(history.events, history.complete),
  );
  refreshWhileOpen(run);
}

/**
 * While the run is open its view renders again every few seconds (new events, pending work, status), unless you are
 * using it: a form field focused or filled in, or an event opened. A newer render or another route stops it.
 */
function refreshWhileOpen(run) {
  if (run.status !== 'running') return;
  const hash = location.hash;
  const seq = renderSeq;
  setTimeout(() => {
    if (location.hash !== hash || renderSeq !== seq) return;
    if (usingThePage()) refreshWhileOpen(run);
    else render();
  }, LIVE_REFRESH_MS);
}

function usingThePage() {
  const active = document.activeElement;
  if (active && active.closest && active.closest('form')) return true;
  for (const control of document.querySelectorAll('form.action input, form.action textarea')) if (control.value) return true;
  return document.querySelector('#view details[open]') !== null;
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

/** The handler names last read, and the run and history length they were read at. */
let handlersCache = { runId: undefined, historyLength: -1, names: undefined };

/**
 * The run's handler names, or undefined when its code cannot be asked (the built-in metadata query runs the
 * workflow's code, replayed if not in memory).
 * Handlers change only in an activation, which grows the history: a refresh that finds the same length asks nothing.
 */
async function handlerNames(run) {
  if (handlersCache.runId === run.runId && handlersCache.historyLength === run.historyLength) return handlersCache.names;
  let names;
  try {
    const reply = await api('POST', workflowPath(run.workflowId) + '/queries/__duro_workflow_metadata' + query({ runId: run.runId }), {});
    const definition = reply.data.result.definition;
    const of = (list) => list.map((entry) => entry.name);
    names = { signal: of(definition.signalDefinitions), query: of(definition.queryDefinitions), update: of(definition.updateDefinitions) };
  } catch (error) {
    names = undefined;
  }
  handlersCache = { runId: run.runId, historyLength: run.historyLength, names };
  return names;
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
    const listId = spec.options ? 'names-' + key : undefined;
    const attributes = { name: spec.name, type: spec.type, placeholder: spec.placeholder, required: spec.required, autocomplete: 'off', spellcheck: 'false', list: listId };
    const control = spec.multiline ? h('textarea', Object.assign({ rows: 2 }, attributes)) : h('input', attributes);
    controls[spec.name] = control;
    const options = spec.options ? h('datalist', { id: listId }, spec.options.map((name) => h('option', { value: name }))) : undefined;
    return field(spec.label, h('span', {}, control, options));
  });
  const button = h('button', { type: 'submit', class: danger ? 'danger' : undefined }, submitLabel);
  // A dangerous action asks once more: the first press arms it, the second (within 10 s) acts.
  let armedUntil = 0;
  const submit = async (event) => {
    event.preventDefault();
    if (danger && Date.now() > armedUntil) {
      armedUntil = Date.now() + 10000;
      button.textContent = 'Confirm: ' + submitLabel.toLowerCase();
      output.replaceChildren(h('span', { role: 'status' }, 'Press again to ' + submitLabel.toLowerCase() + ' ' + title.toLowerCase() + ': this cannot be undone.'));
      return;
    }
    armedUntil = 0;
    button.textContent = submitLabel;
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

function actionsSection(run, handlers) {
  const path = workflowPath(run.workflowId);
  const isRunning = run.status === 'running';
  const nameField = (label, kind) => ({ name: 'name', label, required: true, options: handlers && handlers[kind] });
  const argsField = { name: 'args', label: 'Arguments (JSON)', multiline: true, placeholder: 'e.g. {"sku":"a","qty":2} or [1, "two"]' };
  const reasonField = { name: 'reason', label: 'Reason' };
  const withArgs = (text) => {
    const args = parseArgs(text);
    return args === undefined ? {} : { args };
  };
  const withReason = (values) => (values.reason.trim() ? { reason: values.reason.trim() } : {});
  const forms = [
    actionForm('query', 'Query', [nameField('Query name', 'query'), argsField], 'Run query', async (values) => {
      const reply = await api('POST', path + '/queries/' + encodeURIComponent(values.name.trim()), withArgs(values.args));
      return pre(reply.data.result);
    }),
  ];
  if (isRunning) {
    forms.unshift(actionForm('signal', 'Signal', [nameField('Signal name', 'signal'), argsField], 'Send signal', async (values) => {
      const name = values.name.trim();
      await api('POST', path + '/signals/' + encodeURIComponent(name), withArgs(values.args));
      // Still sent, as in Temporal: the run keeps it until a handler of that name is set (or a default one takes it).
      const unknown = handlers && handlers.signal.indexOf(name) < 0;
      flash('Signal ' + name + ' sent to ' + run.workflowId + '.', unknown ? h('span', { class: 'warning', 'data-unknown-signal': name }, ' No handler named ' + name + ' is set now: the run keeps the signal until one is.') : '');
      await render();
    }));
    forms.push(
      actionForm('update', 'Update', [nameField('Update name', 'update'), argsField], 'Send update', async (values) => {
        const name = values.name.trim();
        const reply = await api('POST', path + '/updates/' + encodeURIComponent(name), withArgs(values.args));
        // The update is in history now: render again (as after a signal), with its outcome in the flash.
        flash('Update ' + name + ' answered ', h('code', {}, JSON.stringify(reply.data.outcome)), '.');
        await render();
      }),
      run.paused
        ? actionForm('unpause', 'Unpause', [], 'Unpause', async () => {
          await api('POST', path + '/unpause', {});
          flash(run.workflowId + ' unpaused.');
          await render();
        })
        : actionForm('pause', 'Pause', [reasonField], 'Pause', async (values) => {
          await api('POST', path + '/pause', withReason(values));
          flash(run.workflowId + ' paused: no activity is sent and no timer fires until it is unpaused.');
          await render();
        }),
      actionForm('cancel', 'Cancel', [reasonField], 'Request cancellation', async (values) => {
        await api('POST', path + '/cancel', withReason(values));
        flash('Cancellation of ' + run.workflowId + ' requested.');
        await render();
      }, true),
      actionForm('terminate', 'Terminate', [reasonField], 'Terminate', async (values) => {
        await api('POST', path + '/terminate', withReason(values));
        flash(run.workflowId + ' terminated.');
        await render();
      }, true),
    );
  }
  forms.push(actionForm('reset', 'Reset', [{ name: 'eventId', label: 'To the end of activation (a WorkflowTaskCompleted event id)', type: 'number', required: true }, reasonField], 'Reset', async (values) => {
    const reply = await api('POST', path + '/reset', Object.assign({ eventId: Number(values.eventId) }, withReason(values)));
    flash(run.workflowId + ' reset: a new run re-runs it from event ' + values.eventId + '.');
    location.hash = '#/workflows/' + encodeURIComponent(run.workflowId) + '?runId=' + encodeURIComponent(reply.data.runId);
  }, true));
  return section('Actions', h('div', { class: 'actions' }, forms));
}
`;
