// Scheduler: the schedules of a deployment (docs/api.md, Schedules) in one object's SQLite, woken by one alarm
// set to the earliest due time. Each action is a normal workflow whose id is derived from the schedule and the
// scheduled time, started with `rejectDuplicate`, so a repeated alarm never starts it twice. The calendar
// arithmetic and the overlap policy are pure code in src/core/schedule.ts.
import { DurableObject } from 'cloudflare:workers';
import {
  initialScheduleState, nextScheduledTimes, planTick, planTrigger, resolveScheduleSpec, unpauseScheduleState,
  type ResolvedScheduleSpec, type ScheduleState, type TickPlan,
} from '../src/core/schedule';
import type { PayloadCodec } from '../src/core/payloads/options';
import { RowCodecs, RowOpenError, sqlValueOf } from '../src/core/payloads/row-codecs';
import { ProblemType } from '../src/protocol/problem-types';
import { ok, refuse, type Reply } from '../src/protocol/reply';
import type { ScheduleDefinition, ScheduleDescription, ScheduleList, SchedulerRpc } from '../src/protocol/scheduler-rpc';
import { MetricDeltas } from '../src/visibility/metric-deltas';
import type { MetricsSnapshot } from '../src/visibility/metrics';
import { addHistograms, readHistograms } from './metric-tables';
import { migrate, SCHEDULER_MIGRATIONS } from './schema';
import { executionStub } from './stubs';

export interface SchedulerConfig {
  /** The namespace of WorkflowExecution objects, where actions start. */
  executions(env: unknown): DurableObjectNamespace;
  /** The codecs a schedule's row (its action's input and memo) is sealed with (docs/payloads.md). Default: none. */
  codecs?(env: unknown): PayloadCodec[];
}

interface Row {
  definition: ScheduleDefinition;
  spec: ResolvedScheduleSpec;
  state: ScheduleState;
  /** The last start that was refused for good (e.g. the workflow type is gone after a deploy). */
  lastError?: { at: number; workflowId: string; detail: string };
}

/** An alarm that fails is tried again this much later (alarms are retried only a few times by the platform). */
const RETRY_MS = 5_000;
/** Actions one alarm starts across all schedules; the rest stay due and the alarm comes again at once. */
const STARTS_PER_ALARM = 20;
/** The alarm is never set further ahead than this (the platform refuses far dates); it then simply looks again. */
const MAX_ALARM_AHEAD_MS = 365 * 86_400_000;
/** Refusals a retry cannot cure: the action is given up (and reported) instead of retried forever. */
const FINAL_START_REFUSALS = new Set(['duro:workflow-type-not-found', 'duro:invalid-request', 'duro:payload-too-large']);

export function createSchedulerClass(config: SchedulerConfig) {
  return class Scheduler extends DurableObject implements SchedulerRpc {
    /**
     * Every change to schedules runs here, one at a time: a tick waits on other objects (starting actions), and a
     * pause, delete or trigger arriving meanwhile must not act on, or be overwritten by, a stale copy of the row.
     */
    #changes: Promise<unknown> = Promise.resolve();

    #exclusive<T>(change: () => Promise<T>): Promise<T> {
      const result = this.#changes.then(change);
      this.#changes = result.catch(() => undefined);
      return result;
    }

    /** Rows are sealed before the statement that writes them, opened after the read (decision 019 §3). */
    readonly #codecs: RowCodecs;

    constructor(ctx: DurableObjectState, env: unknown) {
      super(ctx, env as never);
      this.#codecs = new RowCodecs(config.codecs?.(env) ?? []);
      void ctx.blockConcurrencyWhile(async () => {
        migrate(ctx.storage, SCHEDULER_MIGRATIONS);
      });
    }

    async create(input: Omit<ScheduleDefinition, 'createdAt'>): Promise<Reply<ScheduleDescription>> {
      return this.#exclusive(() => this.#create(input));
    }

    /**
     * What `call` answers; a schedule whose row does not open (docs/payloads.md, "When a row does not open") answers
     * duro:payload-unreadable naming the schedule, the row and the key, in every method that reads one.
     */
    async #readable<T>(scheduleId: string, call: () => Promise<Reply<T>>): Promise<Reply<T>> {
      try {
        return await call();
      } catch (error) {
        if (error instanceof RowOpenError) return refuse(ProblemType.payloadUnreadable, `Schedule ${scheduleId} cannot be read: ${error.message}`);
        throw error;
      }
    }

    async #create(input: Omit<ScheduleDefinition, 'createdAt'>): Promise<Reply<ScheduleDescription>> {
      if (this.#exists(input.scheduleId)) return refuse('duro:schedule-already-exists', `Schedule ${input.scheduleId} already exists`);
      let spec: ResolvedScheduleSpec;
      try {
        spec = resolveScheduleSpec(input.spec);
      } catch (error) {
        return refuse('duro:invalid-request', (error as Error).message);
      }
      const now = Date.now();
      const definition: ScheduleDefinition = { ...input, createdAt: now };
      const row: Row = { definition, spec, state: initialScheduleState(now) };
      await this.#save(row, this.#wakeAtOf(row, now));
      await this.#rearm();
      return ok(this.#describe(row));
    }

    async list(): Promise<ScheduleList> {
      await this.#checkAlarm();
      const found = this.ctx.storage.sql.exec<{ schedule_id: string; body: SqlStorageValue }>('SELECT schedule_id, body FROM schedules ORDER BY schedule_id').toArray();
      const schedules: ScheduleDescription[] = [];
      const unreadable: Array<{ scheduleId: string; reason: string }> = [];
      for (const { schedule_id: scheduleId, body } of found) {
        try {
          schedules.push(this.#describe(await this.#opened(scheduleId, body)));
        } catch (error) {
          if (!(error instanceof RowOpenError)) throw error;
          unreadable.push({ scheduleId, reason: error.message });
        }
      }
      return unreadable.length > 0 ? { schedules, unreadable } : { schedules };
    }

    async describe(scheduleId: string): Promise<Reply<ScheduleDescription>> {
      await this.#checkAlarm();
      return this.#readable(scheduleId, async () => {
        const row = await this.#row(scheduleId);
        return row ? ok(this.#describe(row)) : notFound(scheduleId);
      });
    }

    async remove(scheduleId: string): Promise<Reply<null>> {
      return this.#exclusive(() => this.#remove(scheduleId));
    }

    /** Without opening its row: a schedule sealed with a key no longer configured can still be removed. */
    async #remove(scheduleId: string): Promise<Reply<null>> {
      if (!this.#exists(scheduleId)) return notFound(scheduleId);
      this.ctx.storage.sql.exec('DELETE FROM schedules WHERE schedule_id = ?', scheduleId);
      await this.#rearm();
      return ok(null);
    }

    async setPaused(scheduleId: string, paused: boolean): Promise<Reply<null>> {
      return this.#exclusive(() => this.#readable(scheduleId, () => this.#setPaused(scheduleId, paused)));
    }

    async #setPaused(scheduleId: string, paused: boolean): Promise<Reply<null>> {
      const row = await this.#row(scheduleId);
      if (!row) return notFound(scheduleId);
      if (row.definition.paused === paused) return ok(null);
      row.definition.paused = paused;
      const now = Date.now();
      // Times that passed while paused are not run on unpause: the schedule carries on from now.
      if (!paused) row.state = unpauseScheduleState(row.state, now);
      await this.#save(row, this.#wakeAtOf(row, now));
      await this.#rearm();
      return ok(null);
    }

    async trigger(scheduleId: string): Promise<Reply<{ workflowId: string }>> {
      return this.#exclusive(() => this.#readable(scheduleId, () => this.#trigger(scheduleId)));
    }

    async #trigger(scheduleId: string): Promise<Reply<{ workflowId: string }>> {
      const row = await this.#row(scheduleId);
      if (!row) return notFound(scheduleId);
      const now = Date.now();
      const plan = planTrigger(scheduleId, row.state, now);
      // The calendar goes on as before.
      await this.#carryOut(row, plan, this.#storedWakeAt(scheduleId));
      await this.#rearm();
      return ok({ workflowId: plan.start[0]!.workflowId });
    }

    async metrics(): Promise<MetricsSnapshot> {
      return { counters: [], histograms: readHistograms(this.ctx.storage.sql), running: [] };
    }

    /** Ticks every due schedule; never throws (re-arms in finally). */
    override async alarm(): Promise<void> {
      await this.#exclusive(async () => {
        try {
          const now = Date.now();
          const due = this.ctx.storage.sql.exec<{ schedule_id: string }>('SELECT schedule_id FROM schedules WHERE wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at', now).toArray();
          let started = 0;
          for (const { schedule_id } of due) {
            if (started >= STARTS_PER_ALARM) break; // the rest stay due: the alarm comes again at once
            try {
              started += await this.#tick(schedule_id, now);
            } catch (error) {
              console.error(`duro: schedule ${schedule_id} failed to tick; trying again`, error);
              this.ctx.storage.sql.exec('UPDATE schedules SET wake_at = ? WHERE schedule_id = ?', now + RETRY_MS, schedule_id);
            }
          }
        } catch (error) {
          console.error('duro: scheduler alarm failed', error);
        } finally {
          await this.#rearm();
        }
      });
    }

    /** One schedule's wake-up; answers how many actions it started. */
    async #tick(scheduleId: string, now: number): Promise<number> {
      const row = await this.#row(scheduleId);
      if (!row || row.definition.paused) return 0;
      // Under allowAll the last action does not matter: no call to ask.
      const running = row.definition.overlap !== 'allowAll' && row.state.lastAction ? await this.#isRunning(row.state.lastAction.workflowId) : false;
      const plan = planTick(scheduleId, row.spec, row.definition.overlap, row.state, now, running);
      await this.#carryOut(row, plan);
      return plan.start.length;
    }

    /**
     * Starts the plan's actions, then stores its state and how late they started: a crash in between starts them
     * again, which the ids dedupe (and their lag, never stored, is not counted: at most once, as activity attempts).
     */
    async #carryOut(row: Row, plan: TickPlan, wakeAt = plan.wakeAt): Promise<void> {
      const lag = new MetricDeltas();
      for (const action of plan.start) {
        const startedAt = Date.now();
        const reply = await executionStub(config.executions(this.env), action.workflowId).start({
          workflowType: row.definition.workflowType,
          workflowId: action.workflowId,
          ...(row.definition.input !== undefined && { input: row.definition.input }),
          idReusePolicy: 'rejectDuplicate',
          searchAttributes: { scheduleId: row.definition.scheduleId, scheduledTime: new Date(action.scheduledTime).toISOString() },
        });
        // From the nominal time, jitter included. An action already there was started by an earlier try, at a time unknown here.
        if (reply.ok && !action.triggered) lag.observe('duro_schedule_action_lag_seconds', { workflow_type: row.definition.workflowType }, Math.max(0, startedAt - action.scheduledTime) / 1000);
        if (reply.ok || reply.problem.type === 'duro:workflow-already-started') continue; // already there: an earlier try started it
        if (!FINAL_START_REFUSALS.has(reply.problem.type)) throw new Error(`${reply.problem.type}: ${reply.problem.detail}`); // tried again
        console.error(`duro: schedule ${row.definition.scheduleId} could not start ${action.workflowId}: ${reply.problem.detail}`);
        row.lastError = { at: Date.now(), workflowId: action.workflowId, detail: `${reply.problem.type}: ${reply.problem.detail}` };
      }
      // Changes run one at a time (#exclusive): the row read here is still the stored one when the sealed row is written.
      const current = await this.#row(row.definition.scheduleId);
      const next = current && { ...current, state: plan.state, ...(row.lastError && { lastError: row.lastError }) };
      const body = next && (await this.#seal(next));
      this.ctx.storage.transactionSync(() => {
        addHistograms(this.ctx.storage.sql, lag);
        if (!next) return; // deleted meanwhile
        row.state = plan.state;
        this.#write(next, body!, current.definition.paused ? undefined : wakeAt);
      });
    }

    async #isRunning(workflowId: string): Promise<boolean> {
      const reply = await executionStub(config.executions(this.env), workflowId).describe({});
      return reply.ok && reply.value.status === 'running';
    }

    #describe(row: Row): ScheduleDescription {
      const nextRunTimes = row.definition.paused ? [] : nextScheduledTimes(row.spec, Math.max(row.state.handledThrough, Date.now()), 5);
      return { ...row.definition, state: row.state, nextRunTimes, ...(row.lastError && { lastError: row.lastError }) };
    }

    #wakeAtOf(row: Row, now: number): number | undefined {
      if (row.definition.paused) return undefined;
      if (row.state.buffered !== undefined) return now; // a buffered action may start as soon as the last one closed
      return planTick(row.definition.scheduleId, row.spec, row.definition.overlap, row.state, now, false).wakeAt;
    }

    #storedWakeAt(scheduleId: string): number | undefined {
      return this.ctx.storage.sql.exec<{ wake_at: number | null }>('SELECT wake_at FROM schedules WHERE schedule_id = ?', scheduleId).toArray()[0]?.wake_at ?? undefined;
    }

    #exists(scheduleId: string): boolean {
      return this.ctx.storage.sql.exec('SELECT 1 FROM schedules WHERE schedule_id = ?', scheduleId).toArray().length > 0;
    }

    async #row(scheduleId: string): Promise<Row | undefined> {
      const found = this.ctx.storage.sql.exec<{ body: SqlStorageValue }>('SELECT body FROM schedules WHERE schedule_id = ?', scheduleId).toArray()[0];
      return found && this.#opened(scheduleId, found.body);
    }

    async #opened(scheduleId: string, body: SqlStorageValue): Promise<Row> {
      return JSON.parse(await this.#codecs.open(body, scheduleIdentity(scheduleId))) as Row;
    }

    async #save(row: Row, wakeAt: number | undefined): Promise<void> {
      this.#write(row, await this.#seal(row), wakeAt);
    }

    async #seal(row: Row): Promise<string | ArrayBuffer> {
      return sqlValueOf(await this.#codecs.seal(JSON.stringify(row), scheduleIdentity(row.definition.scheduleId)));
    }

    #write(row: Row, body: string | ArrayBuffer, wakeAt: number | undefined): void {
      this.ctx.storage.sql.exec(
        'INSERT INTO schedules (schedule_id, body, wake_at) VALUES (?, ?, ?) ON CONFLICT (schedule_id) DO UPDATE SET body = excluded.body, wake_at = excluded.wake_at',
        row.definition.scheduleId, body, wakeAt ?? null,
      );
    }

    /** The alarm is always the earliest wake-up of any schedule. */
    async #rearm(): Promise<void> {
      const earliest = this.ctx.storage.sql.exec<{ at: number | null }>('SELECT min(wake_at) AS at FROM schedules').one().at;
      const at = earliest === null ? null : Math.min(earliest, Date.now() + MAX_ALARM_AHEAD_MS);
      if (at === null) await this.ctx.storage.deleteAlarm();
      else if ((await this.ctx.storage.getAlarm()) !== at) await this.ctx.storage.setAlarm(at);
    }

    /** Every call restores an alarm the platform lost (its retries ran out). */
    async #checkAlarm(): Promise<void> {
      if ((await this.ctx.storage.getAlarm()) === null) await this.#rearm();
    }
  };
}

/** What a schedule's row is bound to (sealed rows cannot move between schedules). */
function scheduleIdentity(scheduleId: string): string {
  return `s/${scheduleId}`;
}

function notFound<T>(scheduleId: string): Reply<T> {
  return refuse('duro:schedule-not-found', `Schedule ${scheduleId} not found`);
}
