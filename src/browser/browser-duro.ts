// BrowserDuro: the engine in a tab, a Web Worker or a Service Worker. Each run is a WorkflowRun over the IndexedDB
// store (one transaction per step, before any effect); one setTimeout serves every deadline; activities run in-page
// or over fetch; a Web Lock per workflow id keeps two tabs from driving the same execution; children and messages
// between workflows go through the Messenger. This file decides which workflows this context drives (claims,
// take-overs, read-only views of the rest); RunDriver (run-driver.ts) keeps the runs it drives going.
import { collectActivities } from '../core/activity';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../core/client-errors';
import { WorkflowRegistry, type WorkflowDefinition, type WorkflowInput } from '../core/definitions';
import { ApplicationFailure } from '../core/failure';
import { owesMessages, WorkflowRun, type RunHost, type RunState, type StartParams } from '../core/internals';
import { BrowserWorkflowHandle } from './browser-handle';
import type { HandleBackend, RunView } from './handle-backend';
import { IndexedDbRunStore, type StoredRunSummary } from './indexeddb-store';
import { ActivityAttempts } from './activity-attempts';
import { DeadlineTimer } from './deadline-timer';
import type { BrowserDuroOptions, BrowserStartOptions } from './browser-options';
import { DrivenRuns, type DrivenRun } from './driven-runs';
import { KeyedQueue } from './keyed-queue';
import type { FoundRun } from './message-receiver';
import { Messenger } from './messenger';
import { RunDriver } from './run-driver';
import { firstRunParams, startRequestOf } from '../core/execution/first-run';
import { RunLocks, type Driver } from './run-locks';

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

export class BrowserDuro implements HandleBackend {
  readonly store: IndexedDbRunStore;
  readonly #registry: WorkflowRegistry;
  readonly #attempts: ActivityAttempts;
  readonly #runs = new DrivenRuns();
  readonly #timer = new DeadlineTimer(() => this.#runs.runs());
  readonly #onError: (error: unknown) => void;
  readonly #locks: RunLocks;
  readonly #driver: RunDriver;
  readonly #messenger: Messenger;
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
    const activities = collectActivities(options.activities);
    this.#attempts = new ActivityAttempts({
      activities,
      taskQueues: options.taskQueues ?? {},
      headers: options.headers,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    });
    this.#onError = options.onError ?? ((error) => console.error('duro:', error));
    this.#locks = new RunLocks(options.dbName, options.locks);
    this.#driver = new RunDriver({
      store, registry: this.#registry, activities, attempts: this.#attempts, runs: this.#runs, timer: this.#timer, codeVersion: options.codeVersion,
      isClosed: () => this.#closed,
      releaseIfIdle: (workflowId) => this.#releaseIfIdle(workflowId),
      sendOwed: (run) => this.#messenger.sendOwed(run),
      onError: (error) => this.#onError(error),
    });
    this.#messenger = new Messenger(this.store, options.dbName, {
      claim: (workflowId) => this.#claim(workflowId),
      holds: (workflowId) => this.#locks.holds(workflowId),
      releaseIfIdle: (workflowId) => this.#releaseIfIdle(workflowId),
      drivenRuns: () => this.#runs.runs(),
      drivenRun: (runId) => this.#runs.get(runId)?.run,
      firstRunIdOf: (runId) => this.#runs.get(runId)?.params?.firstRunId,
      chainFirstRunId: async (runId) => this.#runs.get(runId)?.params?.firstRunId ?? (await this.#driver.startParamsOf(runId))?.firstRunId,
      find: (workflowId, runId) => this.#find(workflowId, runId),
      startRun: async (params) => {
        // A start through the handle may have got in since the receiver looked: checked again with no await before the start.
        const current = this.#runs.currentOf(params.workflowId);
        if (current && !current.run.isClosed) throw ApplicationFailure.nonRetryable(`Workflow ${params.workflowId} is already running`, 'WorkflowExecutionAlreadyStarted');
        const driven = this.#driver.start(params, [], 0);
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
    const request = startRequestOf(workflowType, workflowId, options);
    const params = firstRunParams(request, crypto.randomUUID(), crypto.randomUUID(), Date.now());
    // Counted, so nothing lets the lock go while this start is between taking it and tracking its run.
    this.#starts.set(workflowId, (this.#starts.get(workflowId) ?? 0) + 1);
    let driven: DrivenRun;
    try {
      driven = await this.#startHere(params, request.startDelayMs ?? 0);
    } finally {
      const left = this.#starts.get(workflowId)! - 1;
      if (left > 0) this.#starts.set(workflowId, left);
      else this.#starts.delete(workflowId);
      this.#releaseIfIdle(workflowId); // a refused start (already started, bad input): nothing was stored
    }
    await Promise.race([driven.run.idle(), driven.broken]);
    return new BrowserWorkflowHandle<W>(this, workflowId, params.runId);
  }

  /**
   * Who drives `workflowId` now: this context (`'here'`), another tab or worker of the origin (`'elsewhere'`: signals,
   * updates, cancel and terminate must go through it), or nobody (`'none'`: closed, or waiting for a context to take it).
   */
  driverOf(workflowId: string): Promise<Driver> {
    return this.#locks.driverOf(workflowId);
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
    await this.#driver.reloading(workflowId);
    const current = this.#runs.currentOf(workflowId);
    if (current && !current.run.isClosed) return current;
    const runs = await this.store.runsOf(workflowId);
    const latest = runs.at(-1);
    if (!latest) throw new WorkflowNotFoundError(workflowId);
    if (latest.status === 'running') await this.#adopt(workflowId);
    const adopted = this.#runs.currentOf(workflowId);
    if (adopted && !adopted.run.isClosed) return adopted;
    if (latest.status === 'running') throw drivenElsewhere(workflowId);
    return (await this.#readOnly(workflowId, latest.runId)).driven!;
  }

  /** @internal A run as this context sees it: driven here, or its last committed state. Undefined `runId`: the latest. */
  async viewOf(workflowId: string, runId?: string): Promise<RunView> {
    this.#assertOpen();
    await this.#driver.reloading(workflowId);
    const driven = runId === undefined ? this.#runs.currentOf(workflowId) : this.#runs.get(runId);
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
    if (this.#runs.currentOf(workflowId)) return true;
    await this.#adopt(workflowId);
    this.#timer.arm();
    return this.#runs.currentOf(workflowId) !== undefined;
  }

  // ---- which workflows this context drives ----

  async #startHere(params: StartParams, startDelayMs: number): Promise<DrivenRun> {
    const { workflowId } = params;
    if (!(await this.#locks.claim(workflowId))) throw drivenElsewhere(workflowId);
    const stored = (await this.store.runsOf(workflowId)).at(-1);
    // Checked with no await before the start below, so two starts of one id in this tab cannot both pass.
    const current = this.#runs.currentOf(workflowId);
    if (current && !current.run.isClosed) throw new WorkflowExecutionAlreadyStartedError(workflowId, current.run.runId);
    if (stored?.status === 'running' && !this.#runs.has(stored.runId)) throw new WorkflowExecutionAlreadyStartedError(workflowId, stored.runId);
    return this.#driver.start(params, [], startDelayMs);
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
      await this.#driver.reloading(workflowId);
      if (this.#closed || !(await this.#locks.claim(workflowId))) return false;
      if (this.#loaded.has(workflowId)) return true;
      const runs = await this.store.runsOf(workflowId);
      const last = runs.at(-1);
      const lastWasDriven = last !== undefined && this.#runs.has(last.runId);
      for (const summary of runs) {
        if ((summary.status !== 'running' && !summary.owes) || this.#runs.has(summary.runId)) continue;
        await this.#driver.load(summary, summary === last);
      }
      // A close is committed one step before the next run's start: a reload in between leaves that start owed.
      // `last` is the newest stored run of the id, so the run it hands over to was not stored; one driven here
      // started it on close.
      if (last && !lastWasDriven && mayOweNextRun(last)) {
        const [state, params] = await Promise.all([this.store.loadState(last.runId), this.#driver.startParamsOf(last.runId)]);
        if (state && params) this.#driver.startNextRun(state, params);
      }
      if (this.#closed) return false;
      this.#loaded.add(workflowId);
      this.#messenger.drain(workflowId);
      this.#timer.arm();
      return true;
    });
  }

  async #readOnly(workflowId: string, runId: string, known?: RunState): Promise<RunView> {
    const state = known ?? (await this.store.loadState(runId));
    if (!state) throw new WorkflowNotFoundError(workflowId, runId);
    const definition = this.#registry.get(state.workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Workflow type '${state.workflowType}' is not registered in this page`, 'WorkflowTypeNotFound');
    const host: RunHost = {
      ...this.#driver.host,
      store: { readHistory: (id, after) => this.store.readHistory(id, after), commit: () => Promise.reject(drivenElsewhere(workflowId)) },
      effects: () => undefined,
    };
    const run = WorkflowRun.load(structuredClone(state), definition, host);
    return { state, driven: { run, broken: new Promise<never>(() => undefined), breakWith: () => undefined } };
  }

  /** Lets the lock go once no run of `workflowId` driven here is open or owes another workflow a message. */
  #releaseIfIdle(workflowId: string): void {
    if (this.#starts.has(workflowId)) return;
    for (const { run } of this.#runs.all()) {
      if (run.workflowId === workflowId && (!run.isClosed || owesMessages(run.state))) return;
    }
    this.#loaded.delete(workflowId);
    this.#locks.release(workflowId);
  }

  /** For messages to `workflowId`, whose lock this context holds: run `runId` (default the latest) as driven or stored. */
  async #find(workflowId: string, runId?: string): Promise<FoundRun | undefined> {
    const current = this.#runs.currentOf(workflowId);
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


