// The Durable Object host of one workflow id's execution (src/core/execution/): the id's runs live in the object's
// SQLite (one transaction per step, before any effect leaves); one alarm serves every deadline; activities go out
// over HTTP; children, parents and signals to other workflows travel by RPC, re-sent until acknowledged. Every rule
// about the runs of the id is the core's; this file supplies storage, the clock, wake-ups and transport.
import type { PayloadConverter } from '../src/core/payloads/envelope';
import { otlpOptionsFrom } from '../src/protocol/otlp';
import { OtlpSpanExporter } from '../src/protocol/otlp-exporter';
import { DurableObject } from 'cloudflare:workers';
import type { ActivityImplementations } from '../src/core/activity';
import type { WorkflowEnvironment, WorkflowRegistry } from '../src/core/definitions';
import { Execution } from '../src/core/execution/execution';
import type { ExecutionHost } from '../src/core/execution/execution-host';
import { createRealClock, installDeterminismGuards, owesMessages, realGlobals, runLocalActivityAttempt, type CarriedSignal, type HostClock, type RunCommit, type RunEffect, type RunState, type WorkflowRun } from '../src/core/internals';
import type { WorkflowStatus } from '../src/core/history';
import { answering } from '../src/protocol/execution-answers';
import { sendEffects, sendOutbox, type Send } from '../src/protocol/execution-messages';
import type { ExecutionApi, WorkflowExecutionRpc } from '../src/protocol/execution-rpc';
import type { Reply } from '../src/protocol/reply';
import type { PayloadCodec } from '../src/core/payloads/options';
import { afterSealing, RowCodecs } from '../src/core/payloads/row-codecs';
import type { RowBlobs } from '../src/core/payloads/row-blobs';
import { ActivityDispatcher, COMPLETES_LATER, type TaskQueueEndpoint } from './activity-dispatcher';
import { AlarmKeeper, OUTBOX_RETRY_MS } from './alarm-keeper';
import { AttemptOutcomes } from './attempt-outcomes';
import { ExecutionSchema } from './execution-schema';
import { SqlRunStore } from './sql-run-store';
import { executionStub } from './stubs';
import type { VisibilityTarget } from './visibility-outbox';
import { VisibilityReporter } from './visibility-reporter';

export interface ExecutionConfig {
  registry: WorkflowRegistry;
  /** Implementations of local activities (run in-process, inside the activation). */
  activities: ActivityImplementations;
  /** The namespace of WorkflowExecution objects, for children, parents and external signals. */
  namespace(env: unknown): DurableObjectNamespace;
  /** `exports`: the object's `ctx.exports` (the Worker's entrypoints), where the runtime has them. */
  endpointOf(env: unknown, taskQueue: string, exports: unknown): TaskQueueEndpoint | undefined;
  activitySecret(env: unknown): string;
  callbackUrl(env: unknown): string | undefined;
  codeVersion(env: unknown): string | undefined;
  /** How long a closed run's history stays readable before the alarm deletes it. */
  retentionMs(env: unknown): number;
  /** The Visibility shards this object reports to; undefined when the deployment binds none (no list or count). */
  visibility(env: unknown): VisibilityTarget | undefined;
  /** The env workflows get as `this.env` (duro/cloudflare): the Worker's, with its Workflow bindings added. Default: the Worker's. */
  workflowEnv?(env: unknown): unknown;
  /** How workflow code's new values are written (docs/payloads.md). Default `json`. */
  payloadConverter?: PayloadConverter;
  /** The codecs every stored row holding payloads goes through (docs/payloads.md, "Encryption at rest"). Default: none. */
  codecs?(env: unknown): PayloadCodec[];
  /** Where history rows over the threshold are kept (docs/payloads.md, "Large payloads"). Default: none, all inline. */
  blobs?(env: unknown): RowBlobs | undefined;
}

/**
 * A history page's cap in JSON characters: at most ~12 MiB of UTF-8 (three bytes a character at worst), well under
 * the 32 MiB a Durable Object RPC reply carries, so a history of any size is read page by page.
 */
const HISTORY_PAGE_MAX_CHARS = 4 * 1024 * 1024;

let warnedUnguarded = false;

/**
 * Once per isolate: without `nodejs_compat` workerd has no async context, so Math.random, Date and setTimeout in
 * workflow code stay the real ones and a rejection it leaves unhandled is not the run's (docs/programming-model.md).
 */
function warnIfWorkflowCodeUnguarded(): void {
  if (warnedUnguarded || installDeterminismGuards()) return;
  warnedUnguarded = true;
  console.warn('Duro: add "nodejs_compat" to compatibility_flags in wrangler.toml. Without it, Math.random, Date and setTimeout in workflow code are not made deterministic, and unhandled rejections in workflow code are not caught (docs/programming-model.md#determinism-of-the-globals).');
}

/** The Durable Object class a deployment exports as `WorkflowExecution`, bound to its configuration. */
export function createWorkflowExecutionClass(config: ExecutionConfig) {
  return class WorkflowExecution extends ExecutionObject {
    constructor(ctx: DurableObjectState, env: unknown) {
      super(ctx, env, config);
    }
  };
}

type Rpc = WorkflowExecutionRpc & { start(request: Parameters<ExecutionApi['start']>[0], carriedSignals?: CarriedSignal[]): ReturnType<ExecutionApi['start']> };

export class ExecutionObject extends DurableObject implements WorkflowExecutionRpc {
  readonly #config: ExecutionConfig;
  readonly #store: SqlRunStore;
  /** The claim check's store, when the deployment binds one. */
  readonly #blobs: RowBlobs | undefined;
  readonly #visibility: VisibilityReporter;
  readonly #dispatcher: ActivityDispatcher;
  /** Set when the Worker's env names an OTLP endpoint (docs/observability.md, Traces). */
  #spanExporter: OtlpSpanExporter | undefined;
  readonly #outcomes: AttemptOutcomes;
  readonly #alarm: AlarmKeeper;
  /** Local activity deadlines of this object, on one host timer. */
  readonly #clock: HostClock = createRealClock();
  /** Messages to other objects being delivered right now, by key. */
  readonly #sending = new Set<string>();
  #execution!: Execution;
  #rpc!: Rpc;
  /** What workflows that want the Worker's env get (duro/cloudflare's `this.env` and `this.ctx.waitUntil`). */
  readonly #environment: WorkflowEnvironment;
  /** Requests being answered (RPC calls) and alarms running: an object is never emptied under one. */
  #requests = 0;
  /** Retention deleted the object's last run: it empties its storage once nothing is owed ({@link #wipeIfEmptied}). */
  #mayWipe = false;

  constructor(ctx: DurableObjectState, env: unknown, config: ExecutionConfig) {
    super(ctx, env as never);
    warnIfWorkflowCodeUnguarded();
    this.#config = config;
    this.#environment = { env: config.workflowEnv ? config.workflowEnv(env) : env, waitUntil: (promise) => ctx.waitUntil(promise) };
    const rows = new RowCodecs(config.codecs?.(env) ?? []);
    this.#blobs = config.blobs?.(env);
    // Synchronous, before anything reads: an older object's migrations run now; a new object's schema waits for its
    // first commit (execution-schema.ts).
    const { schema, isNew } = ExecutionSchema.open(ctx.storage);
    this.#store = new SqlRunStore(ctx.storage, rows, this.#blobs && {
      rows: this.#blobs,
      workflowId: () => this.#workflowId(),
      exclusive: (work) => ctx.blockConcurrencyWhile(work),
    }, schema);
    this.#outcomes = new AttemptOutcomes(ctx.storage, schema);
    this.#visibility = new VisibilityReporter({
      storage: ctx.storage,
      schema,
      target: () => config.visibility(this.env),
      delivered: async (failed) => {
        if (failed) this.#alarm.deliveryFailed();
        else this.#alarm.deliverySucceeded();
        await this.#alarm.rearm();
      },
      wroteOutsideCommit: () => void this.#alarm.rearm(),
      drained: () => {
        if (this.#mayWipe) void this.#wipeIfEmptied();
      },
      rows,
    });
    this.#alarm = new AlarmKeeper({
      storage: ctx.storage,
      earliestDeadline: () => this.#store.earliestDeadline(),
      runs: () => this.#execution?.eachLoadedRun() ?? [],
      visibilityUnsent: () => this.#visibility.unsent,
    });
    const otlp = otlpOptionsFrom(env as Record<string, unknown>);
    if (otlp) this.#spanExporter = new OtlpSpanExporter(otlp, undefined, (promise) => ctx.waitUntil(promise));
    this.#dispatcher = new ActivityDispatcher({
      secret: config.activitySecret(env),
      callbackUrl: config.callbackUrl(env),
      endpointOf: (taskQueue) => config.endpointOf(env, taskQueue, (ctx as { exports?: unknown }).exports),
      ...(this.#blobs && { maxPayloadBytes: this.#blobs.limits.maxPayloadBytes }),
    });
    void ctx.blockConcurrencyWhile(async () => {
      // A new object (most are: one per workflow id) holds nothing to repair, re-read or send again.
      if (!isNew) this.#store.dropDeadlinesWithoutTime();
      this.#execution = await Execution.open(this.#host());
      this.#rpc = answering(this.#execution, HISTORY_PAGE_MAX_CHARS) as Rpc;
      if (!isNew) await this.#afterOpen();
      await this.#alarm.load();
    });
  }

  // ---- RPC: every request re-arms the alarm from the table (DESIGN §4), then the execution answers ----

  start(request: Parameters<Rpc['start']>[0], carriedSignals: CarriedSignal[] = []) { return this.#call((rpc) => rpc.start(request, carriedSignals)); }
  signalWithStart(request: Parameters<Rpc['signalWithStart']>[0]) { return this.#call((rpc) => rpc.signalWithStart(request)); }
  updateWithStart(request: Parameters<Rpc['updateWithStart']>[0]) { return this.#call((rpc) => rpc.updateWithStart(request)); }
  describe(options: Parameters<Rpc['describe']>[0]) { return this.#call((rpc) => rpc.describe(options)); }
  result(options: Parameters<Rpc['result']>[0]) { return this.#call((rpc) => rpc.result(options)); }
  history(options: Parameters<Rpc['history']>[0]) { return this.#call((rpc) => rpc.history(options)); }
  logs(options: Parameters<Rpc['logs']>[0]) { return this.#call((rpc) => rpc.logs(options)); }
  signal(options: Parameters<Rpc['signal']>[0]) { return this.#call((rpc) => rpc.signal(options)); }
  query(options: Parameters<Rpc['query']>[0]) { return this.#call((rpc) => rpc.query(options)); }
  update(options: Parameters<Rpc['update']>[0]) { return this.#call((rpc) => rpc.update(options)); }
  cancel(options: Parameters<Rpc['cancel']>[0]) { return this.#call((rpc) => rpc.cancel(options)); }
  terminate(options: Parameters<Rpc['terminate']>[0]) { return this.#call((rpc) => rpc.terminate(options)); }
  reset(options: Parameters<Rpc['reset']>[0]) { return this.#call((rpc) => rpc.reset(options)); }
  pause(options: Parameters<Rpc['pause']>[0]) { return this.#call((rpc) => rpc.pause(options)); }
  unpause(options: Parameters<Rpc['unpause']>[0]) { return this.#call((rpc) => rpc.unpause(options)); }
  activityHeartbeat(...args: Parameters<Rpc['activityHeartbeat']>) { return this.#call((rpc) => rpc.activityHeartbeat(...args)); }
  activityComplete(...args: Parameters<Rpc['activityComplete']>) { return this.#call((rpc) => rpc.activityComplete(...args)); }
  childStarted(notice: Parameters<Rpc['childStarted']>[0]) { return this.#call((rpc) => rpc.childStarted(notice)); }
  childClosed(notice: Parameters<Rpc['childClosed']>[0]) { return this.#call((rpc) => rpc.childClosed(notice)); }
  applyParentClosePolicy(request: Parameters<Rpc['applyParentClosePolicy']>[0]) { return this.#call((rpc) => rpc.applyParentClosePolicy(request)); }

  override async alarm(): Promise<void> {
    // Alarms are retried a limited number of times: never throw, re-arm from the table in finally.
    this.#requests++;
    try {
      this.#alarm.fired();
      this.#execution.wake();
      this.#resendOutbox();
      await Promise.all(this.#execution.loadedRuns().map((run) => run.idle()));
      // Each open run's stored deadline as its state has it now (written where it differs): an alarm must never be
      // set again to a time that has passed with nothing due.
      this.#refreshRunDeadlines();
      await this.#removeExpiredRuns(Date.now());
      await this.#store.collectBlobs(Date.now());
    } catch (error) {
      console.error('duro: alarm failed', error);
    } finally {
      await this.#alarm.rearm();
      this.#requests--;
      await this.#wipeIfEmptied();
    }
  }

  #call<T>(call: (rpc: Rpc) => Promise<Reply<T>>): Promise<Reply<T>> {
    this.#alarm.check();
    this.#requests++;
    // Answers never reject (execution-answers.ts): a refusal is a reply too.
    const reply = call(this.#rpc);
    void reply.then(() => {
      this.#requests--;
      if (this.#mayWipe) void this.#wipeIfEmptied();
    });
    return reply;
  }

  // ---- the host the execution runs on ----

  /** The id this object serves: its name, or, for an object made from an id without one, its runs' id. */
  #workflowId(): string {
    return this.ctx.id.name ?? this.#execution?.loadedRuns()[0]?.workflowId ?? '';
  }

  #host(): ExecutionHost {
    const { env } = this;
    const config = this.#config;
    const store = this.#store;
    const workflowId = () => this.#workflowId();
    return {
      get workflowId() {
        return workflowId();
      },
      definitionOf: (workflowType) => config.registry.get(workflowType, this.#environment),
      codeVersion: () => config.codeVersion(env),
      ...(config.payloadConverter && { payloadConverter: config.payloadConverter }),
      ...(this.#blobs && { blobs: this.#blobs.limits }),
      // The real clock itself: the engine's own reads need not ask the guarded Date.now whose workflow is running.
      now: () => realGlobals().now(),
      newId: () => crypto.randomUUID(),
      store: {
        listRuns: () => store.listRuns().map((run) => ({ ...run, status: run.status as WorkflowStatus })),
        loadState: (runId) =>
          afterSealing(store.loadState(runId), (state) => {
            if (state) this.#visibility.loaded(state); // its record was reported in the transaction that stored it
            return state;
          }),
        summaryOf: (runId) => {
          const summary = store.storedRun(runId);
          return summary && { ...summary, status: summary.status as WorkflowStatus };
        },
        readHistory: (runId, afterEventId, limit, maxChars) => store.readHistory(runId, afterEventId, limit ?? -1, maxChars),
        readLogs: (runId, afterSeq, limit) => store.readLogs(runId, afterSeq, limit),
        commit: (runId, chainIndex, commit) => this.#commit(runId, chainIndex, commit),
        deleteRun: (runId) => {
          this.#deleteRun(runId, workflowId());
          void this.#alarm.rearm(); // its blobs joined the delete queue, which the alarm drains
        },
        forgetDeadlines: (runId) => store.setRunDeadline(runId, undefined),
      },
      runLocalActivity: (command, ref, keepLog) => runLocalActivityAttempt(config.activities, this.#clock, command, ref, () => undefined, keepLog, this.#blobs?.limits.maxPayloadBytes),
      effects: (run, effects) => this.#carryOut(run, effects),
      ...(this.#spanExporter && { spans: this.#spanExporter.export }),
      report: (message, error) => console.error(`duro: ${message}`, ...(error === undefined ? [] : [error])),
      setTimer: (ms, fire) => {
        const timer = setTimeout(fire, ms);
        return () => clearTimeout(timer);
      },
      lostAttemptFailure: (run, activity) => this.#outcomes.lostAttemptFailure(run.runId, activity),
    };
  }

  /**
   * Seals the step's outbox rows, then the store seals its rows and writes all in one transaction (payload codecs:
   * WebCrypto settles at once in workerd, so no other event runs in between, decision 019 §3). Without codecs, all of
   * it synchronously, as before.
   */
  #commit(runId: string, chainIndex: number, commit: RunCommit): void | Promise<void> {
    const retainUntil = commit.state.closeTime === undefined ? undefined : commit.state.closeTime + this.#config.retentionMs(this.env);
    const failed = (error: unknown) => this.#failedCommit(runId, error);
    const written = () => {
      if (!this.#alarm.covers(commit.wakeAt, retainUntil)) void this.#alarm.rearm();
    };
    try {
      const report = this.#visibility.report(commit.state, commit.events, commit.attempts);
      const committing = afterSealing(report?.write ? report.rows : [], (outbox) =>
        afterSealing(this.#store.commit(runId, chainIndex, commit, retainUntil, report?.write && (() => report.write(outbox))), () => {
          if (report) this.#visibility.committed(report);
        }));
      if (committing instanceof Promise) return committing.then(written, failed);
    } catch (error) {
      failed(error);
    }
    written();
  }

  #failedCommit(runId: string, error: unknown): never {
    // The run in memory is now ahead of storage: going on would leave a gap in its history. Reset the object, so
    // the next request or the alarm reloads the run from what was committed.
    console.error(`duro: commit of run ${runId} failed; resetting the object`, error);
    this.#outcomes.noteFailedCommit(runId, error); // after the rollback, before the reset
    this.#abort(error);
    throw error;
  }

  /** Each open run's stored deadline as its state has it (written only where the row differs). */
  #refreshRunDeadlines(): void {
    for (const run of this.#execution.loadedRuns()) if (!run.isClosed) this.#store.setRunDeadline(run.runId, run.nextWakeAt());
  }

  /** What the object does once the execution is open: deadlines of the loaded runs, Visibility, owed messages. */
  async #afterOpen(): Promise<void> {
    // An object left with no run (the last instance went away before it emptied itself) empties itself once it can.
    this.#mayWipe = this.#store.listRuns().length === 0;
    this.#refreshRunDeadlines();
    await this.#visibility.backfill(async () => {
      const states = await Promise.all(this.#store.listRuns().map(async (stored) => this.#execution.runInMemory(stored.runId)?.state ?? (await this.#readableState(stored.runId))));
      return states.filter((state) => state !== undefined);
    });
    // Whatever the last instance was sending may not have arrived: send it again, soon.
    this.#alarm.outboxDue = this.#alarm.owesMessages() || this.#visibility.hasPending();
    this.#visibility.flush();
  }

  // ---- effects (after commit) ----

  #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
    for (const effect of effects) {
      if (effect.type === 'dispatchActivity') {
        void this.#dispatcher.dispatch(effect.task).then((outcome) => {
          if (outcome === COMPLETES_LATER) run.attemptAccepted(effect.task.activityId, effect.task.attempt);
          else this.#outcomes.resolve(run, effect.task, outcome);
        });
      } else if (effect.type === 'cancelActivity') {
        this.#dispatcher.abort(run.runId, effect.activityId, effect.attempt);
      }
    }
    sendEffects(run, effects, this.#sender, this.#firstRunIdOf);
  }

  /** Re-sends everything this object owes to other objects; receivers dedupe (DESIGN §4). */
  #resendOutbox(): void {
    this.#alarm.outboxDue = false;
    for (const run of this.#execution.loadedRuns()) sendOutbox(run, this.#sender, this.#firstRunIdOf);
    this.#visibility.flush();
  }

  readonly #firstRunIdOf = (run: WorkflowRun): string => this.#execution.firstRunIdOf(run);

  readonly #sender: Send = (key, deliver) => {
    // One delivery at a time per message; an unreachable receiver leaves it to the alarm (receivers dedupe).
    if (this.#sending.has(key)) return;
    this.#sending.add(key);
    const namespace = this.#config.namespace(this.env);
    deliver((workflowId) => executionStub(namespace, workflowId))
      .then(() => this.#alarm.deliverySucceeded(), async (error: unknown) => {
        console.error(`duro: delivery of ${key} failed; retrying from the alarm`, error);
        this.#alarm.deliveryFailed();
        await this.#alarm.rearm();
      })
      .finally(() => this.#sending.delete(key));
  };

  // ---- retention ----

  /** Closed runs past their time are deleted with their history, unless they still owe messages. */
  async #removeExpiredRuns(now: number): Promise<void> {
    let deleted = false;
    for (const runId of this.#store.expiredRuns(now)) {
      const state = this.#execution.runInMemory(runId)?.state ?? (await this.#readableState(runId));
      if (state?.status === 'running') continue;
      if (state && owesMessages(state)) {
        this.#store.postponeRetention(runId, now + OUTBOX_RETRY_MS); // delivered first, removed after
        continue;
      }
      this.#deleteRun(runId, state?.workflowId ?? this.#execution.workflowId);
      this.#execution.forget(runId);
      deleted = true;
    }
    if (deleted) this.#mayWipe = this.#store.listRuns().length === 0;
  }

  /**
   * Once retention deleted the last run, and nothing is owed or being asked, the object deletes its whole database and
   * its alarm (decision 025): what it still held (its schema, its Visibility sender id, its outbox's last number) would
   * otherwise stay stored, and billed, for good. A later start of the workflow id begins as a new object's does.
   */
  async #wipeIfEmptied(): Promise<void> {
    if (!this.#mayWipe) return;
    try {
      if (!this.#emptied()) return;
      await this.ctx.blockConcurrencyWhile(async () => {
        if (!this.#emptied()) return; // something came in meanwhile
        this.#mayWipe = false;
        await this.ctx.storage.deleteAlarm();
        await this.ctx.storage.deleteAll();
        this.#store.storageWiped();
        this.#outcomes.storageWiped();
        this.#visibility.storageWiped();
        this.#alarm.storageWiped();
      });
    } catch (error) {
      console.error('duro: could not empty the storage of an object with no run left', error);
    }
  }

  /**
   * Retention deleted the last run, and nothing is left to do: no request, no run (so no deadline but the blob store's
   * deletions), no blob to delete, nothing to send.
   */
  #emptied(): boolean {
    return this.#mayWipe && this.#requests === 0 && this.#sending.size === 0 && this.#execution.loadedRuns().length === 0
      && !this.#visibility.owesAnything() && !this.#store.holdsBlobDeletes() && this.#store.listRuns().length === 0;
  }

  /** Deletes a run with everything stored for it, and takes it out of the Visibility index. */
  #deleteRun(runId: string, workflowId: string): void {
    const removal = this.#visibility.removal({ runId, workflowId });
    this.#store.deleteRun(runId, removal);
    if (removal) this.#visibility.removalCommitted();
  }

  /** A stored state, or undefined when it cannot be read (the execution reports such runs when it meets them). */
  async #readableState(runId: string): Promise<RunState | undefined> {
    try {
      return await this.#store.loadState(runId);
    } catch {
      return undefined;
    }
  }

  #abort(cause: unknown): void {
    try {
      this.ctx.abort(`duro: a commit failed (${cause instanceof Error ? cause.message : String(cause)})`);
    } catch {
      // Already reset (an instance outliving its reset, e.g. with an in-process activity still running).
    }
  }
}
