// One wake-up of a schedule: which actions to start, what to remember, when to wake again. Pure: the Scheduler
// Durable Object stores the state, asks whether the last action still runs, starts the workflows and sets the alarm.
import { compileScheduleSpec, jitterBefore, type ResolvedScheduleSpec } from './schedule-spec';

/** What to do with an action due while the last one still runs (Temporal's names). */
export type OverlapPolicy = 'skip' | 'bufferOne' | 'allowAll';

/** What a schedule remembers between wake-ups (plain JSON). */
export interface ScheduleState {
  /** Scheduled times up to and including this one have been handled (started, buffered, skipped or missed). */
  handledThrough: number;
  /** A scheduled time held back by bufferOne while an action ran. */
  buffered?: number;
  /** The action started last, to check for overlap. */
  lastAction?: { scheduledTime: number; workflowId: string; startedAt: number };
  /** Counters for describe. */
  actions: number;
  skippedOverlap: number;
  missedCatchup: number;
}

export interface TickPlan {
  /** Start these (in order), each with its workflow id. */
  start: Array<{ scheduledTime: number; workflowId: string; triggered?: true }>;
  state: ScheduleState;
  /** When to wake next: the next due time (scheduled time + jitter), or sooner when a buffered action waits for the running one to close (the caller polls); undefined when nothing is left. */
  wakeAt?: number;
}

/**
 * At most this many workflow starts in one wake-up; the rest wait for an immediate next one (`wakeAt: now`),
 * so one alarm's subrequests stay well under the Workers limit (50 on the free plan) even when allowAll catches up.
 */
export const MAX_STARTS_PER_TICK = 20;
/** At most this many scheduled times looked at in one wake-up (a cron step costs ~50 µs); more → `wakeAt: now`. */
export const MAX_TIMES_PER_TICK = 1_000;
/** Bounds of the poll for a buffered action: a tenth of how long the last action has run, between 1 s and 1 min. */
export const MIN_BUFFERED_POLL_MS = 1_000;
export const MAX_BUFFERED_POLL_MS = 60_000;

/**
 * The workflow id of the action for one scheduled time: the same for every wake-up that handles that time, so a
 * repeated alarm never starts it twice.
 * @example actionWorkflowId('nightly', Date.UTC(2025, 2, 30, 1)) // 'nightly-2025-03-30T01:00:00.000Z'
 */
export function actionWorkflowId(scheduleId: string, scheduledTime: number): string {
  return `${scheduleId}-${new Date(scheduledTime).toISOString()}`;
}

/**
 * A new schedule's state: nothing scheduled before its creation runs.
 * @example initialScheduleState(Date.now())
 */
export function initialScheduleState(now: number): ScheduleState {
  return { handledThrough: now, actions: 0, skippedOverlap: 0, missedCatchup: 0 };
}

/**
 * The state of a schedule being unpaused at `now`: times that passed while it was paused are dropped (as Temporal
 * does), not caught up and not counted as missed. A buffered action stays.
 * @example state = unpauseScheduleState(state, Date.now())
 */
export function unpauseScheduleState(state: ScheduleState, now: number): ScheduleState {
  return { ...state, handledThrough: Math.max(state.handledThrough, now) };
}

/**
 * How soon to look again whether the last action closed while one is buffered: short actions are followed
 * closely, and a long one costs at most one status check a minute.
 */
export function bufferedPollDelayMs(lastAction: ScheduleState['lastAction'], now: number): number {
  const runningMs = lastAction === undefined ? 0 : now - lastAction.startedAt;
  return Math.min(MAX_BUFFERED_POLL_MS, Math.max(MIN_BUFFERED_POLL_MS, Math.round(runningMs / 10)));
}

/**
 * One wake-up at `now`: takes every scheduled time in (handledThrough, now] whose time + jitter ≤ now, in order,
 * drops those due longer ago than the catch-up window (missedCatchup), and applies the overlap policy against
 * `lastActionRunning` (whether state.lastAction's workflow still runs, as the host found out) and against actions
 * this same tick starts: skip → at most one action running (the earliest due starts, later ones are skipped);
 * bufferOne → one started, the latest other one buffered (a buffered one it displaces counts as skipped);
 * allowAll → all. A buffered time starts as soon as the last action no longer runs. Paused schedules are not
 * ticked by the host (see {@link unpauseScheduleState}).
 * @example
 * const plan = planTick(id, spec, 'skip', state, now, await isRunning(state.lastAction));
 * for (const { workflowId } of plan.start) await startWorkflow(workflowId); // ids are deterministic: a retry is harmless
 * await storage.put('state', plan.state);
 * if (plan.wakeAt !== undefined) await storage.setAlarm(plan.wakeAt);
 */
export function planTick(
  scheduleId: string,
  spec: ResolvedScheduleSpec,
  overlap: OverlapPolicy,
  state: ScheduleState,
  now: number,
  lastActionRunning: boolean,
): TickPlan {
  const next = compileScheduleSpec(spec);
  const plan: TickPlan = { start: [], state: { ...state } };
  const s = plan.state;
  let isRunning = lastActionRunning && state.lastAction !== undefined;
  const startAction = (scheduledTime: number): void => {
    const workflowId = actionWorkflowId(scheduleId, scheduledTime);
    plan.start.push({ scheduledTime, workflowId });
    s.lastAction = { scheduledTime, workflowId, startedAt: now };
    s.actions += 1;
    isRunning = true;
  };

  if (s.buffered !== undefined && !isRunning) {
    const buffered = s.buffered;
    delete s.buffered;
    startAction(buffered);
  }
  // Jitter < jitterMs, so a time this old is certainly due longer ago than the window.
  const missedBefore = now - spec.catchupWindowMs - spec.jitterMs;
  if (spec.everyMs !== undefined) skipMissedIntervals(spec, spec.everyMs, s, next, missedBefore);

  let time = next(s.handledThrough);
  let dueAt: number | undefined;
  for (let looked = 0; time !== undefined && time <= now; looked++) {
    if (looked === MAX_TIMES_PER_TICK || plan.start.length >= MAX_STARTS_PER_TICK) return { ...plan, wakeAt: now };
    const following = next(time);
    dueAt = time + jitterBefore(scheduleId, time, spec.jitterMs, following);
    // Jitter never reaches the following time, so due times keep the order of scheduled times: stop at the first not due.
    if (dueAt > now) break;
    if (now - dueAt > spec.catchupWindowMs) s.missedCatchup += 1;
    else if (!isRunning || overlap === 'allowAll') startAction(time);
    else if (overlap === 'bufferOne') {
      if (s.buffered !== undefined) s.skippedOverlap += 1;
      s.buffered = time;
    } else s.skippedOverlap += 1;
    s.handledThrough = time;
    time = following;
    dueAt = undefined;
  }
  if (time !== undefined && dueAt === undefined) dueAt = time + jitterBefore(scheduleId, time, spec.jitterMs, next(time));
  if (s.buffered !== undefined) dueAt = Math.min(dueAt ?? Infinity, now + bufferedPollDelayMs(s.lastAction, now));
  if (dueAt !== undefined) plan.wakeAt = dueAt;
  return plan;
}

/** Counts the interval times before `missedBefore` as missed in O(1), so a long downtime costs no loop. */
function skipMissedIntervals(
  spec: ResolvedScheduleSpec,
  everyMs: number,
  state: ScheduleState,
  next: (after: number) => number | undefined,
  missedBefore: number,
): void {
  const first = next(state.handledThrough);
  if (first === undefined || first >= missedBefore) return;
  const anchor = spec.startAt ?? 0;
  let last = anchor + (Math.ceil((missedBefore - anchor) / everyMs) - 1) * everyMs;
  if (spec.endAt !== undefined) last = Math.min(last, anchor + Math.floor((spec.endAt - anchor) / everyMs) * everyMs);
  if (last < first) return;
  state.missedCatchup += Math.round((last - first) / everyMs) + 1;
  state.handledThrough = last;
}

/**
 * "Trigger now": one extra action at `now`, outside the calendar and regardless of the overlap policy (it starts
 * even while the last action runs), with workflow id `actionWorkflowId(scheduleId, now)`. It becomes the last action,
 * so calendar actions and a buffered one then wait for it under skip and bufferOne. `wakeAt` is left undefined:
 * the calendar did not move, so the host keeps the alarm it has.
 * @example const { start: [action], state: next } = planTrigger('nightly', state, Date.now());
 */
export function planTrigger(scheduleId: string, state: ScheduleState, now: number): TickPlan {
  // Its own id: a trigger at the very millisecond of a calendar time must not be taken for that action.
  const workflowId = `${actionWorkflowId(scheduleId, now)}-trigger`;
  return {
    // Outside the calendar: an action with no scheduled time to be late for (no schedule lag observed).
    start: [{ scheduledTime: now, workflowId, triggered: true }],
    state: { ...state, lastAction: { scheduledTime: now, workflowId, startedAt: now }, actions: state.actions + 1 },
  };
}
