// Browser code of the web UI, timeline chart 2/4: the chart of a run, above its history table: a time axis from the
// start to the close (or now), a lane a bar for each activity, timer, child and update, the messages as marks; zoom
// (buttons, + and -, Ctrl+wheel) with horizontal scrolling; every bar and mark a button that opens its events.
// Positions are percentages set through element.style (CSSOM, which the page's CSP allows; a style attribute it
// would block). Zoom, scroll and the opened details live in chartState, so the 3 s refresh keeps them.
export const CHART_JS = String.raw`
/** Width of the lane labels, as in the stylesheet (--lane-label); the track is the rest. */
const CHART_LABEL_PX = 260;
/** Room at each end of a track, as in the stylesheet (.lane-inner): a mark at the very start or end stays whole. */
const CHART_INSET_PX = 8;
const CHART_MAX_ZOOM = 1024;
const CHART_TICK_PX = 110;
const CHART_TICK_STEPS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 15000, 30000, 60000, 120000, 300000,
  600000, 900000, 1800000, 3600000, 7200000, 10800000, 21600000, 43200000, 86400000, 172800000, 604800000, 2592000000];

/** What survives a render of the same run: zoom, where the view is scrolled to, the open details. */
const chartState = { runKey: '', zoom: 1, leftMs: undefined, atEnd: false, selected: undefined };

function timelineChartSection(run, events, complete) {
  const runKey = run.workflowId + '\n' + run.runId;
  if (chartState.runKey !== runKey) Object.assign(chartState, { runKey, zoom: 1, leftMs: undefined, atEnd: false, selected: undefined });
  const model = chartModel(run, events, Date.now());
  const chart = { model, spanMs: Math.max(1, model.endMs - model.startMs), items: new Map(), rows: [], ticksFor: '' };
  chart.details = h('div', { id: 'timeline-details', class: 'chart-details', 'aria-live': 'polite' });
  chart.grid = h('div', { class: 'chart-grid', 'aria-hidden': 'true' });
  chart.axis = h('div', { class: 'lane-inner' });
  chart.zoomLevel = h('output', { class: 'zoom-level', 'aria-live': 'polite' });
  chart.rows.push(laneRow(chart, model.runLane));
  if (model.marks.length) chart.rows.push(messagesRow(chart));
  for (const lane of model.lanes) chart.rows.push(laneRow(chart, lane));
  chart.canvas = h('div', { class: 'chart-canvas' },
    chart.grid,
    h('div', { class: 'chart-row chart-axis' }, h('div', { class: 'lane-label' }, h('span', { class: 'lane-status' }, 'T+ since the start')), h('div', { class: 'lane-track' }, chart.axis)),
    chart.rows);
  chart.scroller = h('div', { class: 'chart-scroll', role: 'group', 'aria-label': 'Timeline chart: one lane per activity, timer, child workflow and update', onscroll: () => chartScrolled(chart), onkeydown: (event) => chartKey(chart, event) }, chart.canvas);
  chart.scroller.addEventListener('wheel', (event) => chartWheel(chart, event), { passive: false });
  setChartZoom(chart, chartState.zoom);
  if (chartState.selected && !chart.items.has(chartState.selected)) chartState.selected = undefined;
  showChartDetails(chart);
  const focusKey = focusedChartKey();
  whenConnected(chart.scroller, () => {
    restoreChartScroll(chart);
    const item = focusKey && chart.items.get(focusKey);
    if (item && (!document.activeElement || document.activeElement === document.body)) item.focus({ preventScroll: true });
  });
  return section('Timeline',
    chartToolbar(chart),
    complete ? null : h('p', { class: 'flash error' }, 'Drawn from the first ' + events.length + ' events only.'),
    h('div', { class: 'chart' }, chart.scroller),
    model.moreLanes ? h('p', { class: 'hint', 'data-more-lanes': model.moreLanes }, model.moreLanes + ' more lanes are not drawn: the history below lists their events.') : null,
    model.moreMarks ? h('p', { class: 'hint' }, model.moreMarks + ' more messages are not drawn.') : null,
    chart.details);
}

function chartToolbar(chart) {
  const button = (label, title, onclick, key) => h('button', { type: 'button', class: 'secondary', title, 'data-zoom': key, onclick }, label);
  return h('div', { class: 'chart-toolbar' },
    h('div', { class: 'chart-zoom', role: 'group', 'aria-label': 'Zoom' },
      button('Zoom in', 'Zoom in (+, or Ctrl + wheel on the chart)', () => setChartZoom(chart, chartState.zoom * 2), 'in'),
      button('Zoom out', 'Zoom out (-)', () => setChartZoom(chart, chartState.zoom / 2), 'out'),
      button('Fit', 'Show the whole run (0)', () => setChartZoom(chart, 1), 'fit'),
      chart.zoomLevel),
    chartLegend(chart.model));
}

/** The colours and shapes this chart uses, in words. */
function chartLegend(model) {
  const lanes = [model.runLane, ...model.lanes];
  const outcomes = new Set(lanes.map((lane) => lane.outcome));
  const ticks = new Set(lanes.flatMap((lane) => lane.ticks.map((tick) => tick.kind)));
  if (lanes.some((lane) => lane.segments.length)) outcomes.add('backoff');
  const marks = new Set(model.marks.map((mark) => mark.kind));
  const item = (className, text) => h('li', {}, h('span', { class: className, 'aria-hidden': 'true' }), text);
  return h('ul', { class: 'legend', 'aria-label': 'Legend' },
    Object.entries(LANE_OUTCOMES).filter(([outcome]) => outcomes.has(outcome)).map(([outcome, text]) => item('swatch o-' + outcome, text)),
    ticks.has('attempt') ? item('swatch tick-swatch', 'Attempt failed') : null,
    ticks.has('cancel') ? item('swatch tick-swatch t-cancel', 'Activity cancellation requested') : null,
    Object.entries(MARK_KINDS).filter(([kind]) => marks.has(kind)).map(([kind, text]) => item('swatch-mark m-' + kind, text)));
}

/** A lane: its label (a link to the child's view for a child) and its bar, a button that opens its events. */
function laneRow(chart, lane) {
  const name = lane.kind === 'child' && lane.workflowId
    ? h('a', { class: 'lane-name', href: executionHref(lane.workflowId, lane.runId), 'data-child-link': lane.workflowId }, lane.label)
    : h('span', { class: 'lane-name' }, lane.label);
  const status = laneStatusText(lane);
  const bar = h('button', {
    type: 'button', class: 'bar o-' + lane.outcome, 'data-outcome': lane.outcome, 'data-chart-key': lane.key,
    'aria-label': lane.title + ': ' + status + ', from T+' + fmtDuration(lane.startMs - chart.model.startMs) + (lane.outcome === 'running' ? ' to now' : ' to T+' + fmtDuration(lane.endMs - chart.model.startMs)),
    title: lane.title + '\n' + status, 'aria-controls': 'timeline-details', onclick: () => selectChartItem(chart, lane.key),
  });
  placeSpan(bar, chart, lane.startMs, lane.endMs);
  const laneSpan = Math.max(1, lane.endMs - lane.startMs);
  const within = (ms) => Math.min(100, Math.max(0, ((ms - lane.startMs) / laneSpan) * 100)) + '%';
  for (const segment of lane.segments) {
    const part = h('span', { class: 'segment seg-' + segment.kind, title: segment.title });
    part.style.left = within(segment.fromMs);
    part.style.right = (100 - parseFloat(within(segment.toMs))) + '%';
    bar.append(part);
  }
  for (const tick of lane.ticks) {
    const mark = h('span', { class: 'bar-tick t-' + tick.kind, title: tick.title });
    mark.style.left = within(tick.atMs);
    bar.append(mark);
  }
  chart.items.set(lane.key, bar);
  return h('div', { class: 'chart-row lane-' + lane.kind, 'data-lane-key': lane.key, 'data-lane-kind': lane.kind, 'data-lane-label': lane.label },
    h('div', { class: 'lane-label', title: lane.title + '\n' + status },
      h('span', { class: 'lane-kind' }, lane.kind === 'run' ? 'workflow' : lane.kind), name,
      h('span', { class: 'lane-status' }, status)),
    h('div', { class: 'lane-track' }, h('div', { class: 'lane-inner' }, bar)));
}

/** The messages lane: a mark for each signal, update, cancel request, marker and failed workflow task. */
function messagesRow(chart) {
  const counts = {};
  const inner = h('div', { class: 'lane-inner' });
  for (const mark of chart.model.marks) {
    counts[mark.kind] = (counts[mark.kind] || 0) + 1;
    const at = 'T+' + fmtDuration(mark.atMs - chart.model.startMs);
    const button = h('button', {
      type: 'button', class: 'mark m-' + mark.kind, 'data-mark-kind': mark.kind, 'data-chart-key': mark.key,
      'aria-label': MARK_KINDS[mark.kind] + ' at ' + at + ': ' + summarize(mark.event), title: MARK_KINDS[mark.kind] + ' at ' + at + '\n' + summarize(mark.event),
      'aria-controls': 'timeline-details', onclick: () => selectChartItem(chart, mark.key),
    });
    button.style.left = chartPercent(chart, mark.atMs) + '%';
    chart.items.set(mark.key, button);
    inner.append(button);
  }
  const summary = Object.entries(counts).map(([kind, count]) => count + ' ' + MARK_COUNTED[kind][count === 1 ? 0 : 1]).join(', ');
  return h('div', { class: 'chart-row lane-messages', 'data-lane-key': 'messages', 'data-lane-kind': 'messages', 'data-lane-label': 'Messages' },
    h('div', { class: 'lane-label', title: summary }, h('span', { class: 'lane-kind' }, 'messages'), h('span', { class: 'lane-name' }, 'Messages'), h('span', { class: 'lane-status' }, summary)),
    h('div', { class: 'lane-track' }, inner));
}

function chartPercent(chart, ms) {
  return Math.min(100, Math.max(0, ((ms - chart.model.startMs) / chart.spanMs) * 100));
}

function placeSpan(element, chart, fromMs, toMs) {
  const left = chartPercent(chart, fromMs);
  element.style.left = left + '%';
  element.style.width = Math.max(0, chartPercent(chart, toMs) - left) + '%';
}
`;
