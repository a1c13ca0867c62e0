// Browser code of the web UI, part 4: a run's event history as a readable timeline: one row per event with its
// time since the start and since the previous event, a one-line summary, how long the activity, timer, update or
// child it closes took, and the raw event on demand.
export const TIMELINE_JS = String.raw`
/** The one-line gist of an event (event shapes: src/core/history.ts). */
function summarize(event) {
  const failure = (f) => (f ? f.type + ': ' + f.message : '');
  switch (event.type) {
    case 'WorkflowExecutionStarted': return event.workflowType + (event.attempt > 1 ? ', attempt ' + event.attempt : '') + ', input ' + oneLine(event.input);
    case 'WorkflowTaskFailed': return event.reason + ': ' + short(event.message);
    case 'ActivityTaskScheduled': return event.activityType + ' as activity ' + event.activityId + ', input ' + oneLine(event.input);
    case 'ActivityTaskStarted': return 'activity ' + event.activityId + ', attempt ' + event.attempt;
    case 'ActivityTaskCompleted': return 'activity ' + event.activityId + ' returned ' + oneLine(event.result);
    case 'ActivityTaskFailed':
    case 'ActivityTaskTimedOut': return 'activity ' + event.activityId + ', attempt ' + event.attempt + ': ' + failure(event.failure);
    case 'ActivityTaskCancelRequested':
    case 'ActivityTaskCanceled': return 'activity ' + event.activityId;
    case 'TimerStarted': return 'timer ' + event.timerId + ' for ' + fmtDuration(event.durationMs);
    case 'TimerFired':
    case 'TimerCanceled': return 'timer ' + event.timerId;
    case 'MarkerRecorded': return event.markerName + ' ' + oneLine(event.data);
    case 'SignalReceived': return event.signalName + ' ' + oneLine(event.args);
    case 'UpdateAccepted': return event.updateName + ' ' + oneLine(event.args);
    case 'UpdateCompleted': return event.updateId + ': ' + ('failure' in event.outcome ? failure(event.outcome.failure) : 'returned ' + oneLine(event.outcome.result));
    case 'WorkflowExecutionCancelRequested': return event.reason || '';
    case 'SearchAttributesUpserted': return oneLine(event.searchAttributes);
    case 'MemoUpserted': return oneLine(event.memo);
    case 'ChildWorkflowInitiated': return event.workflowType + ' as ' + ((event.options || {}).workflowId || '?');
    case 'ChildWorkflowStarted': return event.workflowId;
    case 'ChildWorkflowStartFailed': return event.workflowId + ': ' + failure(event.failure);
    case 'ChildWorkflowClosed': return event.workflowId + ' ' + event.status;
    case 'ExternalSignalInitiated': return event.signalName + ' to ' + event.workflowId;
    case 'ExternalCancelInitiated': return event.workflowId;
    case 'ExternalSignalFailed':
    case 'ExternalCancelFailed': return failure(event.failure);
    case 'WorkflowExecutionCompleted': return 'returned ' + oneLine(event.result);
    case 'WorkflowExecutionFailed':
    case 'WorkflowExecutionCanceled': return failure(event.failure);
    case 'WorkflowExecutionTerminated': return event.reason || '';
    case 'WorkflowExecutionTimedOut': return event.timeoutType;
    case 'WorkflowExecutionContinuedAsNew': return 'next run ' + event.newRunId;
    default: return '';
  }
}

/** What an event opens or closes, so the closing row can say how long it took. */
function spanOf(event) {
  switch (event.type) {
    case 'ActivityTaskScheduled': return { key: 'activity:' + event.activityId, opens: true };
    case 'ActivityTaskCompleted': case 'ActivityTaskFailed': case 'ActivityTaskTimedOut': case 'ActivityTaskCanceled':
      return { key: 'activity:' + event.activityId };
    case 'TimerStarted': return { key: 'timer:' + event.timerId, opens: true };
    case 'TimerFired': case 'TimerCanceled': return { key: 'timer:' + event.timerId };
    case 'UpdateAccepted': return { key: 'update:' + event.updateId, opens: true };
    case 'UpdateCompleted': return { key: 'update:' + event.updateId };
    case 'ChildWorkflowInitiated': return { key: 'child:' + event.seq, opens: true };
    case 'ChildWorkflowClosed': case 'ChildWorkflowStartFailed': return { key: 'child:' + event.seq };
    default: return undefined;
  }
}

function toneOf(type) {
  if (/Failed$|TimedOut$|Terminated$/.test(type) || type === 'WorkflowExecutionCanceled') return 'bad';
  if (/Completed$|Fired$/.test(type) && type !== 'WorkflowTaskCompleted') return 'good';
  if (/^Signal|^Update/.test(type)) return 'message';
  if (/^WorkflowTask/.test(type)) return 'quiet';
  return '';
}

function timelineSection(events, complete) {
  const first = events.length ? events[0].timestamp : 0;
  const openedAt = new Map();
  const rows = events.map((event, index) => {
    const span = spanOf(event);
    let took = '';
    if (span && span.opens) openedAt.set(span.key, event.timestamp);
    else if (span && openedAt.has(span.key)) took = 'took ' + fmtDuration(event.timestamp - openedAt.get(span.key));
    const since = index === 0 ? '' : '+' + fmtDuration(event.timestamp - events[index - 1].timestamp);
    return h('tr', { class: 'event ' + toneOf(event.type), 'data-event-type': event.type },
      h('td', { class: 'num' }, String(event.eventId)),
      h('td', {}, h('time', { datetime: new Date(event.timestamp).toISOString(), title: fmtTime(event.timestamp) }, 'T+' + fmtDuration(event.timestamp - first))),
      h('td', { class: 'num' }, since),
      h('td', { class: 'etype' }, event.type),
      h('td', {},
        h('span', { class: 'gist' }, summarize(event)),
        took ? h('span', { class: 'took' }, ' ' + took) : null,
        h('details', {}, h('summary', {}, 'Event'), pre(event))));
  });
  return section('History',
    h('p', { class: 'hint' }, events.length + ' events. T+ is the time since the run started; the next column, since the previous event.'),
    complete ? null : h('p', { class: 'flash error' }, 'Only the first ' + events.length + ' events are shown.'),
    table('Event history', ['#', 'Time', 'Since previous', 'Event', 'Details'], rows, 'No events.'));
}
`;
