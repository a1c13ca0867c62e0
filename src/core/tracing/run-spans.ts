// The spans of a run (docs/observability.md, Traces), made from what each step committed: the run itself (exported
// at its close), each activation, each activity attempt (retried ones too: they are not in history), signals and
// updates. Every span of a run is a child of the run's span; the run's span is a child of the context it was started
// in (trace-context.ts). Nothing here runs unless the host exports spans.
import type { AttemptObservation } from '../activity-state';
import { isCloseEvent, type HistoryEvent, type Outcome } from '../history';
import type { RunState } from '../run-state';
import type { SpanAttributes, SpanData, SpanSink } from './span';
import { realGlobals } from '../determinism-guards';
import { attemptSpanId, randomSpanId, runSpanId, runTrace, type RunTrace } from './trace-context';

/** What one step did, as its spans need it. */
export interface StepRecord {
  events: readonly HistoryEvent[];
  attempts: readonly AttemptObservation[];
  /** When the step's activation ran (wall clock), if it ran one. */
  activation?: { start: number; end: number };
}

export class RunSpans {
  /** Updates accepted and not yet completed: their span runs from acceptance to completion (lost with the host: then it starts at completion). */
  readonly #acceptedUpdates = new Map<string, { name: string; at: number }>();

  /** The spans a committed step finished. */
  ofStep(state: RunState, step: StepRecord): SpanData[] {
    const trace = runTrace(state);
    if (trace.notSampled) return [];
    const run = runSpanId(state.runId);
    const span = (name: string, kind: SpanData['kind'], startTime: number, endTime: number, attributes: SpanAttributes, spanId = randomSpanId(realRandom)): SpanData =>
      ({ traceId: trace.traceId, spanId, parentSpanId: run, name, kind, startTime, endTime: Math.max(startTime, endTime), attributes: { ...runAttributes(state), ...attributes } });
    const spans: SpanData[] = [];
    const activationEnd = step.activation?.end;
    if (step.activation) {
      const activation = span(`Activation:${state.workflowType}`, 'internal', step.activation.start, step.activation.end, { 'duro.history.length': state.nextEventId - 1 });
      const failed = step.events.find((event) => event.type === 'WorkflowTaskFailed');
      if (failed) activation.error = `${failed.reason}: ${failed.message}`;
      spans.push(activation);
    }
    for (const attempt of step.attempts) {
      if (attempt.activityId === undefined || attempt.attempt === undefined) continue;
      const attemptSpan = span(`RunActivity:${attempt.activityType}`, 'client', attempt.startedAt ?? 0, attempt.endedAt ?? 0, {
        'duro.activity.id': attempt.activityId,
        'duro.activity.type': attempt.activityType,
        'duro.activity.attempt': attempt.attempt,
        'duro.activity.outcome': attempt.outcome,
        'duro.activity.retrying': attempt.retrying,
        ...(attempt.errorType !== undefined && { 'error.type': attempt.errorType }),
      }, attemptSpanId(state.runId, attempt.activityId, attempt.attempt));
      if (attempt.outcome !== 'completed') attemptSpan.error = attempt.errorMessage ?? attempt.outcome;
      spans.push(attemptSpan);
    }
    for (const event of step.events) {
      switch (event.type) {
        case 'SignalReceived':
          spans.push(span(`HandleSignal:${event.signalName}`, 'server', event.timestamp, activationEnd ?? event.timestamp, { 'duro.signal.name': event.signalName }));
          break;
        case 'UpdateAccepted':
          this.#acceptedUpdates.set(event.updateId, { name: event.updateName, at: event.timestamp });
          break;
        case 'UpdateCompleted': {
          const accepted = this.#acceptedUpdates.get(event.updateId);
          this.#acceptedUpdates.delete(event.updateId);
          const name = accepted?.name ?? 'update';
          const update = span(`HandleUpdate:${name}`, 'server', accepted?.at ?? event.timestamp, event.timestamp, { 'duro.update.id': event.updateId, 'duro.update.name': name });
          if ('failure' in event.outcome) update.error = event.outcome.failure.message;
          spans.push(update);
          break;
        }
        default:
          if (isCloseEvent(event)) spans.push(runSpan(state, trace, event));
      }
    }
    return spans;
  }
}

/** The span of the whole run, from its start to the event that closed it. */
function runSpan(state: RunState, trace: RunTrace, close: HistoryEvent): SpanData {
  const span: SpanData = {
    traceId: trace.traceId,
    spanId: runSpanId(state.runId),
    ...(trace.parentSpanId !== undefined && { parentSpanId: trace.parentSpanId }),
    name: `RunWorkflow:${state.workflowType}`,
    kind: 'server',
    startTime: state.startTime,
    endTime: Math.max(state.startTime, close.timestamp),
    attributes: { ...runAttributes(state), 'duro.workflow.status': state.status },
  };
  if (state.status === 'failed' || state.status === 'timedOut' || state.status === 'terminated') {
    const failure = 'failure' in close ? (close.failure as { message?: string } | undefined) : undefined;
    span.error = failure?.message ?? state.status;
  }
  return span;
}

/** A span of the run outside a step: a query's, a local activity attempt's. */
function runChildSpan(state: RunState, name: string, kind: SpanData['kind'], startTime: number, endTime: number, attributes: SpanAttributes): SpanData | undefined {
  const trace = runTrace(state);
  if (trace.notSampled) return undefined;
  return { traceId: trace.traceId, spanId: randomSpanId(realRandom), parentSpanId: runSpanId(state.runId), name, kind, startTime, endTime: Math.max(startTime, endTime), attributes: { ...runAttributes(state), ...attributes } };
}

function runAttributes(state: RunState): SpanAttributes {
  return { 'duro.workflow.id': state.workflowId, 'duro.run.id': state.runId, 'duro.workflow.type': state.workflowType };
}

/**
 * Runs a local activity attempt, and (when the host exports spans) hands over its span once it settles. Local attempts
 * are not in the step's observations: they are recorded as markers, retried inside the run.
 */
export function tracedLocalAttempt(sink: SpanSink | undefined, now: () => number, state: RunState, command: { activityType: string; attempt: number; seq: number }, run: () => Promise<Outcome>): Promise<Outcome> {
  if (!sink) return run();
  const start = now();
  const attempt = run();
  void attempt.then((outcome) => {
    const span = runChildSpan(state, `RunLocalActivity:${command.activityType}`, 'internal', start, now(), {
      'duro.activity.type': command.activityType,
      'duro.activity.attempt': command.attempt,
      'duro.activity.local': true,
      'duro.activity.outcome': 'result' in outcome ? 'completed' : 'failed',
      ...('failure' in outcome && { 'error.type': outcome.failure.type }),
    });
    if (!span) return;
    if ('failure' in outcome) span.error = outcome.failure.message;
    sendSpans(sink, [span]);
  }, () => undefined);
  return attempt;
}

/**
 * Answers a query, and (when the host exports spans) hands over its span. Built-in queries (`__duro_…`,
 * `__temporal_…`: the UI asks them every few seconds) make none.
 */
export async function tracedQuery<T>(sink: SpanSink | undefined, now: () => number, state: RunState, name: string, answer: () => Promise<T>): Promise<T> {
  if (!sink || name.startsWith('__')) return answer();
  const start = now();
  let failure: unknown;
  try {
    return await answer();
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    const span = runChildSpan(state, `HandleQuery:${name}`, 'server', start, now(), { 'duro.query.name': name });
    if (span && failure !== undefined) span.error = failure instanceof Error ? failure.message : String(failure);
    if (span) sendSpans(sink, [span]);
  }
}

/** Hands spans to the host's sink; a sink that throws (a test's callback) loses them, and nothing else. */
export function sendSpans(sink: SpanSink, spans: SpanData[]): void {
  if (spans.length === 0) return;
  try {
    sink(spans);
  } catch (error) {
    (globalThis as unknown as { console: { error(...data: unknown[]): void } }).console.error('duro: the span exporter threw; those spans are dropped', error);
  }
}

/** Span ids are drawn outside any workflow's seeded random (the determinism guards replace Math.random in workflow code). */
const realRandom = () => realGlobals().random();
