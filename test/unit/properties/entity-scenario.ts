// Scenarios for the entity workflow: generation, a driver that plays one on a fresh test environment,
// the model of what a run must end with, and the checks on a recorded history.
import fc from 'fast-check';
import type { EventType, HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import {
  addItem, defaultAttempt, entity, finish, getState, localRetry, remoteRetry, scriptedActivities, setValue, slowUpdateFrom,
  type EntityState, type ScriptedAttempt,
} from './entity-workflow';

export type Step =
  | { kind: 'signal'; item: string; requestId?: string }
  | { kind: 'update'; value: number; updateId: string }
  | { kind: 'sleep'; ms: number }
  | { kind: 'evict' }
  | { kind: 'cancel' }
  | { kind: 'finish'; requestId?: string };

export interface Scenario {
  periodMs: number;
  remote: ScriptedAttempt[];
  local: ScriptedAttempt[];
  steps: Step[];
  /** How the run is brought to an end after the steps, if it is still open. */
  ending: 'finish' | 'cancel';
}

const requestId = fc.option(fc.constantFrom('rq-a', 'rq-b', 'rq-c'), { nil: undefined });
const attempt = (durationsMs: number[]): fc.Arbitrary<ScriptedAttempt> => fc.record({
  outcome: fc.constantFrom('succeed', 'succeed', 'succeed', 'failRetryable', 'failNonRetryable', 'timeOut'),
  durationMs: fc.constantFrom(...durationsMs),
});
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('signal' as const), item: fc.constant(''), requestId }, { requiredKeys: ['kind', 'item'] }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('update' as const), value: fc.integer({ min: -2, max: 9 }), updateId: fc.constantFrom('up-1', 'up-2', 'up-3', 'up-4') }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('sleep' as const), ms: fc.constantFrom(0, 10, 100, 400, 1000, 2500, 6000) }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'evict' as const }) },
);
/** Ends the run before the scenario does: later steps then meet a closing or closed run. */
const interruption = fc.record({
  atPercent: fc.integer({ min: 0, max: 100 }),
  step: fc.oneof(fc.constant({ kind: 'cancel' as const }), fc.record({ kind: fc.constant('finish' as const), requestId }, { requiredKeys: ['kind'] })),
});

export const scenarioArbitrary: fc.Arbitrary<Scenario> = fc
  .record({
    periodMs: fc.constantFrom(200, 1000, 3000),
    remote: fc.array(attempt([0, 50, 300, 1500, 4000]), { maxLength: 10 }),
    // Mostly slow: a local activity in flight is when signals and evictions are most interesting.
    local: fc.array(attempt([0, 300, 1500, 4000, 4000]), { minLength: 1, maxLength: 8 }),
    steps: fc.array(step, { minLength: 1, maxLength: 27 }), // with interruptions and the ending: at most 30
    interruptions: fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(interruption, { minLength: 1, maxLength: 2 }) }),
    ending: fc.constantFrom('finish' as const, 'cancel' as const),
  })
  .map(({ steps, interruptions, ...rest }) => {
    const all: Step[] = [...steps];
    for (const { atPercent, step: s } of interruptions) all.splice(Math.round((all.length * atPercent) / 100), 0, s);
    // Items are named after their step, so the model can tell which of two signals with one requestId won.
    return { ...rest, steps: all.map((s, i) => (s.kind === 'signal' ? { ...s, item: `item-${i}` } : s)) };
  });

/** How a client call ended. */
export type Reply =
  | { ok: true; value?: unknown }
  | { ok: false; error: string; type?: string; status?: string };

export interface Observation {
  /** One reply per signal, update, cancel and finish step, in step order. */
  replies: Array<{ step: Step; reply: Reply }>;
  outcome: Reply;
  state: EntityState;
  history: HistoryEvent[];
  /** Signals sent while a local activity attempt was running, and evictions made then. */
  signalsDuringLocal: number;
  evictionsDuringLocal: number;
}

export const workflowId = 'entity-under-test';

const closeEventTypes = new Set<EventType>([
  'WorkflowExecutionCompleted', 'WorkflowExecutionFailed', 'WorkflowExecutionCanceled',
  'WorkflowExecutionTerminated', 'WorkflowExecutionTimedOut', 'WorkflowExecutionContinuedAsNew',
]);
const isCloseEvent = (event: HistoryEvent) => closeEventTypes.has(event.type);
const startTime = Date.UTC(2025, 0, 1);

function capture(call: Promise<unknown>): { promise: Promise<Reply>; settled: () => boolean } {
  let done = false;
  const promise = call.then(
    (value): Reply => ({ ok: true, value }),
    (error: unknown): Reply => {
      // Client errors carry the failure (rejection, update failure, workflow failure) with its stable type.
      const { failure, status } = error as { failure?: { type?: string }; status?: string };
      return {
        ok: false,
        error: (error as Error).name,
        ...(failure?.type !== undefined && { type: failure.type }),
        ...(status !== undefined && { status }),
      };
    },
  );
  void promise.then(() => (done = true));
  return { promise, settled: () => done };
}

/**
 * Plays `scenario` on a fresh environment. Client calls are not awaited one by one (a signal may have to
 * wait for a local activity that only the clock can finish); every reply is collected at the end.
 */
export async function playScenario(scenario: Scenario, options: { evictions: boolean }): Promise<Observation> {
  const { activities, probe } = scriptedActivities(scenario.remote, scenario.local);
  const env = await TestWorkflowEnvironment.create({ workflows: { entity }, activities, startTime });
  const handle = await env.start(entity, { workflowId, input: { periodMs: scenario.periodMs } });
  const calls: Array<{ step: Step; call: ReturnType<typeof capture> }> = [];
  let signalsDuringLocal = 0;
  let evictionsDuringLocal = 0;
  const send = (step: Step) => {
    switch (step.kind) {
      case 'signal':
        if (probe.localInFlight) signalsDuringLocal++;
        return step.requestId === undefined ? handle.signal(addItem, step.item) : handle.signalWithRequestId(step.requestId, addItem, step.item);
      case 'finish':
        return step.requestId === undefined ? handle.signal(finish) : handle.signalWithRequestId(step.requestId, finish);
      case 'update':
        return handle.executeUpdate(setValue, { args: [step.value], updateId: step.updateId });
      case 'cancel':
        return handle.cancel();
      default:
        return undefined;
    }
  };
  const isClosed = async () => (await handle.fetchHistory()).some(isCloseEvent);

  for (const step of [...scenario.steps, { kind: scenario.ending } as Step]) {
    if (step.kind === 'sleep') await env.sleep(step.ms);
    else if (step.kind === 'evict') {
      // Both runs settle here, so an eviction never lands inside a burst of calls. There, the replay it causes
      // would let an activity outcome already on its way join a different activation than in the reference run:
      // which inputs share an activation is timing, visible to workflow code, in Duro as in Temporal.
      await env.sleep(0);
      if (!options.evictions) continue;
      if (probe.localInFlight) evictionsDuringLocal++;
      env.evict(workflowId);
    } else calls.push({ step, call: capture(send(step)!) });
  }
  // Bounded: a run that never closes fails the property instead of hanging the test.
  for (let i = 0; i < 20 && !(await isClosed()); i++) await env.sleep('1 minute');
  if (!(await isClosed())) throw new Error('the run did not close after its ending step');
  await env.sleep(0);
  const unanswered = calls.filter(({ call }) => !call.settled()).map(({ step }) => step);
  if (unanswered.length > 0) throw new Error(`no reply to ${JSON.stringify(unanswered)}`);
  const outcome = await capture(handle.result()).promise;
  const replies = await Promise.all(calls.map(async ({ step, call }) => ({ step, reply: await call.promise })));
  const state = await handle.query(getState);
  const history = await handle.fetchHistory();
  return { replies, outcome, state, history, signalsDuringLocal, evictionsDuringLocal };
}

// ---- the model ----

const failureType = { failRetryable: 'Flaky', failNonRetryable: 'Fatal', timeOut: 'TimeoutFailure' } as const;

/** What each charge/audit records, attempt by attempt, when the script is played in call order. */
export function expectedActivityResults(script: ScriptedAttempt[], name: string, maximumAttempts: number, count: number): string[] {
  const results: string[] = [];
  let cursor = 0;
  for (let iteration = 1; iteration <= count; iteration++) {
    for (let attemptNo = 1; ; attemptNo++) {
      const { outcome } = script[cursor++] ?? defaultAttempt;
      if (outcome === 'succeed') {
        results.push(`ok:${name}-${iteration}@${attemptNo}`);
        break;
      }
      if (outcome === 'failNonRetryable' || attemptNo >= maximumAttempts) {
        results.push(`failed:${failureType[outcome]}@${attemptNo}`);
        break;
      }
    }
  }
  return results;
}

const isInterruptedUpdate = (reply: Reply) =>
  !reply.ok && reply.error === 'WorkflowUpdateFailedError' && (reply.type === 'CancelledFailure' || reply.type === 'WorkflowClosed');
const isClosedReply = (reply: Reply) =>
  !reply.ok && (reply.error === 'WorkflowClosedError' || (reply.error === 'WorkflowUpdateRejectedError' && reply.type === 'WorkflowClosed'));

/**
 * The model: signals fold into `items` (one per requestId, first wins), updates into `values` (rejected when
 * negative; a repeated updateId answers the first outcome again; a slow one may be interrupted by the run's end).
 * Only calls made before the run closed count: those answered "closed" are skipped, and nothing else may be.
 */
export function expectedFromReplies(observation: Observation): { items: string[]; values: number[]; replies: Reply[] } {
  const items: string[] = [];
  const values: number[] = [];
  const seenRequestIds = new Set<string>();
  const acceptedUpdates = new Map<string, Reply>();
  const replies: Reply[] = [];
  for (const { step, reply } of observation.replies) {
    if (isClosedReply(reply)) {
      replies.push(reply);
      continue;
    }
    switch (step.kind) {
      case 'signal':
      case 'finish': {
        replies.push({ ok: true, value: undefined });
        if (step.requestId !== undefined) {
          if (seenRequestIds.has(step.requestId)) break;
          seenRequestIds.add(step.requestId);
        }
        if (step.kind === 'signal') items.push(step.item);
        break;
      }
      case 'update': {
        const earlier = acceptedUpdates.get(step.updateId);
        if (earlier !== undefined) replies.push(earlier);
        else if (step.value < 0) replies.push({ ok: false, error: 'WorkflowUpdateRejectedError', type: 'NegativeValue' });
        else {
          values.push(step.value);
          // A slow update still in flight fails when the run is cancelled or closes first; which happens is timing.
          const expected = step.value >= slowUpdateFrom && isInterruptedUpdate(reply) ? reply : { ok: true as const, value: values.length };
          acceptedUpdates.set(step.updateId, expected);
          replies.push(expected);
        }
        break;
      }
      default:
        replies.push({ ok: true, value: undefined });
    }
  }
  return { items, values, replies };
}

export const charges = (scenario: Scenario, count: number) => expectedActivityResults(scenario.remote, 'charged', remoteRetry.maximumAttempts, count);
export const audits = (scenario: Scenario, count: number) => expectedActivityResults(scenario.local, 'audited', localRetry.maximumAttempts, count);

// ---- history checks ----

const activityTerminal = new Set(['ActivityTaskCompleted', 'ActivityTaskFailed', 'ActivityTaskTimedOut', 'ActivityTaskCanceled']);
const timerTerminal = new Set(['TimerFired', 'TimerCanceled']);

/** Problems with a history that records something twice; empty when there are none. */
export function duplicationProblems(history: HistoryEvent[]): string[] {
  const problems: string[] = [];
  history.forEach((event, index) => {
    if (event.eventId !== index + 1) problems.push(`event #${index + 1} has eventId ${event.eventId}`);
  });
  const once = (what: string, keys: Array<string | number | undefined>) => {
    const seen = new Set<string | number>();
    for (const key of keys) {
      if (key === undefined) continue;
      if (seen.has(key)) problems.push(`${what} ${key} recorded twice`);
      seen.add(key);
    }
  };
  once('signal requestId', history.map((e) => (e.type === 'SignalReceived' ? e.requestId : undefined)));
  once('accepted updateId', history.map((e) => (e.type === 'UpdateAccepted' ? e.updateId : undefined)));
  once('completed updateId', history.map((e) => (e.type === 'UpdateCompleted' ? e.updateId : undefined)));
  once('scheduled activityId', history.map((e) => (e.type === 'ActivityTaskScheduled' ? e.activityId : undefined)));
  once('terminal event of activity', history.map((e) => (activityTerminal.has(e.type) ? (e as { activityId: string }).activityId : undefined)));
  once('started timerId', history.map((e) => (e.type === 'TimerStarted' ? e.timerId : undefined)));
  once('terminal event of timer', history.map((e) => (timerTerminal.has(e.type) ? (e as { timerId: string }).timerId : undefined)));
  once('local activity marker seq', history.map((e) => (e.type === 'MarkerRecorded' && e.markerName === 'LocalActivity' ? e.seq : undefined)));
  const closes = history.filter(isCloseEvent);
  if (closes.length !== 1) problems.push(`${closes.length} close events`);
  if (history.length > 0 && !isCloseEvent(history.at(-1)!)) problems.push(`last event is ${history.at(-1)!.type}, not a close event`);
  return problems;
}

/** The history without what differs between two environments by design (run ids, seeds, stack traces). */
export function comparable(history: HistoryEvent[]): unknown[] {
  const strip = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(strip);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'stack' || key === 'runId' || key === 'firstRunId' || key === 'randomnessSeed') continue;
      out[key] = strip(inner);
    }
    return out;
  };
  return history.map(strip);
}
