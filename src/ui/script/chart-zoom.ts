// Browser code of the web UI, timeline chart 3/4: zoom and axis. At zoom z the track is z times the width it has
// when the whole run fits, and the chart scrolls; the axis labels only the ticks in and near the view, at a step
// that keeps them about CHART_TICK_PX apart, so it labels finer as you zoom in.
export const CHART_ZOOM_JS = String.raw`
/** The track's width in pixels at a zoom (the scroller's width less the labels, times the zoom). */
function chartTrackPx(chart, zoom) {
  const width = chart.scroller.clientWidth || 1000;
  return Math.max(1, zoom * (width - CHART_LABEL_PX) - 2 * CHART_INSET_PX);
}

function chartMaxZoom(chart) {
  return Math.max(1, Math.min(CHART_MAX_ZOOM, chart.spanMs / 4));
}

/** Sets the zoom, keeping the time at anchorX (pixels from the scroller's left edge; default the middle) in place. */
function setChartZoom(chart, zoom, anchorX) {
  const next = Math.min(chartMaxZoom(chart), Math.max(1, zoom));
  const previous = chartState.zoom;
  const width = chart.scroller.clientWidth;
  const x = anchorX === undefined ? CHART_LABEL_PX + (width - CHART_LABEL_PX) / 2 : Math.max(anchorX, CHART_LABEL_PX);
  const fraction = width ? (chart.scroller.scrollLeft + x - CHART_LABEL_PX - CHART_INSET_PX) / chartTrackPx(chart, previous) : 0;
  chartState.zoom = next;
  // The canvas is the labels plus zoom times the rest of the scroller: calc() needs no measuring before layout.
  chart.canvas.style.width = next === 1 ? '' : 'calc(' + next * 100 + '% - ' + (next - 1) * CHART_LABEL_PX + 'px)';
  chart.zoomLevel.textContent = next === 1 ? 'whole run' : '\u00d7' + (next < 10 ? Math.round(next * 10) / 10 : Math.round(next));
  if (width) chart.scroller.scrollLeft = fraction * chartTrackPx(chart, next) + CHART_LABEL_PX + CHART_INSET_PX - x;
  rememberChartScroll(chart);
  drawChartAxis(chart);
}

function rememberChartScroll(chart) {
  const scroller = chart.scroller;
  if (!scroller.isConnected || !scroller.clientWidth) return;
  chartState.leftMs = chart.model.startMs + ((scroller.scrollLeft - CHART_INSET_PX) / chartTrackPx(chart, chartState.zoom)) * chart.spanMs;
  chartState.atEnd = chartState.zoom > 1 && scroller.scrollLeft + scroller.clientWidth >= scroller.scrollWidth - 2;
}

/** After a refresh: the same time at the left edge, or still the end (an open run's end moves on). */
function restoreChartScroll(chart) {
  drawChartAxis(chart);
  const scroller = chart.scroller;
  if (chartState.zoom === 1) return;
  if (chartState.atEnd) scroller.scrollLeft = scroller.scrollWidth;
  else if (chartState.leftMs !== undefined) scroller.scrollLeft = ((chartState.leftMs - chart.model.startMs) / chart.spanMs) * chartTrackPx(chart, chartState.zoom) + CHART_INSET_PX;
  drawChartAxis(chart);
}

function chartScrolled(chart) {
  rememberChartScroll(chart);
  if (chart.axisFrame) return;
  chart.axisFrame = requestAnimationFrame(() => {
    chart.axisFrame = 0;
    drawChartAxis(chart);
  });
}

/** Ctrl (or Cmd) + wheel zooms around the pointer; a plain wheel scrolls as usual. */
function chartWheel(chart, event) {
  if (!event.ctrlKey && !event.metaKey) return;
  event.preventDefault();
  const x = event.clientX - chart.scroller.getBoundingClientRect().left;
  setChartZoom(chart, chartState.zoom * (event.deltaY < 0 ? 1.25 : 0.8), x);
}

/** + and - zoom, 0 fits; the arrows move between bars (up and down) and along the messages (left and right). */
function chartKey(chart, event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '+' || event.key === '=') setChartZoom(chart, chartState.zoom * 2);
  else if (event.key === '-') setChartZoom(chart, chartState.zoom / 2);
  else if (event.key === '0') setChartZoom(chart, 1);
  else if (/^Arrow(Up|Down|Left|Right)$/.test(event.key)) {
    const items = [...chart.items.values()];
    const at = items.indexOf(document.activeElement);
    if (at < 0) return;
    const vertical = event.key === 'ArrowUp' || event.key === 'ArrowDown';
    const step = event.key === 'ArrowUp' || event.key === 'ArrowLeft' ? -1 : 1;
    let next = at + step;
    // Up and down skip the other marks of the messages lane: one press, one lane.
    if (vertical) while (items[next] && items[next].classList.contains('mark') && items[at].classList.contains('mark')) next += step;
    if (!items[next]) return;
    items[next].focus();
    items[next].scrollIntoView({ block: 'nearest', inline: 'nearest' });
  } else return;
  event.preventDefault();
}

function chartTickStep(rawMs) {
  for (const step of CHART_TICK_STEPS_MS) if (step >= rawMs) return step;
  return Math.ceil(rawMs / 86400000) * 86400000;
}

/** A tick's label: T+1.5s, T+2m30s, T+1h, T+2d6h. */
function fmtTick(ms) {
  if (ms === 0) return 'T+0';
  if (ms < 1000) return 'T+' + ms + 'ms';
  if (ms < 60000) return 'T+' + Math.round(ms) / 1000 + 's';
  const units = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]];
  let rest = ms;
  let text = '';
  for (const [unit, size] of units) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count) text += count + unit;
  }
  return 'T+' + text;
}

/** The axis ticks and the grid lines, for the part of the run in and near the view. */
function drawChartAxis(chart) {
  const trackPx = chartTrackPx(chart, chartState.zoom);
  const step = chartTickStep((chart.spanMs * CHART_TICK_PX) / trackPx);
  const viewPx = chart.scroller.clientWidth || 1000;
  const fromPx = Math.max(0, chart.scroller.scrollLeft - viewPx);
  const toPx = chart.scroller.scrollLeft + 2 * viewPx;
  const first = Math.max(0, Math.floor(((fromPx / trackPx) * chart.spanMs) / step) * step);
  const last = Math.min(chart.spanMs, ((toPx / trackPx) * chart.spanMs));
  const key = [step, first, last, trackPx].join(' ');
  if (chart.ticksFor === key) return;
  chart.ticksFor = key;
  const labels = [];
  const lines = [];
  for (let ms = first; ms <= last + 0.5; ms += step) {
    const percent = (ms / chart.spanMs) * 100;
    const label = h('span', { class: 'tick-label' + (ms === 0 ? ' first' : '') + (chart.spanMs - ms < step / 2 && ms !== 0 ? ' last' : '') }, fmtTick(ms));
    label.style.left = percent + '%';
    labels.push(label);
    const line = h('span', { class: 'grid-line' });
    line.style.left = percent + '%';
    lines.push(line);
  }
  if (chart.model.isOpen) {
    const now = h('span', { class: 'grid-line now-line', title: 'now' });
    now.style.left = '100%';
    lines.push(now);
  }
  chart.axis.replaceChildren(...labels);
  chart.grid.replaceChildren(...lines);
}

/** Runs fn once the element is in the page (a view is built off-screen, then swapped in). */
function whenConnected(element, fn) {
  let tries = 20;
  const check = () => {
    if (element.isConnected) fn();
    else if (--tries > 0) requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
}

/** The bar or mark that has the focus now, if any, so the next render can give it back. */
function focusedChartKey() {
  const active = document.activeElement;
  return active && active.getAttribute ? active.getAttribute('data-chart-key') || undefined : undefined;
}
`;
