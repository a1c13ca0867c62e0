// Browser code of the web UI, part 5: #/schedules, every schedule with its calendar, next runs and last action,
// and buttons to pause, unpause and trigger it (the /v1/schedules routes; docs/schedules.md).
export const SCHEDULES_JS = String.raw`
async function renderSchedules(view) {
  const reply = await api('GET', '/v1/schedules');
  document.title = 'Schedules \u00b7 Duro';
  view.append(
    h('h2', {}, 'Schedules'),
    table('Schedules', ['Schedule ID', 'Workflow type', 'Calendar', 'Overlap', 'State', 'Actions run', 'Last action', 'Next runs', 'Do'],
      reply.data.schedules.map(scheduleRow),
      'No schedules yet: create one with POST /v1/schedules or duro schedule create.'),
  );
}

function calendarText(spec) {
  const parts = [];
  if (spec.cron) parts.push('cron ' + spec.cron);
  if (spec.everyMs) parts.push('every ' + fmtDuration(spec.everyMs));
  if (spec.timezone && spec.timezone !== 'UTC') parts.push('in ' + spec.timezone);
  if (spec.jitterMs) parts.push('jitter ' + fmtDuration(spec.jitterMs));
  if (spec.startAt) parts.push('from ' + fmtTime(spec.startAt));
  if (spec.endAt) parts.push('until ' + fmtTime(spec.endAt));
  return parts.join(', ');
}

function scheduleButton(schedule, operation, label) {
  const id = schedule.scheduleId;
  const button = h('button', { type: 'button', 'aria-label': label + ' schedule ' + id, 'data-schedule-action': operation, class: 'secondary' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const reply = await api('POST', '/v1/schedules/' + encodeURIComponent(id) + '/' + operation);
      if (operation === 'trigger') flash('Triggered ' + id + ': started ', h('a', { href: executionHref(reply.data.workflowId) }, reply.data.workflowId), '.');
      else flash((operation === 'pause' ? 'Paused ' : 'Unpaused ') + id + '.');
      await render();
    } catch (error) {
      flashError(error);
      button.disabled = false;
    }
  });
  return button;
}

function scheduleRow(schedule) {
  const state = schedule.state || {};
  const counts = [String(state.actions || 0)];
  if (state.skippedOverlap) counts.push(state.skippedOverlap + ' skipped (overlap)');
  if (state.missedCatchup) counts.push(state.missedCatchup + ' missed (catch-up)');
  const last = state.lastAction;
  const next = schedule.nextRunTimes || [];
  return h('tr', { 'data-schedule-id': schedule.scheduleId },
    h('td', {}, schedule.scheduleId),
    h('td', {}, schedule.workflowType),
    h('td', {}, calendarText(schedule.spec || {})),
    h('td', {}, schedule.overlap),
    h('td', { class: 'state' }, schedule.paused ? 'paused' : 'active'),
    h('td', {}, counts.join(', ')),
    h('td', {}, last ? [h('a', { href: executionHref(last.workflowId) }, last.workflowId), h('br'), fmtTime(last.startedAt)] : 'none'),
    h('td', {}, next.length ? h('ol', { class: 'next-runs' }, next.map((time) => h('li', {}, fmtTime(time)))) : (schedule.paused ? 'none while paused' : 'none')),
    h('td', { class: 'buttons' },
      schedule.paused ? scheduleButton(schedule, 'unpause', 'Unpause') : scheduleButton(schedule, 'pause', 'Pause'),
      scheduleButton(schedule, 'trigger', 'Trigger now')));
}
`;
