// Schedules on the virtual clock: the same planning code as the Scheduler Durable Object (src/core/schedule.ts),
// driven by TestWorkflowEnvironment, so a test can check that a cron fires, skips or buffers as it should over
// days of virtual time.
import { WorkflowExecutionAlreadyStartedError } from '../core/client-errors';
import {
  initialScheduleState, nextScheduledTimes, planTick, planTrigger, resolveScheduleSpec, unpauseScheduleState,
  type OverlapPolicy, type ResolvedScheduleSpec, type ScheduleSpec, type ScheduleState, type TickPlan,
} from '../core/schedule';

export interface TestScheduleOptions extends ScheduleSpec {
  scheduleId: string;
  workflowType: string;
  input?: unknown;
  overlap?: OverlapPolicy;
  paused?: boolean;
}

export interface TestScheduleDescription {
  scheduleId: string;
  paused: boolean;
  state: ScheduleState;
  nextRunTimes: number[];
}

interface Schedule {
  options: TestScheduleOptions;
  spec: ResolvedScheduleSpec;
  state: ScheduleState;
  paused: boolean;
  wakeAt: number | undefined;
}

export interface ScheduleHost {
  now(): number;
  /** Starts an action; throws WorkflowExecutionAlreadyStartedError when its id is taken. */
  start(workflowType: string, workflowId: string, input: unknown, searchAttributes: Record<string, string>): void;
  isRunning(workflowId: string): boolean;
  hasWorkflowType(name: string): boolean;
}

export class TestSchedules {
  readonly #schedules = new Map<string, Schedule>();
  readonly #host: ScheduleHost;

  constructor(host: ScheduleHost) {
    this.#host = host;
  }

  create(options: TestScheduleOptions): void {
    if (this.#schedules.has(options.scheduleId)) throw new Error(`Schedule ${options.scheduleId} already exists`);
    if (!this.#host.hasWorkflowType(options.workflowType)) throw new Error(`Schedule ${options.scheduleId}: no workflow type '${options.workflowType}' is registered`);
    const now = this.#host.now();
    const schedule: Schedule = { options, spec: resolveScheduleSpec(options), state: initialScheduleState(now), paused: options.paused ?? false, wakeAt: undefined };
    schedule.wakeAt = this.#wakeAt(schedule, now);
    this.#schedules.set(options.scheduleId, schedule);
  }

  describe(scheduleId: string): TestScheduleDescription {
    const schedule = this.#get(scheduleId);
    const nextRunTimes = schedule.paused ? [] : nextScheduledTimes(schedule.spec, Math.max(schedule.state.handledThrough, this.#host.now()), 5);
    return { scheduleId, paused: schedule.paused, state: schedule.state, nextRunTimes };
  }

  setPaused(scheduleId: string, paused: boolean): void {
    const schedule = this.#get(scheduleId);
    if (schedule.paused === paused) return;
    schedule.paused = paused;
    if (!paused) schedule.state = unpauseScheduleState(schedule.state, this.#host.now());
    schedule.wakeAt = this.#wakeAt(schedule, this.#host.now());
  }

  trigger(scheduleId: string): string {
    const schedule = this.#get(scheduleId);
    const plan = planTrigger(scheduleId, schedule.state, this.#host.now());
    this.#carryOut(schedule, plan);
    return plan.start[0]!.workflowId;
  }

  delete(scheduleId: string): void {
    this.#get(scheduleId);
    this.#schedules.delete(scheduleId);
  }

  /** The earliest time a schedule needs the clock. */
  nextWakeAt(): number | undefined {
    let min: number | undefined;
    for (const schedule of this.#schedules.values()) if (schedule.wakeAt !== undefined && (min === undefined || schedule.wakeAt < min)) min = schedule.wakeAt;
    return min;
  }

  /** Ticks every schedule due at the current virtual time. */
  fireDue(): void {
    const now = this.#host.now();
    for (const schedule of this.#schedules.values()) {
      if (schedule.paused || schedule.wakeAt === undefined || schedule.wakeAt > now) continue;
      const running = schedule.state.lastAction !== undefined && this.#host.isRunning(schedule.state.lastAction.workflowId);
      const plan = planTick(schedule.options.scheduleId, schedule.spec, schedule.options.overlap ?? 'skip', schedule.state, now, running);
      this.#carryOut(schedule, plan);
      schedule.wakeAt = plan.wakeAt;
    }
  }

  #carryOut(schedule: Schedule, plan: TickPlan): void {
    for (const action of plan.start) {
      try {
        this.#host.start(schedule.options.workflowType, action.workflowId, schedule.options.input, {
          scheduleId: schedule.options.scheduleId,
          scheduledTime: new Date(action.scheduledTime).toISOString(),
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
    }
    schedule.state = plan.state;
  }

  #wakeAt(schedule: Schedule, now: number): number | undefined {
    if (schedule.paused) return undefined;
    if (schedule.state.buffered !== undefined) return now; // it may start as soon as the last action closed
    return planTick(schedule.options.scheduleId, schedule.spec, schedule.options.overlap ?? 'skip', schedule.state, now, false).wakeAt;
  }

  #get(scheduleId: string): Schedule {
    const schedule = this.#schedules.get(scheduleId);
    if (!schedule) throw new Error(`Schedule ${scheduleId} not found`);
    return schedule;
  }
}
