// Browser code of the web UI, timeline chart 4/4: the details under the chart: what a clicked bar or mark stands for,
// its events (type, time, time since the lane began, summary, the raw event) and, for an activity still pending,
// its attempts and why each failed (the description keeps them; history has only the final attempt).
export const CHART_DETAILS_JS = String.raw`
function selectChartItem(chart, key) {
  chartState.selected = chartState.selected === key ? undefined : key;
  showChartDetails(chart);
}

function showChartDetails(chart) {
  const key = chartState.selected;
  for (const [itemKey, item] of chart.items) item.setAttribute('aria-expanded', String(itemKey === key));
  for (const row of chart.rows) row.classList.toggle('selected', row.getAttribute('data-lane-key') === key);
  if (!key) {
    chart.details.replaceChildren(h('p', { class: 'hint' }, 'Select a bar or a mark to see its events here.'));
    return;
  }
  const model = chart.model;
  const lane = key === 'run' ? model.runLane : model.lanes.find((candidate) => candidate.key === key);
  const mark = lane ? undefined : model.marks.find((candidate) => candidate.key === key);
  const close = h('button', { type: 'button', class: 'secondary', onclick: () => selectChartItem(chart, key) }, 'Close details');
  if (mark) {
    chart.details.replaceChildren(
      h('div', { class: 'details-head' }, h('h4', {}, MARK_KINDS[mark.kind] + ' at T+' + fmtDuration(mark.atMs - model.startMs)), close),
      chartEventsTable([mark.event], model.startMs));
    return;
  }
  // h() skips the parts that do not apply (null); replaceChildren would print them.
  chart.details.replaceChildren(h('div', { class: 'details-body' },
    h('div', { class: 'details-head' }, h('h4', {}, lane.title), close),
    h('p', { class: 'lane-summary' }, laneStatusText(lane), '; from ', fmtTime(lane.startMs),
      lane.outcome === 'running' || lane.outcome === 'backoff' ? ' until now' : ' to ' + fmtTime(lane.endMs)),
    lane.kind === 'child' && lane.workflowId ? h('p', {}, h('a', { href: executionHref(lane.workflowId, lane.runId) }, 'Open child workflow ' + lane.workflowId)) : null,
    lane.kind === 'activity' && lane.attempts > 1 && !lane.pending
      ? h('p', { class: 'hint' }, 'History keeps the final attempt only: the earlier attempts failed and were retried.') : null,
    lane.pending ? pendingAttempts(lane.pending) : null,
    chartEventsTable(lane.events, model.startMs, lane.startMs)));
}

/** A pending activity's state and attempts, from the run's description. */
function pendingAttempts(activity) {
  const rows = [['State', activity.state], ['Attempt', String(activity.attempt)]];
  if (activity.lastStartedTime !== undefined) rows.push(['Attempt started', fmtTime(activity.lastStartedTime)]);
  if (activity.nextAttemptTime !== undefined) rows.push(['Next attempt', fmtTime(activity.nextAttemptTime)]);
  if (activity.lastFailure) rows.push(['Last failure', activity.lastFailure.type + ': ' + activity.lastFailure.message]);
  const failures = activity.attemptFailures || [];
  return h('div', { class: 'pending-attempts' },
    h('dl', { class: 'summary' }, rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
    failures.length ? h('ol', { class: 'attempt-list', 'aria-label': 'Failed attempts' }, failures.map((failure) => h('li', { value: String(failure.attempt), 'data-attempt': failure.attempt },
      'attempt ' + failure.attempt + ' failed at ' + fmtTime(failure.at) + ': ' + failure.type + ': ' + failure.message))) : null);
}

/** The events of a lane (with the time since the lane began, when laneStartMs is given) or of one mark. */
function chartEventsTable(events, runStartMs, laneStartMs) {
  const hasSince = laneStartMs !== undefined;
  const rows = events.map((event) => h('tr', { class: 'event ' + toneOf(event.type), 'data-detail-event': event.type },
    h('td', { class: 'num' }, String(event.eventId)),
    h('td', { class: 'etype' }, event.type),
    h('td', { class: 'num' }, h('time', { datetime: new Date(event.timestamp).toISOString(), title: fmtTime(event.timestamp) }, 'T+' + fmtDuration(event.timestamp - runStartMs))),
    hasSince ? h('td', { class: 'num' }, '+' + fmtDuration(event.timestamp - laneStartMs)) : null,
    h('td', {}, h('span', { class: 'gist' }, summarize(event)), h('details', {}, h('summary', {}, 'Event'), pre(event)))));
  const headers = hasSince ? ['#', 'Event', 'Time', 'Since its start', 'Details'] : ['#', 'Event', 'Time', 'Details'];
  return table('Events', headers, rows, 'No events.');
}
`;
