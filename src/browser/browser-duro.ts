// BrowserDuro: the engine in a tab, a Web Worker or a Service Worker. Each run is a WorkflowRun over the IndexedDB
// store (one transaction per step, before any effect); one setTimeout serves every deadline; activities run in-page
// or over fetch; a Web Lock per workflow id keeps two tabs from driving the same execution; children and messages
// between workflows go through the Messenger.
import { collectActivities, type ActivityImplementations } from '../core/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../core/client-errors';
import { WorkflowRegistry, type WorkflowDefinition, type WorkflowInput } from '../core/definitions';
import { optionalMs } from '../core/duration';
import { ApplicationFailure, toFailureInfo } from '../core/failure';
import {
  blockedOnOtherCode, nextRunOf, runLocalActivityAttempt, startParamsOf, WorkflowRun,
  type ActivityTask, type CarriedSignal, type PendingActivityState, type RunCommit, type RunEffect, type RunHost, type RunState, type StartParams,
} from '../core/internals';
import { resolveRetryPolicy } from '../core/retry-policy';
import { BrowserWorkflowHandle } from './browser-handle';
import { IndexedDbRunStore, type StoredRunSummary } from './indexeddb-store';
import { ActivityAttempts, realClock } from './activity-attempts';
import { DeadlineTimer } from './deadline-timer';
import type { BrowserDuroOptions, BrowserStartOptions } from './browser-options';
import { KeyedQueue } from './keyed-queue';
import type { FoundRun } from './message-receiver';
import { Messenger } from './messenger';
import { owesMessages } from './run-messages';
import { newRunParams } from './run-params';
import { RunLocks } from './run-locks';

/** A run this context drives. `broken` rejects when one of its commits failed and it was replaced from the store. */
interface DrivenRun {
  run: WorkflowRun;
  /** Start parameters, for the run that follows a close (read from history when the run was loaded). */
  params?: StartParams;
  broken: Promise<never>;
  breakWith(error: unknown): void;
}

/** What a handle acts on: a run driven here, or (driven by another tab, or closed) its stored state. */
export type RunView = { driven: DrivenRun; state: RunState } | { driven?: undefined; state: RunState };

/**
 * Opens the database and returns the engine; call `resumeAll()` on page load to continue the runs a reload interrupted.
 *
 * What differs from the server: a tab that does not hold a workflow's Web Lock (another tab drives it) can describe,
 * query (replaying stored history read-only), fetch the history and wait for the result; signals, updates, cancel and
 * terminate are refused with `WorkflowDrivenElsewhere` until that tab closes, when the next call takes the run over.
 * Child workflows and signals or cancels from workflow code reach workflows driven by any tab (docs/browser.md).
 * Asynchronous activity completion (202 from a server, `ctx.doNotCompleteOnReturn()` in-page) is not available. A
 * failed commit (quota, a conflict with another tab) rejects the call that caused it, is passed to `onError`, and
 * the run is reloaded from IndexedDB.
 *
 * @example
 * const duro = await createBrowserDuro({ workflows, activities, dbName: 'my-app' });
 * await duro.resumeAll();
 * const handle = await duro.start(upload, { workflowId: 'upload-1', input: { files } });
 * console.log(await handle.result());
 */
export async function createBrowserDuro(options: BrowserDuroOptions): Promise<BrowserDuro> {
  const store = await IndexedDbRunStore.open(options.dbName, options.indexedDB, options.IDBKeyRange);
  return new BrowserDuro(store, options);
}

export class BrowserDuro {
  readonly store: IndexedDbRunStore;
  readonly #registry: WorkflowRegistry;
  readonly #activities: ActivityImplementations;
  readonly #attempts: ActivityAttempts;
  readonly #timer = new DeadlineTimer(() => [...this.#runs.values()].map((driven) => driven.run));
  readonly #onError: (error: unknown) => void;
  readonly #locks: RunLocks;
  readonly #host: RunHost;
  readonly #messenger: Messenger;
  /** Runs driven here by run id (closed ones stay, for their waiters). */
  readonly #runs = new Map<string, DrivenRun>();
  /** The latest run driven here, by workflow id. */
  readonly #current = new Map<string, string>();
  /** Runs being reloaded after a failed commit, by workflow id: nothing else may load them meanwhile. */
  readonly #reloads = new Map<string, Promise<void>>();
  /** Claims of a workflow id, one at a time, so no run is loaded twice. */
  readonly #claims = new KeyedQueue();
  /** Workflow ids whose stored runs were loaded since this context took their lock. */
  readonly #loaded = new Set<string>();
  /** Calls of `start` in progress, by workflow id. */
  readonly #starts = new Map<string, number>();
  /** Workflow ids another context drives, whose lock this one queues for (resumeAll). */
  readonly #following = new Set<string>();
  #closed = false;

  /** Use `createBrowserDuro`. */
  constructor(store: IndexedDbRunStore, options: BrowserDuroOptions) {
    this.store = store;
    this.#registry = new WorkflowRegistry(options.workflows as Record<string, unknown>);
    this.#activities = collectActivities(options.activities);
    this.#attempts = new ActivityAttempts({
      activities: this.#activities,
      taskQueues: options.taskQueues ?? {},
      headers: options.headers,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    });
    this.#onError = options.onError ?? ((error) => console.error('duro:', error));
    this.#locks = new RunLocks(options.dbName, options.locks);
    this.#host = {
      now: () => Date.now(),
      newRunId: () => crypto.randomUUID(),
      store: { readHistory: (runId, afterEventId) => this.store.readHistory(runId, afterEventId), commit: (runId, commit) => this.#commit(runId, commit) },
      runLocalActivity: (command, ref) => runLocalActivityAttempt(this.#activities, realClock, command, ref, () => undefined),
      effects: (run, effects) => this.#carryOut(run, effects),
    };
    if (options.codeVersion !== undefined) this.#host.codeVersion = options.codeVersion;
    this.#messenger = new Messenger(this.store, options.dbName, {
      claim: (workflowId) => this.#claim(workflowId),
      holds: (workflowId) => this.#locks.holds(workflowId),
      releaseIfIdle: (workflowId) => this.#releaseIfIdle(workflowId),
      drivenRuns: () => [...this.#runs.values()].map((driven) => driven.run),
      drivenRun: (runId) => this.#runs.get(runId)?.run,
      firstRunIdOf: (runId) => this.#runs.get(runId)?.params?.firstRunId,
      find: (workflowId, runId) => this.#find(workflowId, runId),
      startRun: async (params) => {
        // A start through the handle may have got in since the receiver looked: checked again with no await before the start.
        const current = this.#currentOf(params.workflowId);
        if (current && !current.run.isClosed) throw ApplicationFailure.nonRetryable(`Workflow ${params.workflowId} is already running`, 'WorkflowExecutionAlreadyStarted');
        const driven = this.#startRun(params, [], 0);
        await Promise.race([driven.run.idle(), driven.broken]);
      },
      onError: (error) => this.#onError(error),
    });
  }

  /**
   * Continues every open run stored in the database that no other tab drives: replays each once, fails the attempts
   * a reload interrupted (retryable), fires deadlines that passed meanwhile, starts the run a stored close owes, and
   * sends again what runs owe other workflows (a child's start, a parent's notice, a signal…).
   */
  async resumeAll(): Promise<void> {
    const byWorkflow = new Map<string, StoredRunSummary[]>();
    for (const summary of await this.store.listRuns()) {
      const runs = byWorkflow.get(summary.workflowId) ?? [];
      runs.push(summary);
      byWorkflow.set(summary.workflowId, runs);
    }
    for (const [workflowId, runs] of byWorkflow) {
      if (!needsDriving(runs)) continue;
      await this.#adopt(workflowId);
      if (!this.#locks.holds(workflowId) && !this.#loaded.has(workflowId)) this.#takeOverWhenFree(workflowId);
    }
    this.#timer.arm();
  }

  /**
   * Another tab or worker drives `workflowId`: wait in the lock's queue and take the workflow over as soon as that
   * context goes away (closed, reloaded, terminated), while it still has something to drive.
   */
  #takeOverWhenFree(workflowId: string): void {
    if (this.#following.has(workflowId)) return;
    this.#following.add(workflowId);
    void (async () => {
      try {
        while (!this.#closed) {
          await this.#locks.whenFree(workflowId);
          if (this.#closed) return;
          await this.#adopt(workflowId);
          this.#timer.arm();
          // Taken (or nothing left to drive: #adopt let it go again), or another context was quicker: queue again.
          if (this.#loaded.has(workflowId) || !(await this.#stillToDrive(workflowId))) return;
        }
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#following.delete(workflowId);
      }
    })();
  }

  async #stillToDrive(workflowId: string): Promise<boolean> {
    return needsDriving(await this.store.runsOf(workflowId));
  }

  /** Starts a workflow; resolves with its handle once the start is committed. */
  async start<W extends WorkflowDefinition>(workflow: W | string, options: BrowserStartOptions<WorkflowInput<W>> = {}): Promise<BrowserWorkflowHandle<W>> {
    this.#assertOpen();
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    if (!this.#registry.has(workflowType)) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${workflowType}' (registered: ${this.#registry.names().join(', ') || 'none'})`, 'WorkflowTypeNotFound');
    const workflowId = options.workflowId ?? `${workflowType}-${crypto.randomUUID()}`;
    const params = newRunParams({
      workflowType, workflowId, input: options.input, memo: options.memo, searchAttributes: options.searchAttributes,
      retryPolicy: options.retryPolicy && resolveRetryPolicy(options.retryPolicy),
      runTimeoutMs: optionalMs(options.runTimeout), executionTimeoutMs: optionalMs(options.executionTimeout),
    });
    // Counted, so nothing lets the lock go while this start is between taking it and tracking its run.
    this.#starts.set(workflowId, (this.#starts.get(workflowId) ?? 0) + 1);
    let driven: DrivenRun;
    try {
      driven = await this.#startHere(params, optionalMs(options.startDelay) ?? 0);
    } finally {
      const left = this.#starts.get(workflowId)! - 1;
      if (left > 0) this.#starts.set(workflowId, left);
      else this.#starts.delete(workflowId);
      this.#releaseIfIdle(workflowId); // a refused start (already started, bad input): nothing was stored
    }
    await Promise.race([driven.run.idle(), driven.broken]);
    return new BrowserWorkflowHandle<W>(this, workflowId, params.runId);
  }

  /** A handle on a workflow stored here (its latest run, or `runId`); it may be driven by another tab. */
  getHandle<W extends WorkflowDefinition = WorkflowDefinition>(workflowId: string, runId?: string): BrowserWorkflowHandle<W> {
    return new BrowserWorkflowHandle<W>(this, workflowId, runId);
  }

  /**
   * What a reload does to this instance: stops the timer, aborts attempts in flight, lets the locks go and closes
   * the database. Open runs stay open in storage; another instance continues them with `resumeAll()`.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer.stop();
    this.#messenger.close();
    this.#attempts.abortAll();
    this.#locks.releaseAll();
    this.store.close();
  }

  // ---- for handles ----

  /**
   * @internal The run of `workflowId` that signals, updates, cancel and terminate go to: the one driven here, adopting
   * it when no tab drives it. A closed latest run is loaded read-only, so the core refuses with WorkflowClosedError.
   */
  async drivenRunOf(workflowId: string): Promise<DrivenRun> {
    this.#assertOpen();
    await this.#reloads.get(workflowId);
    const current = this.#currentOf(workflowId);
    if (current && !current.run.isClosed) return current;
    const runs = await this.store.runsOf(workflowId);
    const latest = runs.at(-1);
    if (!latest) throw new WorkflowNotFoundError(workflowId);
    if (latest.status === 'running') await this.#adopt(workflowId);
    const adopted = this.#currentOf(workflowId);
    if (adopted && !adopted.run.isClosed) return adopted;
    if (latest.status === 'running') throw drivenElsewhere(workflowId);
    return (await this.#readOnly(workflowId, latest.runId)).driven!;
  }

  /** @internal A run as this context sees it: driven here, or its last committed state. Undefined `runId`: the latest. */
  async viewOf(workflowId: string, runId?: string): Promise<RunView> {
    this.#assertOpen();
    await this.#reloads.get(workflowId);
    const driven = runId === undefined ? this.#currentOf(workflowId) : this.#runs.get(runId);
    // Once its last run closed here and the lock went, another tab may have started the id again: ask the store.
    const isCurrent = runId !== undefined || !driven?.run.isClosed || this.#locks.holds(workflowId);
    if (driven && driven.run.workflowId === workflowId && isCurrent) return { driven, state: driven.run.state };
    const id = runId ?? (await this.store.runsOf(workflowId)).at(-1)?.runId;
    const state = id === undefined ? undefined : await this.store.loadState(id);
    if (!state || state.workflowId !== workflowId) throw new WorkflowNotFoundError(workflowId, runId);
    return { state };
  }

  /** @internal A run loaded from storage for reading only (queries by a tab that does not drive it): it cannot commit. */
  async readOnlyRun(state: RunState): Promise<WorkflowRun> {
    return (await this.#readOnly(state.workflowId, state.runId, state)).driven!.run;
  }

  /**
   * @internal Tries to drive `workflowId` here when no other tab does (the tab that drove it closed): true when a
   * run of it is now driven here.
   */
  async tryAdopt(workflowId: string): Promise<boolean> {
    if (this.#currentOf(workflowId)) return true;
    await this.#adopt(workflowId);
    this.#timer.arm();
    return this.#currentOf(workflowId) !== undefined;
  }

  // ---- runs ----

  async #startHere(params: StartParams, startDelayMs: number): Promise<DrivenRun> {
    const { workflowId } = params;
    if (!(await this.#locks.claim(workflowId))) throw drivenElsewhere(workflowId);
    const stored = (await this.store.runsOf(workflowId)).at(-1);
    // Checked with no await before the start below, so two starts of one id in this tab cannot both pass.
    const current = this.#currentOf(workflowId);
    if (current && !current.run.isClosed) throw new WorkflowExecutionAlreadyStartedError(workflowId, current.run.runId);
    if (stored?.status === 'running' && !this.#runs.has(stored.runId)) throw new WorkflowExecutionAlreadyStartedError(workflowId, stored.runId);
    return this.#startRun(params, [], startDelayMs);
  }

  /** Drives `workflowId` here if no other context does (see #claim); lets the lock go again when nothing is open. */
  async #adopt(workflowId: string): Promise<void> {
    if (await this.#claim(workflowId)) this.#releaseIfIdle(workflowId);
  }

  /**
   * Takes the Web Lock of `workflowId` if free and, the first time, loads what of it must be driven: its open runs,
   * its closed runs that still owe other workflows a message (re-sent now), the run a stored close owes, and the
   * messages queued for it while another context drove it. True when this context drives it; the caller releases.
   */
  #claim(workflowId: string): Promise<boolean> {
    return this.#claims.run(workflowId, async () => {
      await this.#reloads.get(workflowId);
      if (this.#closed || !(await this.#locks.claim(workflowId))) return false;
      if (this.#loaded.has(workflowId)) return true;
      const runs = await this.store.runsOf(workflowId);
      const last = runs.at(-1);
      const lastWasDriven = last !== undefined && this.#runs.has(last.runId);
      for (const summary of runs) {
        if ((summary.status !== 'running' && !summary.owes) || this.#runs.has(summary.runId)) continue;
        await this.#load(summary, summary === last);
      }
      // A close is committed one step before the next run's start: a reload in between leaves that start owed.
      // `last` is the newest stored run of the id, so the run it hands over to was not stored; one driven here
      // started it on close.
      if (last && !lastWasDriven && mayOweNextRun(last)) {
        const [state, params] = await Promise.all([this.store.loadState(last.runId), this.#startParamsOf(last.runId)]);
        if (state && params) this.#startNextRun(state, params);
      }
      if (this.#closed) return false;
      this.#loaded.add(workflowId);
      this.#messenger.drain(workflowId);
      this.#timer.arm();
      return true;
    });
  }

  async #load(summary: StoredRunSummary, isLatest: boolean): Promise<void> {
    const state = await this.store.loadState(summary.runId);
    const definition = state && this.#registry.get(state.workflowType);
    const params = await this.#startParamsOf(summary.runId);
    if (!state || !definition || !params) {
      this.#onError(new Error(`Run ${summary.runId} has workflow type '${summary.workflowType}', which this page does not register: it stays as stored`));
      return;
    }
    if (this.#runs.has(summary.runId)) return; // started or loaded here meanwhile
    const driven = this.#track(WorkflowRun.load(state, definition, this.#host), params, isLatest);
    this.#failLostAttempts(driven.run, 'The attempt was lost when the page reloaded');
    if (blockedOnOtherCode(state, this.#host.codeVersion)) driven.run.unblock();
    this.#messenger.sendOwed(driven.run);
  }

  #startRun(params: StartParams, carriedSignals: CarriedSignal[], startDelayMs: number): DrivenRun {
    const definition = this.#registry.get(params.workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${params.workflowType}'`, 'WorkflowTypeNotFound');
    const driven = this.#track(WorkflowRun.start(params, definition, this.#host, carriedSignals, startDelayMs), params);
    driven.run.idle().catch(() => undefined); // a failed first commit is reported by #commit
    return driven;
  }

  /** Drives `run` here; `isCurrent`: it is its workflow's latest run (an older one only still owes messages). */
  #track(run: WorkflowRun, params?: StartParams, isCurrent = true): DrivenRun {
    let breakWith: (error: unknown) => void = () => undefined;
    const broken = new Promise<never>((_, reject) => (breakWith = reject));
    broken.catch(() => undefined);
    const driven: DrivenRun = { run, broken, breakWith, ...(params && { params }) };
    this.#runs.set(run.runId, driven);
    if (isCurrent) this.#current.set(run.workflowId, run.runId);
    return driven;
  }

  #currentOf(workflowId: string): DrivenRun | undefined {
    const runId = this.#current.get(workflowId);
    return runId === undefined ? undefined : this.#runs.get(runId);
  }

  async #readOnly(workflowId: string, runId: string, known?: RunState): Promise<RunView> {
    const state = known ?? (await this.store.loadState(runId));
    if (!state) throw new WorkflowNotFoundError(workflowId, runId);
    const definition = this.#registry.get(state.workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Workflow type '${state.workflowType}' is not registered in this page`, 'WorkflowTypeNotFound');
    const host: RunHost = {
      ...this.#host,
      store: { readHistory: (id, after) => this.store.readHistory(id, after), commit: () => Promise.reject(drivenElsewhere(workflowId)) },
      effects: () => undefined,
    };
    const run = WorkflowRun.load(structuredClone(state), definition, host);
    return { state, driven: { run, broken: new Promise<never>(() => undefined), breakWith: () => undefined } };
  }

  /** Lets the lock go once no run of `workflowId` driven here is open or owes another workflow a message. */
  #releaseIfIdle(workflowId: string): void {
    if (this.#starts.has(workflowId)) return;
    for (const { run } of this.#runs.values()) {
      if (run.workflowId === workflowId && (!run.isClosed || owesMessages(run.state))) return;
    }
    this.#loaded.delete(workflowId);
    this.#locks.release(workflowId);
  }

  /** For messages to `workflowId`, whose lock this context holds: run `runId` (default the latest) as driven or stored. */
  async #find(workflowId: string, runId?: string): Promise<FoundRun | undefined> {
    const current = this.#currentOf(workflowId);
    // An open run driven here is the latest, even while its first step (a continue-as-new) is not stored yet.
    const id = runId ?? (current && !current.run.isClosed ? current.run.runId : (await this.store.runsOf(workflowId)).at(-1)?.runId);
    if (id === undefined) return undefined;
    const driven = this.#runs.get(id);
    if (driven && driven.run.workflowId === workflowId) {
      // A closed run that owes nothing may no longer be this context's to write.
      return !driven.run.isClosed || owesMessages(driven.run.state) ? { state: driven.run.state, driven } : { state: driven.run.state };
    }
    const state = await this.store.loadState(id);
    return state?.workflowId === workflowId ? { state } : undefined;
  }

  // ---- host ----

  async #commit(runId: string, commit: RunCommit): Promise<void> {
    if (this.#closed) throw new Error(`Run ${runId} cannot commit: this BrowserDuro was closed`);
    try {
      await this.store.commit(runId, commit);
    } catch (error) {
      // The run in memory is now ahead of storage: going on would leave a gap in its history. It is dropped and
      // loaded again from what was committed (browser-duro.test.ts, 'surfaces a failed commit …').
      const dropped = this.#runs.get(runId);
      dropped?.breakWith(error);
      this.#onError(error);
      if (dropped) {
        const { workflowId } = dropped.run;
        this.#reloads.set(workflowId, this.#reload(dropped).finally(() => this.#reloads.delete(workflowId)));
      }
      throw error;
    }
    this.#timer.arm();
  }

  async #reload(dropped: DrivenRun): Promise<void> {
    const { runId } = dropped.run;
    this.#runs.delete(runId);
    const state = this.#closed ? undefined : await this.store.loadState(runId).catch(() => undefined);
    const definition = state && this.#registry.get(state.workflowType);
    if (!state || !definition) {
      // Its start was never stored: the id goes back to its previous run here, if any. A start that run's close owed
      // (continue-as-new, a retry) is not tried again at once, which a full quota would turn into a loop: the next
      // resumeAll() starts it (browser-duro.test.ts, 'starts on resume the run a stored close still owes').
      const { workflowId } = dropped.run;
      const previous = [...this.#runs.values()].filter((other) => other.run.workflowId === workflowId).at(-1);
      if (previous) this.#current.set(workflowId, previous.run.runId);
      else this.#current.delete(workflowId);
      this.#releaseIfIdle(workflowId);
      return;
    }
    const driven = this.#track(WorkflowRun.load(state, definition, this.#host), dropped.params, this.#current.get(state.workflowId) === runId);
    // An attempt whose outcome went with the failed step is still 'running' in storage but no longer in flight here.
    this.#failLostAttempts(driven.run, 'The attempt\'s outcome was lost with a failed commit', (activity) => this.#attempts.isInFlight(runId, activity.activityId, activity.attempt));
    this.#timer.arm();
  }

  #failLostAttempts(run: WorkflowRun, message: string, stillRunning: (activity: PendingActivityState) => boolean = () => false): void {
    for (const activity of Object.values(run.state.activities)) {
      if (activity.phase !== 'running' || activity.completesLater || stillRunning(activity)) continue;
      run.activityFailed(activity.activityId, activity.attempt, toFailureInfo(ApplicationFailure.retryable(message, 'ActivityLostOnReload')));
    }
  }

  #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
    if (this.#closed) return;
    let sends = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'dispatchActivity':
          this.#dispatch(effect.task);
          break;
        case 'cancelActivity':
          this.#attempts.abort(run.runId, effect.activityId, effect.attempt);
          break;
        case 'startChild':
        case 'external':
          sends = true;
          break;
        case 'closed': {
          sends = true; // its parent's notice, its children's close policies
          this.#timer.forget(run.runId);
          const params = this.#runs.get(run.runId)?.params;
          if (!params || !this.#startNextRun(run.state, params)) this.#releaseIfIdle(run.workflowId);
          break;
        }
      }
    }
    // Committed before this is called: what a reload interrupts now, resumeAll() sends again.
    if (sends) this.#messenger.sendOwed(run);
  }

  #dispatch(task: ActivityTask): void {
    // Looked up when used: a run replaced after a failed commit takes the outcome of an attempt it still counts as running.
    const runOf = () => (this.#closed ? undefined : this.#runs.get(task.runId)?.run);
    this.#attempts.dispatch(task, {
      heartbeat: (details) => runOf()?.heartbeat(task.activityId, task.attempt, details),
      report: (outcome) => {
        const run = runOf();
        if (!run || run.isClosed) return;
        if ('result' in outcome) run.activityCompleted(task.activityId, task.attempt, outcome.result);
        else run.activityFailed(task.activityId, task.attempt, outcome.failure);
      },
    });
  }

  /** Starts the run a close hands over to (continue-as-new, a retry), at once, so messages to the id find it. */
  #startNextRun(state: RunState, params: StartParams): boolean {
    const next = state.closeEvent && nextRunOf(params, state, state.closeEvent, crypto.randomUUID());
    if (!next || this.#closed || this.#runs.has(next.params.runId)) return false;
    this.#startRun(next.params, next.carriedSignals, Math.max(0, next.startAt - Date.now()));
    return true;
  }

  async #startParamsOf(runId: string): Promise<StartParams | undefined> {
    const started = await this.store.readEvent(runId, 1);
    return started?.type === 'WorkflowExecutionStarted' ? startParamsOf(started) : undefined;
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('This BrowserDuro was closed');
  }
}

/** Whether the stored runs of one workflow id (oldest first) leave something to drive: an open run, a message owed, a next run owed. */
function needsDriving(runs: StoredRunSummary[]): boolean {
  const last = runs.at(-1);
  return runs.some((run) => run.status === 'running' || run.owes) || (last !== undefined && mayOweNextRun(last));
}

/** Only these statuses may hand over to a next run (a retry needs the close event to tell). */
function mayOweNextRun(summary: StoredRunSummary): boolean {
  return summary.status === 'continuedAsNew' || summary.status === 'failed' || summary.status === 'timedOut';
}

function drivenElsewhere(workflowId: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Workflow ${workflowId} is driven by another tab or worker of this origin (it holds its Web Lock): describe, query, fetchHistory and result work here; signals, updates, cancel and terminate must go through that tab`,
    'WorkflowDrivenElsewhere',
  );
}


