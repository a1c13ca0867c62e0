// Browser code of the web UI, timeline chart 1/4: what the chart draws, worked out from a run's history and its
// description: one lane per activity, timer, child and update (from its first event to its last, or to now while
// it is open), the run's own lane, and the messages (signals, updates, cancel requests, markers, failed workflow
// tasks) as marks. Event shapes: src/core/history.ts; the description: src/core/describe.ts.
export const CHART_LANES_JS = String.raw`
/** Lanes past this many are counted, not drawn: the chart stays usable on a 10 000-event history. */
const CHART_MAX_LANES = 300;
/** Marks on the messages lane past this many are counted, not drawn. */
const CHART_MAX_MARKS = 2000;

/** How a lane ended, as the legend names it (CSS class o-<outcome>). */
const LANE_OUTCOMES = {
  completed: 'Completed',
  failed: 'Failed',
  timedOut: 'Timed out',
  canceled: 'Canceled',
  running: 'Running',
  backoff: 'Waiting to retry',
  unclosed: 'Not closed when the run ended',
};

/** The kinds of marks on the messages lane, as the legend names them (CSS class m-<kind>). */
const MARK_KINDS = {
  signal: 'Signal',
  update: 'Update accepted',
  cancel: 'Cancel requested',
  marker: 'Marker (local activity, side effect, patch)',
  taskFailure: 'Workflow task failed',
  external: 'Signal or cancel sent to another run',
};

/** The messages lane's label counts them: one and many. */
const MARK_COUNTED = {
  signal: ['signal', 'signals'], update: ['update', 'updates'], cancel: ['cancel request', 'cancel requests'],
  marker: ['marker', 'markers'], taskFailure: ['task failure', 'task failures'], external: ['sent', 'sent'],
};

function markKindOf(event) {
  switch (event.type) {
    case 'SignalReceived': return 'signal';
    case 'UpdateAccepted': return 'update';
    case 'WorkflowExecutionCancelRequested': return 'cancel';
    case 'MarkerRecorded': return 'marker';
    case 'WorkflowTaskFailed': return 'taskFailure';
    case 'ExternalSignalInitiated': case 'ExternalCancelInitiated': return 'external';
    default: return undefined;
  }
}

/** The lane an event belongs to ({ key, opens }), or undefined for the run's own events and messages. */
function laneOf(event) {
  switch (event.type) {
    case 'ActivityTaskScheduled': return { key: 'activity:' + event.activityId, kind: 'activity', opens: true };
    case 'ActivityTaskStarted': case 'ActivityTaskCompleted': case 'ActivityTaskFailed': case 'ActivityTaskTimedOut':
    case 'ActivityTaskCancelRequested': case 'ActivityTaskCanceled':
      return { key: 'activity:' + event.activityId, kind: 'activity' };
    case 'TimerStarted': return { key: 'timer:' + event.timerId, kind: 'timer', opens: true };
    case 'TimerFired': case 'TimerCanceled': return { key: 'timer:' + event.timerId, kind: 'timer' };
    case 'ChildWorkflowInitiated': return { key: 'child:' + event.seq, kind: 'child', opens: true };
    case 'ChildWorkflowStarted': case 'ChildWorkflowStartFailed': case 'ChildWorkflowClosed': return { key: 'child:' + event.seq, kind: 'child' };
    case 'UpdateAccepted': return { key: 'update:' + event.updateId, kind: 'update', opens: true };
    case 'UpdateCompleted': return { key: 'update:' + event.updateId, kind: 'update' };
    default: return undefined;
  }
}

function newLane(key, kind, event) {
  const lane = { key, kind, startMs: event.timestamp, endMs: undefined, outcome: undefined, events: [], ticks: [], segments: [] };
  switch (event.type) {
    case 'ActivityTaskScheduled': return Object.assign(lane, { label: event.activityType + ' ' + event.activityId, title: 'Activity ' + event.activityType + ' (id ' + event.activityId + ')', attempts: 1 });
    case 'TimerStarted': return Object.assign(lane, { label: 'Timer ' + event.timerId + ' (' + fmtDuration(event.durationMs) + ')', title: 'Timer ' + event.timerId + ' for ' + fmtDuration(event.durationMs) });
    case 'ChildWorkflowInitiated': {
      const workflowId = (event.options || {}).workflowId;
      return Object.assign(lane, { label: event.workflowType + ' ' + (workflowId || '?'), title: 'Child workflow ' + event.workflowType + ' ' + (workflowId || ''), workflowId });
    }
    case 'UpdateAccepted': return Object.assign(lane, { label: 'Update ' + event.updateName, title: 'Update ' + event.updateName + ' (id ' + event.updateId + ')' });
    default: return Object.assign(lane, { label: event.type, title: event.type });
  }
}

const CHILD_OUTCOMES = { completed: 'completed', failed: 'failed', terminated: 'failed', canceled: 'canceled', timedOut: 'timedOut' };

/** Folds one of a lane's events into it: where it ends, how, after how many attempts. */
function foldLaneEvent(lane, event) {
  lane.events.push(event);
  const close = (outcome) => { lane.endMs = event.timestamp; lane.outcome = outcome; };
  switch (event.type) {
    case 'ActivityTaskStarted': lane.attempts = Math.max(lane.attempts, event.attempt); break;
    case 'ActivityTaskCompleted': lane.attempts = event.attempt; close('completed'); break;
    case 'ActivityTaskFailed': lane.attempts = event.attempt; close('failed'); break;
    case 'ActivityTaskTimedOut': lane.attempts = event.attempt; close('timedOut'); break;
    case 'ActivityTaskCanceled': close('canceled'); break;
    case 'ActivityTaskCancelRequested': lane.ticks.push({ atMs: event.timestamp, kind: 'cancel', title: 'cancellation requested' }); break;
    case 'TimerFired': close('completed'); break;
    case 'TimerCanceled': close('canceled'); break;
    case 'ChildWorkflowStarted': Object.assign(lane, { workflowId: event.workflowId, runId: event.runId }); break;
    case 'ChildWorkflowStartFailed': close('failed'); break;
    case 'ChildWorkflowClosed': Object.assign(lane, { workflowId: event.workflowId, runId: event.runId, childStatus: event.status }); close(CHILD_OUTCOMES[event.status] || 'failed'); break;
    case 'UpdateCompleted': close('failure' in event.outcome ? 'failed' : 'completed'); break;
    default: break;
  }
}

/**
 * A pending activity as the description tells it (history has no event for an attempt that failed and was
 * retried): its attempt now, a tick where each kept attempt failed, and the wait before the current attempt (or
 * the wait still going on, in backoff) drawn paler.
 */
function foldPendingActivity(lane, activity, endMs) {
  lane.pending = activity;
  lane.attempts = activity.attempt;
  lane.outcome = activity.state === 'backoff' ? 'backoff' : 'running';
  const failures = activity.attemptFailures || [];
  for (const failure of failures) {
    lane.ticks.push({ atMs: failure.at, kind: 'attempt', title: 'attempt ' + failure.attempt + ' failed: ' + failure.type + ': ' + failure.message });
  }
  const lastFailedMs = failures.length ? failures[failures.length - 1].at : undefined;
  if (lastFailedMs === undefined) return;
  if (activity.state === 'backoff') {
    lane.segments.push({ fromMs: lastFailedMs, toMs: endMs, kind: 'backoff', title: 'waiting to retry' + (activity.nextAttemptTime ? ' until ' + fmtTime(activity.nextAttemptTime) : '') });
  } else if (activity.lastStartedTime !== undefined && activity.lastStartedTime >= lastFailedMs) {
    lane.segments.push({ fromMs: lastFailedMs, toMs: activity.lastStartedTime, kind: 'backoff', title: 'waited ' + fmtDuration(activity.lastStartedTime - lastFailedMs) + ' to retry' });
  }
}

function runOutcome(status) {
  if (status === 'running') return 'running';
  if (status === 'completed' || status === 'continuedAsNew') return 'completed';
  if (status === 'canceled' || status === 'timedOut') return status;
  return 'failed';
}

/** The chart of a run: its time span, the run's lane, the other lanes (at most CHART_MAX_LANES) and the marks. */
function chartModel(run, events, nowMs) {
  // A reset run's history begins with the events it kept, stamped when they first happened: the chart starts there,
  // as the table's T+ does.
  const startMs = Math.min(run.startTime !== undefined ? run.startTime : nowMs, events.length ? events[0].timestamp : nowMs);
  const lastMs = events.length ? events[events.length - 1].timestamp : startMs;
  const endMs = run.closeTime !== undefined ? Math.max(run.closeTime, lastMs) : Math.max(nowMs, lastMs);
  const runLane = { key: 'run', kind: 'run', label: 'Run', title: 'Workflow ' + run.workflowType + ' (run ' + run.runId + ')', startMs: run.startTime !== undefined ? run.startTime : startMs, endMs, outcome: runOutcome(run.status), status: run.status, events: [], ticks: [], segments: [] };
  const lanes = new Map();
  const marks = [];
  for (const event of events) {
    const kind = markKindOf(event);
    if (kind) marks.push({ key: 'event:' + event.eventId, kind, atMs: event.timestamp, event });
    const where = laneOf(event);
    if (!where) {
      if (!kind && event.type !== 'WorkflowTaskCompleted') runLane.events.push(event);
      continue;
    }
    if (where.opens && !lanes.has(where.key)) lanes.set(where.key, newLane(where.key, where.kind, event));
    const lane = lanes.get(where.key);
    if (lane) foldLaneEvent(lane, event);
  }
  for (const activity of run.pendingActivities || []) {
    const lane = lanes.get('activity:' + activity.activityId);
    if (lane && lane.outcome === undefined) foldPendingActivity(lane, activity, endMs);
  }
  for (const lane of lanes.values()) {
    if (lane.outcome === undefined) lane.outcome = run.status === 'running' ? 'running' : 'unclosed';
    if (lane.endMs === undefined) lane.endMs = endMs;
  }
  const all = [...lanes.values()];
  return {
    startMs, endMs, isOpen: run.status === 'running', runLane,
    lanes: all.slice(0, CHART_MAX_LANES), moreLanes: Math.max(0, all.length - CHART_MAX_LANES),
    marks: marks.slice(0, CHART_MAX_MARKS), moreMarks: Math.max(0, marks.length - CHART_MAX_MARKS),
  };
}

/** How a lane ended (or how it is doing), after how many attempts, how long it took (so far): short enough for its label. */
function laneStatusText(lane) {
  let text = LANE_OUTCOMES[lane.outcome].toLowerCase();
  if (lane.kind === 'child' && lane.childStatus) text = lane.childStatus;
  else if (lane.kind === 'run') text = lane.status;
  else if (lane.kind === 'timer' && lane.outcome === 'completed') text = 'fired';
  if (lane.attempts > 1) text += lane.pending ? ', attempt ' + lane.attempts : ' after ' + lane.attempts + ' attempts';
  return text + ', ' + fmtDuration(lane.endMs - lane.startMs);
}
`;
