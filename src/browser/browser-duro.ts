// BrowserDuro: the engine in a tab, a Web Worker or a Service Worker. Each workflow id this context drives is the
// core's Execution (src/core/execution/) over IndexedDB (one transaction per step, before any effect), as a Durable
// Object is on the server; a Web Lock per workflow id keeps two tabs from driving the same one; one setTimeout serves
// every deadline; activities run in-page or over fetch; children and messages between workflows go through the
// Messenger. This file decides which workflows this context drives (claims, take-overs, read-only views of the rest).
import { RunPayloads } from '../core/payloads/run-payloads';
import { OtlpSpanExporter } from '../protocol/otlp-exporter';
import { collectActivities } from '../core/activity';
import { WorkflowRegistry, type WorkflowDefinition, type WorkflowInput } from '../core/definitions';
import { Execution } from '../core/execution/execution';
import { startRequestOf } from '../core/execution/first-run';
import { ApplicationFailure } from '../core/failure';
import { owesMessages, type WorkflowRun } from '../core/internals';
import { BlobCollectionTimer } from './blob-collection-timer';
import { openBrowserBlobs, type BrowserBlobs } from './browser-blobs';
import { BrowserWorkflowHandle } from './browser-handle';
import { drivingHost, readingHost, type BrowserHostContext } from './browser-execution-host';
import type { HandleBackend } from './handle-backend';
import { IndexedDbRunStore, type StoredRunSummary } from './indexeddb-store';
import { ActivityAttempts } from './activity-attempts';
import { DeadlineTimer } from './deadline-timer';
import type { BrowserDuroOptions, BrowserStartOptions } from './browser-options';
import { KeyedQueue } from './keyed-queue';
import { Messenger } from './messenger';
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
  const blobs = await openBrowserBlobs(options);
  try {
    const store = await IndexedDbRunStore.open(options.dbName, options.indexedDB, options.IDBKeyRange, options.payloads?.codecs, blobs?.rows);
    return new BrowserDuro(store, options, blobs);
  } catch (error) {
    blobs?.close();
    throw error;
  }
}

export class BrowserDuro implements HandleBackend {
  readonly store: IndexedDbRunStore;
  readonly #registry: WorkflowRegistry;
  readonly #attempts: ActivityAttempts;
  /** Set with `tracing`: where the runs' spans go. */
  readonly #spans: OtlpSpanExporter | undefined;
  readonly #timer = new DeadlineTimer(() => this.#drivenRuns());
  readonly #onError: (error: unknown) => void;
  readonly #locks: RunLocks;
  readonly #messenger: Messenger;
  readonly #context: BrowserHostContext;
  /** Set with `payloads.blobs`: the blob store, and the timer that deletes what no event references any more. */
  readonly #blobs: BrowserBlobs | undefined;
  readonly #blobCollection: BlobCollectionTimer | undefined;
  /** Claims of a workflow id (and its reload after a failed commit), one at a time, so no execution opens twice. */
  readonly #claims = new KeyedQueue();
  /** The executions this context drives (it holds their Web Lock), by workflow id. */
  readonly #executions = new Map<string, Execution>();
  /** Calls of `start` in progress, by workflow id. */
  readonly #starts = new Map<string, number>();
  /** Workflow ids being reloaded after a failed commit: their lock is kept meanwhile. */
  readonly #reloading = new Set<string>();
  /** Workflow ids another context drives, whose lock this one queues for (resumeAll). */
  readonly #following = new Set<string>();
  #closed = false;
  /** @internal How workflows and handles write payloads (the `payloads.converter` option). */
  readonly payloads: RunPayloads;

  /** Use `createBrowserDuro`. */
  constructor(store: IndexedDbRunStore, options: BrowserDuroOptions, blobs?: BrowserBlobs) {
    this.store = store;
    this.#blobs = blobs;
    this.payloads = RunPayloads.forCaller(options.payloads?.converter);
    this.#registry = new WorkflowRegistry(options.workflows as Record<string, unknown>);
    const activities = collectActivities(options.activities);
    const doFetch: typeof fetch = options.fetch ?? ((input, init) => fetch(input, init));
    // With a blob store, payloads may be larger: attempts are told so, and remote replies may be that large.
    const maxPayloadBytes = blobs?.rows.limits.maxPayloadBytes;
    this.#attempts = new ActivityAttempts({ activities, taskQueues: options.taskQueues ?? {}, headers: options.headers, fetch: doFetch, maxPayloadBytes });
    this.#onError = options.onError ?? ((error) => console.error('duro:', error));
    if (blobs) this.#blobCollection = new BlobCollectionTimer(store, (error) => this.#onError(error));
    if (options.tracing) this.#spans = new OtlpSpanExporter(options.tracing, doFetch);
    this.#locks = new RunLocks(options.dbName, options.locks);
    this.#context = {
      store, registry: this.#registry, activities, attempts: this.#attempts, codeVersion: options.codeVersion, payloadConverter: this.payloads.converter,
      spans: this.#spans?.export,
      blobs: blobs?.rows.limits,
      isClosed: () => this.#closed,
      runOf: (workflowId, runId) => this.#executions.get(workflowId)?.runInMemory(runId),
      commitFailed: (workflowId, error) => this.#commitFailed(workflowId, error),
      committed: () => this.#timer.arm(),
      sendOwed: (run) => this.#messenger.sendOwed(run),
      closed: (run) => {
        this.#timer.forget(run.runId);
        this.#releaseIfIdle(run.workflowId);
      },
      onError: (error) => this.#onError(error),
    };
    this.#messenger = new Messenger(this.store, options.dbName, {
      claim: (workflowId) => this.#claim(workflowId),
      holds: (workflowId) => this.#locks.holds(workflowId),
      releaseIfIdle: (workflowId) => this.#releaseIfIdle(workflowId),
      drivenRuns: () => this.#drivenRuns(),
      drivenRun: (runId) => this.#drivenRuns().find((run) => run.runId === runId),
      firstRunIdOf: (runId) => {
        for (const execution of this.#executions.values()) {
          const run = execution.runInMemory(runId);
          if (run) return execution.firstRunIdOf(run);
        }
        return undefined;
      },
      executionOf: (workflowId) => {
        const execution = this.#executions.get(workflowId);
        if (!execution) throw new Error(`Workflow ${workflowId} is not driven here`);
        return execution;
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
      if (!this.#locks.holds(workflowId) && !this.#executions.has(workflowId)) this.#takeOverWhenFree(workflowId);
    }
    this.#timer.arm();
    void this.#blobCollection?.collect(); // what a tab closed between a put and its commit left
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
          if (this.#executions.has(workflowId) || !(await this.#stillToDrive(workflowId))) return;
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
    // Counted, so nothing lets the lock go while this start is between taking it and its first commit.
    this.#starts.set(workflowId, (this.#starts.get(workflowId) ?? 0) + 1);
    let runId: string;
    try {
      const execution = await this.#drive(workflowId);
      ({ runId } = await execution.start(startRequestOf(workflowType, workflowId, options, this.payloads)));
    } finally {
      const left = this.#starts.get(workflowId)! - 1;
      if (left > 0) this.#starts.set(workflowId, left);
      else this.#starts.delete(workflowId);
      this.#releaseIfIdle(workflowId); // a refused start (already started, bad input): nothing was stored
    }
    return new BrowserWorkflowHandle<W>(this, workflowId, runId);
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
    this.#blobCollection?.stop();
    this.store.close();
    this.#blobs?.close();
    void this.#spans?.flush(); // the last spans are sent, not left to a timer the page may not outlive
  }

  // ---- for handles ----

  /**
   * @internal Runs `call` on the execution that signals, updates, cancel and terminate go to: the one driven here,
   * adopting it when no tab drives it. A workflow another tab drives refuses (`WorkflowDrivenElsewhere`) while its
   * latest run is open; a closed one answers from storage, so the execution refuses with WorkflowClosedError.
   */
  async withDriven<T>(workflowId: string, call: (execution: Execution) => Promise<T>): Promise<T> {
    this.#assertOpen();
    if (!(await this.#claim(workflowId))) {
      const stored = await this.#readOnly(workflowId);
      if ((await stored.runAt())?.isClosed === false) throw drivenElsewhere(workflowId);
      return call(stored);
    }
    try {
      return await call(this.#executions.get(workflowId)!);
    } finally {
      this.#releaseIfIdle(workflowId);
    }
  }

  /** @internal The execution to read from: the one driven here, or what storage holds (another tab drives it). */
  async forReading(workflowId: string): Promise<{ execution: Execution; driven: boolean }> {
    this.#assertOpen();
    await this.#claims.run(workflowId, async () => undefined); // a claim or a reload in progress ends first
    const driven = this.#executions.get(workflowId);
    if (driven) return { execution: driven, driven: true };
    return { execution: await this.#readOnly(workflowId), driven: false };
  }

  /**
   * @internal Tries to drive `workflowId` here when no other tab does (the tab that drove it closed): true when it is
   * now driven here.
   */
  async tryAdopt(workflowId: string): Promise<boolean> {
    if (this.#executions.has(workflowId)) return true;
    await this.#adopt(workflowId);
    this.#timer.arm();
    return this.#executions.has(workflowId);
  }

  // ---- which workflows this context drives ----

  /** The execution of `workflowId`, driven here: claimed now if no other context drives it; the caller releases. */
  async #drive(workflowId: string): Promise<Execution> {
    if (!(await this.#claim(workflowId))) throw drivenElsewhere(workflowId);
    return this.#executions.get(workflowId)!;
  }

  /** Drives `workflowId` here if no other context does (see #claim); lets the lock go again when nothing is open. */
  async #adopt(workflowId: string): Promise<void> {
    if (await this.#claim(workflowId)) this.#releaseIfIdle(workflowId);
  }

  /**
   * Takes the Web Lock of `workflowId` if free and, the first time, opens its execution from the database (which
   * recovers what a reload interrupted: lost attempts, runs blocked on other code, the run a stored close owes), sends
   * again what its runs owe, and applies the messages queued for it while another context drove it. True when this
   * context drives it; the caller releases.
   */
  #claim(workflowId: string): Promise<boolean> {
    return this.#claims.run(workflowId, async () => {
      if (this.#closed || !(await this.#locks.claim(workflowId))) return false;
      if (this.#executions.has(workflowId)) return true;
      const execution = await Execution.open(drivingHost(this.#context, workflowId));
      if (this.#closed) return false;
      this.#executions.set(workflowId, execution);
      for (const run of execution.loadedRuns()) this.#messenger.sendOwed(run);
      this.#messenger.drain(workflowId);
      this.#timer.arm();
      return true;
    });
  }

  /**
   * A commit of `workflowId` failed: its runs in memory are ahead of storage. The execution is dropped and opened
   * again from what was committed (attempts still in flight here report to the reloaded runs).
   */
  #commitFailed(workflowId: string, error: unknown): void {
    this.#onError(error);
    void this.#blobCollection?.arm(); // a blob put for the failed step is deleted once its grace period is over
    const failed = this.#executions.get(workflowId);
    if (!failed || this.#reloading.has(workflowId)) return;
    this.#executions.delete(workflowId);
    this.#reloading.add(workflowId); // the lock stays held: no other tab may take the id between the drop and the reload
    void this.#claims.run(workflowId, async () => {
      if (this.#closed || !this.#locks.holds(workflowId)) return;
      // A start a stored close owes is left to the next resumeAll(): with the quota full it would fail again at once.
      const reloaded = await Execution.open(drivingHost(this.#context, workflowId), { startOwedRun: false });
      if (this.#closed || !this.#locks.holds(workflowId)) return;
      this.#executions.set(workflowId, reloaded);
      this.#timer.arm();
    }).catch((reloadError: unknown) => this.#onError(reloadError)).finally(() => {
      this.#reloading.delete(workflowId);
      this.#releaseIfIdle(workflowId);
    });
  }

  #readOnly(workflowId: string): Promise<Execution> {
    return Execution.openReadOnly(readingHost(this.#context, workflowId, () => drivenElsewhere(workflowId)));
  }

  /** Lets the lock go once no run of `workflowId` driven here is open or owes another workflow a message. */
  #releaseIfIdle(workflowId: string): void {
    if (this.#starts.has(workflowId) || this.#reloading.has(workflowId)) return;
    const execution = this.#executions.get(workflowId);
    if (execution?.loadedRuns().some((run) => !run.isClosed || owesMessages(run.state))) return;
    this.#executions.delete(workflowId);
    this.#locks.release(workflowId);
  }

  #drivenRuns(): WorkflowRun[] {
    return [...this.#executions.values()].flatMap((execution) => execution.loadedRuns());
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
