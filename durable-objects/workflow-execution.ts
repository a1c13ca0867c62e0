// WorkflowExecution: one Durable Object per workflow id, holding that id's runs. History and state live in
// the object's SQLite (one transaction per step, before any effect leaves); one alarm serves every deadline;
// activities go out over HTTP; children, parents and signals to other workflows travel by RPC, re-sent until
// acknowledged.
import { DurableObject } from 'cloudflare:workers';
import type { ActivityImplementations } from '../src/core/activity';
import { QueryNotFoundError, DeterminismViolationError } from '../src/core/activator';
import type { WorkflowRegistry } from '../src/core/definitions';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../src/core/failure';
import type { HistoryEvent, Outcome, WorkflowExecutionStarted, WorkflowStatus } from '../src/core/history';
import {
  badResetPoint, blockedOnOtherCode, owesMessages, createRealClock, describeRun, handsOver, nextRunOf, planReset, outcomeOfCloseEvent, runLocalActivityAttempt, startParamsOf, WorkflowClosedError, WorkflowRun,
  type CarriedSignal, type HostClock, type RunEffect, type RunHost, type RunOutcome, type RunState, type StartParams,
} from '../src/core/internals';
import { PayloadError } from '../src/core/payload';
import { ActivityDispatcher, COMPLETES_LATER, type TaskQueueEndpoint } from './activity-dispatcher';
import { AttemptOutcomes } from './attempt-outcomes';
import type { AttemptRef, HistoryPage, ResultReply, StartReply, StartRequest, UpdateReply, UpdateRequest, WorkflowDescription } from '../src/protocol/execution-rpc';
import { ok, refuse, type Reply } from '../src/protocol/reply';
import { migrate } from './schema';
import { SqlRunStore } from './sql-run-store';
import { sendChildClosePolicies, sendChildStart, sendExternal, sendOutbox, sendParentNotice, type Send } from './execution-messages';
import { executionStub, type ChildClosedNotice, type WorkflowExecutionRpc } from './stubs';
import { decideStart } from '../src/core/start-policy';
import type { VisibilityTarget } from './visibility-outbox';
import { VisibilityReporter } from './visibility-reporter';
import { AlarmKeeper, OUTBOX_RETRY_MS } from './alarm-keeper';

export interface ExecutionConfig {
  registry: WorkflowRegistry;
  /** Implementations of local activities (run in-process, inside the activation). */
  activities: ActivityImplementations;
  /** The namespace of WorkflowExecution objects, for children, parents and external signals. */
  namespace(env: unknown): DurableObjectNamespace;
  endpointOf(env: unknown, taskQueue: string): TaskQueueEndpoint | undefined;
  activitySecret(env: unknown): string;
  callbackUrl(env: unknown): string | undefined;
  codeVersion(env: unknown): string | undefined;
  /** How long a closed run's history stays readable before the alarm deletes it. */
  retentionMs(env: unknown): number;
  /** The Visibility shards this object reports to; undefined when the deployment binds none (no list or count). */
  visibility(env: unknown): VisibilityTarget | undefined;
}

interface LoadedRun {
  run: WorkflowRun;
  chainIndex: number;
}

/** A with-start request whose run closed before it took the message tries again, a few times, on what runs then. */
function closedUnderIt(reply: { ok: false; problem: { type: string } }, tries: number): boolean {
  return reply.problem.type === 'duro:workflow-closed' && tries < 3;
}

/**
 * A history page's cap in JSON characters: at most ~12 MiB of UTF-8 (three bytes a character at worst), well under
 * the 32 MiB a Durable Object RPC reply carries, so a history of any size is read page by page.
 */
const HISTORY_PAGE_MAX_CHARS = 4 * 1024 * 1024;

export function createWorkflowExecutionClass(config: ExecutionConfig) {
  return class WorkflowExecution extends DurableObject implements WorkflowExecutionRpc {
    readonly #store: SqlRunStore;
    readonly #visibility: VisibilityReporter;
    readonly #dispatcher: ActivityDispatcher;
    readonly #outcomes: AttemptOutcomes;
    /** Local activity deadlines of this object, on one host timer. */
    readonly #clock: HostClock = createRealClock();
    /** Runs in chain order; closed runs are loaded on demand. */
    readonly #runIds: string[] = [];
    readonly #chainIndexes = new Map<string, number>();
    #nextChainIndex = 0;
    readonly #loaded = new Map<string, LoadedRun>();
    readonly #alarm: AlarmKeeper;
    /** Messages to other objects being delivered right now, by key. */
    readonly #sending = new Set<string>();
    /**
     * Runs whose stored state cannot be read (a corrupt row), with the reason: still listed, described with the reason
     * as `blockedReason`, and removed by a terminate, so no stored row can brick the workflow id (issue 15).
     */
    readonly #unloadable = new Map<string, string>();

    constructor(ctx: DurableObjectState, env: unknown) {
      super(ctx, env as never);
      this.#store = new SqlRunStore(ctx.storage);
      this.#outcomes = new AttemptOutcomes(ctx.storage);
      this.#visibility = new VisibilityReporter({
        storage: ctx.storage,
        target: () => config.visibility(this.env),
        delivered: async (failed) => {
          if (failed) this.#alarm.outboxDue = true;
          await this.#alarm.rearm();
        },
        wroteOutsideCommit: () => void this.#alarm.rearm(),
      });
      this.#alarm = new AlarmKeeper({
        storage: ctx.storage,
        earliestDeadline: () => this.#store.earliestDeadline(),
        loaded: this.#loaded,
        visibilityUnsent: () => this.#visibility.unsent,
      });
      this.#dispatcher = new ActivityDispatcher({
        secret: config.activitySecret(env),
        callbackUrl: config.callbackUrl(env),
        endpointOf: (taskQueue) => config.endpointOf(env, taskQueue),
      });
      void ctx.blockConcurrencyWhile(async () => {
        migrate(ctx.storage);
        this.#store.dropDeadlinesWithoutTime();
        this.#loadOpenRuns();
        await this.#alarm.load();
      });
    }

    // ---- RPC ----

    async start(request: StartRequest, carriedSignals: CarriedSignal[] = []): Promise<Reply<StartReply>> {
      this.#alarm.check();
      const definition = config.registry.get(request.workflowType);
      if (!definition) return refuse('duro:workflow-type-not-found', `Unknown workflow type '${request.workflowType}'`);
      const current = this.#current()?.run;
      const latest = current ? {
        runId: current.runId,
        status: current.state.status,
        ...(current.state.parent && { parent: current.state.parent }),
        ...(request.parent && { firstRunId: this.#firstRunIdOf(current) }), // only a parent's re-sent start needs it
      } : this.#unloadableLatest();
      const decision = decideStart(latest, request);
      if (decision.action === 'useExisting') return ok({ workflowId: request.workflowId, runId: decision.runId, started: false });
      if (decision.action === 'refuse') return refuse('duro:workflow-already-started', decision.detail, { runId: decision.runId });
      if (decision.action === 'terminateThenStart') {
        // The run may hand over (continue-as-new, a retry) while the terminate waits: terminate whatever runs now.
        for (let run = current; run && !run.isClosed; run = this.#current()?.run) await closedAnyway(run.terminate('terminated by a new start of the same workflow id'));
        if (!current && latest) this.#removeUnloadable(latest.runId, 'a new start of the same workflow id terminated it');
      }
      const runId = crypto.randomUUID();
      const params: StartParams = {
        workflowType: request.workflowType,
        workflowId: request.workflowId,
        runId,
        input: request.input,
        randomnessSeed: crypto.randomUUID(),
        attempt: 1,
        firstRunId: runId,
        ...(request.parent && { parent: request.parent }),
        ...(request.memo && { memo: request.memo }),
        ...(request.searchAttributes && { searchAttributes: request.searchAttributes }),
        ...(request.retryPolicy && { retryPolicy: request.retryPolicy }),
        ...(request.runTimeoutMs !== undefined && { runTimeoutMs: request.runTimeoutMs }),
        ...(request.executionTimeoutMs !== undefined && { executionTimeoutMs: request.executionTimeoutMs, executionDeadline: Date.now() + request.executionTimeoutMs }),
      };
      return this.#guard(async () => {
        const run = this.#startRun(params, carriedSignals, request.startDelayMs);
        await run.idle();
        return { workflowId: request.workflowId, runId, started: true };
      });
    }

    /** Signals the running workflow, or starts it with the signal delivered first (Temporal's signal-with-start). */
    async signalWithStart(request: StartRequest & { signalName: string; signalArgs: unknown[]; requestId?: string }): Promise<Reply<StartReply>> {
      const requestId = request.requestId !== undefined ? { requestId: request.requestId } : {};
      const carried = { signalName: request.signalName, args: request.signalArgs, ...requestId };
      // A run that closes while the signal waits for it (a terminate racing this request) did not take it: the request
      // then acts as if it came after the close, and starts a new run (test/integration-fixture/with-start-race.test.ts).
      for (let tries = 1; ; tries++) {
        const current = this.#current();
        if (!current || current.run.isClosed) return this.start(request, [carried]);
        const signalled = await this.signal({ name: request.signalName, args: request.signalArgs, ...requestId });
        if (signalled.ok) return ok({ workflowId: request.workflowId, runId: current.run.runId, started: false });
        if (!closedUnderIt(signalled, tries)) return signalled;
      }
    }

    /** Runs an update on the running workflow, starting it first when there is none (update-with-start). */
    async updateWithStart(request: StartRequest & { update: UpdateRequest }): Promise<Reply<StartReply & UpdateReply>> {
      for (let tries = 1; ; tries++) {
        const current = this.#current();
        let started: StartReply;
        if (current && !current.run.isClosed) started = { workflowId: request.workflowId, runId: current.run.runId, started: false };
        else {
          const reply = await this.start(request);
          if (!reply.ok) return reply;
          started = reply.value;
        }
        const updated = await this.update({ ...request.update, runId: started.runId });
        if (updated.ok) return ok({ ...started, ...updated.value });
        // As for signal-with-start: a run that closed before taking the update leaves it to a new run.
        if (started.started || !closedUnderIt(updated, tries)) return updated;
      }
    }

    async describe(options: { runId?: string }): Promise<Reply<WorkflowDescription>> {
      this.#alarm.check();
      const loaded = this.#find(options.runId);
      if (!loaded) {
        const unloadable = this.#describeUnloadable(options.runId ?? this.#runIds.at(-1));
        return unloadable ? ok(unloadable) : this.#notFound(options.runId);
      }
      await loaded.run.idle();
      return ok(describeRun(loaded.run.state));
    }

    async result(options: { runId?: string; waitMs: number; followRuns: boolean }): Promise<Reply<ResultReply>> {
      this.#alarm.check();
      let loaded: LoadedRun | undefined = this.#find(options.runId);
      if (!loaded) return this.#notFound(options.runId);
      const deadline = Date.now() + options.waitMs;
      for (;;) {
        const run: WorkflowRun = loaded.run;
        if (!run.isClosed) {
          const remaining = deadline - Date.now();
          if (remaining <= 0) return ok({ status: 'running', runId: run.runId });
          await untilClosedOr(run, remaining);
          continue;
        }
        const outcome: RunOutcome = outcomeOfCloseEvent(run.state.closeEvent!)!;
        // Continue-as-new and a retry hand over to a next run: the result is that run's (Temporal's GetResult).
        if (outcome.status === 'continuedAsNew' || (outcome.newRunId !== undefined && options.followRuns)) {
          const next: LoadedRun | undefined = options.followRuns ? this.#find(outcome.newRunId) : undefined;
          if (next) {
            loaded = next;
            continue;
          }
          if (!options.followRuns) return ok({ status: 'continuedAsNew', runId: run.runId, newRunId: outcome.newRunId! });
          return ok({ status: 'running', runId: outcome.newRunId! });
        }
        if (outcome.status === 'completed') return ok({ status: 'completed', runId: run.runId, result: outcome.result });
        return ok({ status: outcome.status as 'failed', runId: run.runId, failure: outcome.failure! });
      }
    }

    async history(options: { runId?: string; afterEventId?: number; limit?: number }): Promise<Reply<HistoryPage>> {
      this.#alarm.check();
      const loaded = this.#find(options.runId);
      if (!loaded) return this.#notFound(options.runId);
      await loaded.run.idle();
      const events = this.#store.readHistory(loaded.run.runId, options.afterEventId ?? 0, options.limit ?? 1_000, HISTORY_PAGE_MAX_CHARS);
      return ok({ events, nextEventId: (events.at(-1)?.eventId ?? options.afterEventId ?? 0) + 1 });
    }

    async signal(options: { name: string; args: unknown[]; requestId?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>> {
      this.#alarm.check();
      return this.#onOpenRun(options, async (run) => {
        await run.signal(options.name, options.args, options.requestId);
        return null;
      });
    }

    async query(options: { name: string; args: unknown[]; runId?: string }): Promise<Reply<{ result: unknown }>> {
      this.#alarm.check();
      const loaded = this.#find(options.runId);
      if (!loaded) return this.#notFound(options.runId);
      try {
        return ok({ result: await loaded.run.query(options.name, options.args) });
      } catch (error) {
        if (error instanceof QueryNotFoundError) return refuse('duro:query-not-found', error.message);
        return refuse('duro:query-failed', (error as Error).message, { failure: toFailureInfo(error) });
      }
    }

    async update(options: UpdateRequest & { runId?: string }): Promise<Reply<UpdateReply>> {
      this.#alarm.check();
      return this.#onOpenRun(options, async (run) => {
        const reply = await run.update(options.name, options.args, { ...(options.updateId !== undefined && { updateId: options.updateId }), acceptedOnly: options.wait === 'accepted' });
        if (reply.closedAs) throw new WorkflowClosedError(run.workflowId, reply.closedAs);
        if (reply.rejected) throw new UpdateRejected(reply.rejected);
        return reply.outcome ? { updateId: reply.updateId, outcome: reply.outcome } : { updateId: reply.updateId };
      });
    }

    async cancel(options: { reason?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>> {
      this.#alarm.check();
      return this.#onOpenRun(options, async (run) => {
        await run.cancel(options.reason);
        return null;
      });
    }

    async terminate(options: { reason?: string; runId?: string; followRuns?: boolean }): Promise<Reply<null>> {
      this.#alarm.check();
      const unloadableId = options.runId ?? this.#runIds.at(-1);
      if (unloadableId !== undefined && this.#unloadable.has(unloadableId) && !this.#loaded.has(unloadableId)) {
        this.#removeUnloadable(unloadableId, `terminated: ${options.reason ?? 'no reason given'}`);
        return ok(null);
      }
      return this.#onOpenRun(options, async (run) => {
        await run.terminate(options.reason);
        return null;
      });
    }

    async reset(options: { eventId: number; reason?: string; runId?: string }): Promise<Reply<{ runId: string }>> {
      const loaded = this.#find(options.runId);
      if (!loaded) return this.#notFound(options.runId);
      const old = loaded.run;
      await old.idle();
      const history = this.#store.readHistory(old.runId);
      const bad = badResetPoint(history, options.eventId);
      if (bad) return refuse('duro:bad-reset-point', bad);
      const definition = config.registry.get(old.state.workflowType);
      if (!definition) return refuse('duro:workflow-type-not-found', `Workflow type '${old.state.workflowType}' is not registered`);
      return this.#guard(async () => {
        const reason = `reset: ${options.reason ?? 'reset'}`;
        if (!old.isClosed) await closedAnyway(old.terminate(reason));
        // Resetting an earlier run of the chain (a failed attempt, a continued run) replaces the one running now.
        const current = this.#current()?.run;
        if (current && current !== old && !current.isClosed) await closedAnyway(current.terminate(reason));
        const plan = planReset(history, options.eventId, crypto.randomUUID(), Date.now());
        const chainIndex = this.#nextChainIndex++;
        const run = await WorkflowRun.fromReset(plan, definition, this.#hostFor(chainIndex));
        this.#runIds.push(run.runId);
        this.#chainIndexes.set(run.runId, chainIndex);
        this.#loaded.set(run.runId, { run, chainIndex });
        await run.idle();
        return { runId: run.runId };
      });
    }

    async pause(options: { reason?: string; runId?: string }): Promise<Reply<null>> {
      return this.#onOpenRun(options, async (run) => {
        run.pause(options.reason);
        await run.idle();
        return null;
      });
    }

    async unpause(options: { runId?: string }): Promise<Reply<null>> {
      return this.#onOpenRun(options, async (run) => {
        run.unpause();
        await run.idle();
        return null;
      });
    }

    async activityHeartbeat(ref: AttemptRef, details: unknown): Promise<Reply<{ cancelRequested: boolean }>> {
      const run = this.#find(ref.runId)?.run;
      if (!run) return refuse('duro:unknown-task-token', `Run ${ref.runId} no longer exists`);
      const reply = !run.isClosed ? this.#guardSync(() => run.heartbeat(ref.activityId, ref.attempt, details)) : undefined;
      if (reply && !reply.ok) return reply as Reply<never>;
      if (!reply?.value) return refuse('duro:activity-not-running', `Attempt ${ref.attempt} of activity ${ref.activityId} is not running`);
      return ok(reply.value);
    }

    async activityComplete(ref: AttemptRef, outcome: Outcome): Promise<Reply<null>> {
      const run = this.#find(ref.runId)?.run;
      if (!run) return refuse('duro:unknown-task-token', `Run ${ref.runId} no longer exists`);
      const activity = !run.isClosed ? run.state.activities[ref.activityId] : undefined;
      if (!activity || activity.attempt !== ref.attempt || activity.phase !== 'running') {
        return refuse('duro:activity-not-running', `Attempt ${ref.attempt} of activity ${ref.activityId} is not running`);
      }
      if ('result' in outcome) run.activityCompleted(ref.activityId, ref.attempt, outcome.result);
      else run.activityFailed(ref.activityId, ref.attempt, outcome.failure);
      await run.idle();
      return ok(null);
    }

    async childStarted(notice: { parentRunId: string; seq: number; workflowId: string; runId: string }): Promise<Reply<null>> {
      const run = this.#find(notice.parentRunId)?.run;
      if (run && !run.isClosed) {
        run.deliver({ type: 'ChildWorkflowStarted', seq: notice.seq, workflowId: notice.workflowId, runId: notice.runId });
        await run.idle();
      }
      return ok(null);
    }

    async childClosed(notice: ChildClosedNotice): Promise<Reply<null>> {
      const run = this.#find(notice.parentRunId)?.run;
      // A parent that closed meanwhile abandoned the child: the notice is acknowledged and dropped.
      if (run && !run.isClosed) {
        // The close overtook the answer to the start (both were on their way): the start is recorded first, as it happened.
        if (run.state.children[notice.seq]?.phase === 'starting') run.deliver({ type: 'ChildWorkflowStarted', seq: notice.seq, workflowId: notice.workflowId, runId: notice.firstRunId ?? notice.runId });
        run.deliver({ type: 'ChildWorkflowClosed', seq: notice.seq, workflowId: notice.workflowId, runId: notice.runId, status: notice.status, outcome: notice.outcome });
        await run.idle();
      }
      return ok(null);
    }

    override async alarm(): Promise<void> {
      // Alarms are retried a limited number of times: never throw, re-arm from the table in finally.
      try {
        this.#alarm.fired();
        const now = Date.now();
        for (const { run } of this.#loaded.values()) {
          if (run.isClosed) continue;
          const wakeAt = run.nextWakeAt();
          if (wakeAt !== undefined && wakeAt <= now) run.fireDeadlines();
          if (blockedOnOtherCode(run.state, config.codeVersion(this.env))) run.unblock();
        }
        this.#resendOutbox();
        await Promise.all([...this.#loaded.values()].map(({ run }) => run.idle()));
        this.#removeExpiredRuns(now);
      } catch (error) {
        console.error('duro: alarm failed', error);
      } finally {
        await this.#alarm.rearm();
      }
    }

    // ---- runs ----

    /** Retention: closed runs past their time are deleted with their history, unless they still owe messages. */
    #removeExpiredRuns(now: number): void {
      for (const runId of this.#store.expiredRuns(now)) {
        const state = this.#loaded.get(runId)?.run.state ?? this.#readState(runId);
        if (state?.status === 'running') continue;
        if (state && owesMessages(state)) {
          this.#store.setDeadline(runId, 'retention', now + OUTBOX_RETRY_MS); // delivered first, removed after
          continue;
        }
        this.#deleteRun(runId, state ?? { runId, workflowId: this.#workflowIdOf(runId) });
      }
    }

    #deleteRun(runId: string, ids: { runId: string; workflowId: string }): void {
      this.#store.deleteRun(runId, this.#visibility.removal(ids));
      this.#loaded.delete(runId);
      this.#unloadable.delete(runId);
      this.#chainIndexes.delete(runId);
      const index = this.#runIds.indexOf(runId);
      if (index >= 0) this.#runIds.splice(index, 1);
    }

    // ---- runs that cannot be loaded (issue 15: no stored row bricks the id) ----

    /** A run's stored state, or undefined when there is none or it cannot be read (then it is marked unloadable). */
    #readState(runId: string): RunState | undefined {
      try {
        return this.#store.loadState(runId);
      } catch (error) {
        this.#markUnloadable(runId, `its stored state cannot be read: ${error instanceof Error ? error.message : String(error)}`, error);
        return undefined;
      }
    }

    #markUnloadable(runId: string, reason: string, error: unknown): void {
      if (!this.#unloadable.has(runId)) console.error(`duro: run ${runId} cannot be loaded (${reason}); it can still be described, terminated and deleted`, error);
      this.#unloadable.set(runId, reason.slice(0, 1_000));
      this.#store.setDeadline(runId, 'run', undefined); // nothing can fire for it: the alarm must not come back for it
    }

    /** The latest run as `decideStart` needs it, when that run cannot be loaded. */
    #unloadableLatest(): { runId: string; status: WorkflowStatus } | undefined {
      const runId = this.#runIds.at(-1);
      const stored = runId !== undefined && this.#unloadable.has(runId) ? this.#store.storedRun(runId) : undefined;
      return stored && { runId: runId!, status: stored.status as WorkflowStatus };
    }

    #describeUnloadable(runId: string | undefined): WorkflowDescription | undefined {
      const reason = runId === undefined ? undefined : this.#unloadable.get(runId);
      const stored = reason === undefined ? undefined : this.#store.storedRun(runId!);
      if (!stored) return undefined;
      return {
        workflowId: this.#workflowIdOf(runId!), runId: runId!, workflowType: stored.workflowType, status: stored.status as WorkflowStatus,
        startTime: stored.startTime, ...(stored.closeTime !== undefined && { closeTime: stored.closeTime }), historyLength: stored.historyLength,
        pendingActivities: [], pendingTimers: [], pendingChildren: [], memo: {}, searchAttributes: {},
        blockedReason: `corrupt: ${reason}`,
      };
    }

    /** Terminating a run that cannot be loaded deletes it: nothing could be recorded in its history anyway. */
    #removeUnloadable(runId: string, why: string): void {
      console.error(`duro: run ${runId}, which cannot be loaded, is deleted: ${why}`);
      this.#deleteRun(runId, { runId, workflowId: this.#workflowIdOf(runId) });
    }

    /** The workflow id of this object, for a run whose state cannot be read: the object's name, else its start event. */
    #workflowIdOf(runId: string): string {
      if (this.ctx.id.name) return this.ctx.id.name;
      try {
        return this.#startEventOf(runId)?.workflowId ?? '';
      } catch {
        return '';
      }
    }

    #loadOpenRuns(): void {
      for (const stored of this.#store.listRuns()) {
        this.#runIds.push(stored.runId);
        this.#chainIndexes.set(stored.runId, stored.chainIndex);
        this.#nextChainIndex = Math.max(this.#nextChainIndex, stored.chainIndex + 1);
        const closed = stored.status === 'running' ? undefined : this.#readState(stored.runId);
        if (stored.status === 'running' || (closed !== undefined && owesMessages(closed))) {
          // A run this deployment cannot load (its workflow type is gone) must not keep the alarm firing.
          if (!this.#load(stored.runId, stored.chainIndex)) this.#store.setDeadline(stored.runId, 'run', undefined);
        }
      }
      for (const { run } of [...this.#loaded.values()]) {
        try {
          // Attempts whose HTTP call died with the previous instance are failed as retryable at once.
          for (const activity of Object.values(run.state.activities)) {
            if (activity.phase === 'running' && !activity.completesLater) {
              run.activityFailed(activity.activityId, activity.attempt, this.#outcomes.lostAttemptFailure(run.runId, activity));
            }
          }
          if (blockedOnOtherCode(run.state, config.codeVersion(this.env))) run.unblock();
          if (!run.isClosed) this.#store.setDeadline(run.runId, 'run', run.nextWakeAt());
        } catch (error) {
          // A stored state that loaded but does not hold together: never an exception that takes the object down.
          this.#loaded.delete(run.runId);
          this.#markUnloadable(run.runId, `its stored state does not hold together: ${error instanceof Error ? error.message : String(error)}`, error);
        }
      }
      // A run that continued as new (or is retried) is closed one step before the next run's first commit: if the
      // object died in between, its close event is the record of the start still owed (children.test.ts in test/integration-fixture).
      const lastRunId = this.#runIds.at(-1);
      const last = lastRunId === undefined ? undefined : this.#find(lastRunId)?.run;
      if (last?.state.closeEvent) this.#startNextRun(last, last.state.closeEvent);
      this.#visibility.backfill(() => this.#store.listRuns().flatMap((stored) => this.#loaded.get(stored.runId)?.run.state ?? this.#readState(stored.runId) ?? []));
      // Whatever the last instance was sending may not have arrived: send it again, soon.
      this.#alarm.outboxDue = this.#alarm.owesMessages() || this.#visibility.hasPending();
      this.#visibility.flush();
    }

    #load(runId: string, chainIndex: number): LoadedRun | undefined {
      const state = this.#readState(runId);
      if (!state) return undefined;
      const definition = config.registry.get(state.workflowType);
      if (!definition) {
        console.error(`duro: run ${runId} has workflow type '${state.workflowType}', which this deployment does not register`);
        return undefined;
      }
      this.#visibility.loaded(state);
      let loaded: LoadedRun;
      try {
        loaded = { run: WorkflowRun.load(state, definition, this.#hostFor(chainIndex)), chainIndex };
      } catch (error) {
        this.#markUnloadable(runId, `its stored state cannot be loaded: ${error instanceof Error ? error.message : String(error)}`, error);
        return undefined;
      }
      this.#loaded.set(runId, loaded);
      return loaded;
    }

    #startRun(params: StartParams, carriedSignals: CarriedSignal[], startDelayMs = 0): WorkflowRun {
      const definition = config.registry.get(params.workflowType)!;
      // Stored indexes only grow: retention may have removed older runs, never renumbering the rest.
      const chainIndex = this.#nextChainIndex++;
      const run = WorkflowRun.start(params, definition, this.#hostFor(chainIndex), carriedSignals, startDelayMs);
      this.#runIds.push(params.runId);
      this.#chainIndexes.set(params.runId, chainIndex);
      this.#loaded.set(params.runId, { run, chainIndex });
      return run;
    }

    #current(): LoadedRun | undefined {
      const runId = this.#runIds.at(-1);
      return runId === undefined ? undefined : this.#find(runId);
    }

    #find(runId: string | undefined): LoadedRun | undefined {
      if (runId === undefined) return this.#current();
      const loaded = this.#loaded.get(runId);
      if (loaded) return loaded;
      const chainIndex = this.#chainIndexes.get(runId);
      // A run found unloadable stays so for this instance: not read, parsed and refused again on every request.
      if (chainIndex === undefined || this.#unloadable.has(runId)) return undefined;
      return this.#load(runId, chainIndex);
    }

    #hostFor(chainIndex: number): RunHost {
      const env = this.env;
      const host: RunHost = {
        now: () => Date.now(),
        newRunId: () => crypto.randomUUID(),
        store: {
          readHistory: (runId, afterEventId, limit) => this.#store.readHistory(runId, afterEventId, limit),
          commit: (runId, commit) => {
            const retainUntil = commit.state.closeTime === undefined ? undefined : commit.state.closeTime + config.retentionMs(this.env);
            try {
              const report = this.#visibility.report(commit.state, commit.events, commit.attempts);
              this.#store.commit(runId, chainIndex, commit, retainUntil, report?.write);
              if (report) this.#visibility.committed(report);
            } catch (error) {
              // The run in memory is now ahead of storage: going on would leave a gap in its history. Reset the
              // object, so the next request or the alarm reloads the run from what was committed.
              console.error(`duro: commit of run ${runId} failed; resetting the object`, error);
              this.#outcomes.noteFailedCommit(runId, error); // after the rollback, before the reset
              this.#reset(error);
              throw error;
            }
            if (!this.#alarm.covers(commit.wakeAt, retainUntil)) void this.#alarm.rearm();
          },
        },
        runLocalActivity: (command, ref) => runLocalActivityAttempt(config.activities, this.#clock, command, ref, () => undefined),
        effects: (run, effects) => this.#carryOut(run, effects),
      };
      const codeVersion = config.codeVersion(env);
      if (codeVersion !== undefined) host.codeVersion = codeVersion;
      return host;
    }

    // ---- effects (after commit) ----

    #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
      for (const effect of effects) {
        switch (effect.type) {
          case 'dispatchActivity':
            void this.#dispatcher.dispatch(effect.task).then((outcome) => {
              if (outcome === COMPLETES_LATER) run.attemptAccepted(effect.task.activityId, effect.task.attempt);
              else this.#outcomes.resolve(run, effect.task, outcome);
            });
            break;
          case 'cancelActivity':
            this.#dispatcher.abort(run.runId, effect.activityId, effect.attempt);
            break;
          case 'startChild':
            sendChildStart(run, effect.child, this.#sender);
            break;
          case 'external':
            sendExternal(run, effect.request, this.#sender);
            break;
          case 'closed':
            this.#afterClose(run, effect);
            break;
        }
      }
    }

    #afterClose(run: WorkflowRun, effect: Extract<RunEffect, { type: 'closed' }>): void {
      const { closeEvent } = effect;
      this.#startNextRun(run, closeEvent);
      sendChildClosePolicies(run, this.#sender);
      sendParentNotice(run, this.#sender, this.#firstRunIdOf);
    }

    /** Starts the run that a close hands over to (continue-as-new, or the next attempt of a retried workflow). */
    #startNextRun(run: WorkflowRun, closeEvent: HistoryEvent): void {
      if (!handsOver(closeEvent)) return; // most closes: no read of the start event
      const started = this.#startEventOf(run.runId);
      if (!started) return;
      const next = nextRunOf(startParamsOf(started), run.state, closeEvent, crypto.randomUUID());
      if (!next || this.#chainIndexes.has(next.params.runId)) return; // nothing follows, or already started
      this.#startRun(next.params, next.carriedSignals, Math.max(0, next.startAt - Date.now()));
    }

    /** Re-sends everything this object owes to other objects; receivers dedupe (DESIGN §4). */
    #resendOutbox(): void {
      this.#alarm.outboxDue = false;
      for (const { run } of this.#loaded.values()) sendOutbox(run, this.#sender, this.#firstRunIdOf);
      this.#visibility.flush();
    }

    readonly #sender: Send = (key, deliver) => this.#send(key, deliver);

    /** From the run's start event: read only for a child's close notice and a parent's re-sent child start. */
    readonly #firstRunIdOf = (run: WorkflowRun): string => this.#startEventOf(run.runId)?.firstRunId ?? run.runId;

    /** A run's first event, read from storage (the run in memory keeps only what its state needs). */
    #startEventOf(runId: string): WorkflowExecutionStarted | undefined {
      const [started] = this.#store.readHistory(runId, 0, 1);
      return started?.type === 'WorkflowExecutionStarted' ? started : undefined;
    }

    /** One delivery at a time per message; an unreachable receiver leaves it to the alarm (receivers dedupe). */
    #send(key: string, deliver: (stubOf: (workflowId: string) => WorkflowExecutionRpc) => Promise<void>): void {
      if (this.#sending.has(key)) return;
      this.#sending.add(key);
      const namespace = config.namespace(this.env);
      deliver((workflowId) => executionStub(namespace, workflowId))
        .catch(async (error: unknown) => {
          console.error(`duro: delivery of ${key} failed; retrying from the alarm`, error);
          this.#alarm.outboxDue = true;
          await this.#alarm.rearm();
        })
        .finally(() => this.#sending.delete(key));
    }

    // ---- replies ----

    /**
     * With `followRuns`, the run a request names stands for its chain: when it handed over (continue-as-new, a retry)
     * and the chain is still running, the current run is meant. A batch names the runs it matched, which may have moved on.
     */
    #following(options: { runId?: string; followRuns?: boolean }): string | undefined {
      if (!options.followRuns || options.runId === undefined) return options.runId;
      let run = this.#find(options.runId)?.run;
      for (let hops = 0; run?.isClosed && hops < 10_000; hops++) {
        const next = outcomeOfCloseEvent(run.state.closeEvent!)?.newRunId;
        if (next === undefined) break;
        run = this.#find(next)?.run;
      }
      return run?.runId ?? options.runId;
    }

    /** `target`: a run id (that run), none (the current run), or a run id with `followRuns` (where its chain is now). */
    async #onOpenRun<T>(target: { runId?: string; followRuns?: boolean }, fn: (run: WorkflowRun) => Promise<T>): Promise<Reply<T>> {
      const followsChain = target.runId === undefined || target.followRuns === true;
      for (let handOvers = 0; ; handOvers++) {
        const runId = this.#following(target);
        const loaded = this.#find(runId);
        if (!loaded) return this.#notFound(runId);
        if (loaded.run.isClosed) return refuse('duro:workflow-closed', `Workflow ${loaded.run.workflowId} is ${loaded.run.state.status}`, { workflowStatus: loaded.run.state.status });
        const reply = await this.#guard(() => fn(loaded.run));
        // Addressed to the workflow id, not a run: a run that closed while the request waited in its queue handed
        // over to the next one (continue-as-new, a retry), which takes it — as Temporal delivers to the current run.
        const handedOver = !reply.ok && reply.problem.type === 'duro:workflow-closed' && followsChain && this.#find(this.#following(target))?.run !== loaded.run;
        if (!handedOver || handOvers >= 10) return reply;
      }
    }

    async #guard<T>(fn: () => Promise<T>): Promise<Reply<T>> {
      try {
        return ok(await fn());
      } catch (error) {
        return errorReply(error);
      }
    }

    #guardSync<T>(fn: () => T): Reply<T> {
      try {
        return ok(fn());
      } catch (error) {
        return errorReply(error);
      }
    }

    #reset(cause: unknown): void {
      try {
        this.ctx.abort(`duro: a commit failed (${cause instanceof Error ? cause.message : String(cause)})`);
      } catch {
        // Already reset (an instance outliving its reset, e.g. with an in-process activity still running).
      }
    }

    #notFound<T>(runId: string | undefined): Reply<T> {
      return refuse('duro:workflow-not-found', runId ? `Run ${runId} not found` : 'Workflow not found');
    }
  };
}

class UpdateRejected extends Error {
  constructor(readonly failure: FailureInfo) {
    super(failure.message);
  }
}

function errorReply<T>(error: unknown): Reply<T> {
  if (error instanceof UpdateRejected) return refuse('duro:update-rejected', error.message, { failure: error.failure });
  if (error instanceof WorkflowClosedError) return refuse('duro:workflow-closed', error.message);
  // Only a size says too large; a shape (NaN, nesting, not JSON) is an invalid value.
  if (error instanceof PayloadError) return refuse(error.sizeBytes === undefined ? 'duro:invalid-request' : 'duro:payload-too-large', error.message);
  if (error instanceof DeterminismViolationError) return refuse('duro:determinism-violation', error.message);
  if (error instanceof ApplicationFailure && error.type === 'LimitExceeded') return refuse('duro:limit-exceeded', error.message);
  console.error('duro: unexpected error', error);
  return refuse('duro:internal', (error as Error).message ?? String(error));
}

/** Waits for a terminate this object asked for itself; a run that closed first needs none. */
async function closedAnyway(terminated: Promise<void>): Promise<void> {
  try {
    await terminated;
  } catch (error) {
    if (!(error instanceof WorkflowClosedError)) throw error;
  }
}



/** Waits for the run to close or for `ms`, leaving no waiter behind either way (a long-poll per 30 s adds up). */
function untilClosedOr(run: WorkflowRun, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      unsubscribe();
      resolve();
    }, ms);
    const unsubscribe = run.onClose(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

