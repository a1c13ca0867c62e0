// The runs of one workflow id, in chain order: which exist, which are loaded in memory, their start parameters, and
// those whose stored state cannot be loaded (kept, described and removable, so no stored row bricks the id).
import type { WorkflowDefinition } from '../definitions';
import type { WorkflowDescription } from '../describe';
import { RowOpenError } from '../payloads/row-codecs';
import { WorkflowRun } from '../run';
import type { ResetPlan } from '../run-reset';
import type { RunHost } from '../run-host';
import { startParamsOf, type StartParams } from '../run-chain';
import { owesMessages, type RunState } from '../run-state';
import type { ExecutionHost, StoredRunRef } from './execution-host';

export class ExecutionRuns {
  readonly #host: ExecutionHost;
  readonly #runHostOf: (chainIndex: number) => RunHost<WorkflowRun>;
  /** Run ids in chain order; closed runs are loaded on demand. */
  readonly #runIds: string[] = [];
  readonly #chainIndexes = new Map<string, number>();
  #nextChainIndex = 0;
  readonly #loaded = new Map<string, WorkflowRun>();
  /** Start parameters of the loaded runs: what a hand-over, a child's notice and a re-sent child start need. */
  readonly #params = new Map<string, StartParams>();
  /** Runs whose stored state cannot be loaded here, with what a description says of them. */
  readonly #unloadable = new Map<string, string>();
  /** Of those, the ones held back by a row the payload codecs cannot open (a key removed): what requests answer. */
  readonly #unopened = new Map<string, RowOpenError>();

  constructor(host: ExecutionHost, runHostOf: (chainIndex: number) => RunHost<WorkflowRun>) {
    this.#host = host;
    this.#runHostOf = runHostOf;
  }

  /** Takes in a stored run (on open). */
  register(stored: StoredRunRef): void {
    this.#runIds.push(stored.runId);
    this.#chainIndexes.set(stored.runId, stored.chainIndex);
    this.#nextChainIndex = Math.max(this.#nextChainIndex, stored.chainIndex + 1);
  }

  get latestId(): string | undefined {
    return this.#runIds.at(-1);
  }

  get ids(): readonly string[] {
    return this.#runIds;
  }

  has(runId: string): boolean {
    return this.#chainIndexes.has(runId);
  }

  loaded(): IterableIterator<WorkflowRun> {
    return this.#loaded.values();
  }

  /** The run if it is in memory (every run of an in-memory host always is). */
  loadedRun(runId: string): WorkflowRun | undefined {
    return this.#loaded.get(runId);
  }

  /** Start parameters known in memory: those of open runs, of runs owing messages, and of any read since. */
  paramsOf(runId: string): StartParams | undefined {
    return this.#params.get(runId);
  }

  /** A run's start parameters, read from its first event when not in memory. */
  async startParamsOf(runId: string): Promise<StartParams> {
    const known = this.#params.get(runId);
    if (known) return known;
    const params = await this.#readStartParams(runId);
    this.#params.set(runId, params);
    return params;
  }

  async #readStartParams(runId: string): Promise<StartParams> {
    const [started] = await this.#host.store.readHistory(runId, 0, 1);
    if (started?.type !== 'WorkflowExecutionStarted') throw new Error(`the history of run ${runId} does not begin with WorkflowExecutionStarted`);
    return startParamsOf(started);
  }

  /** `runId`'s run (undefined: the latest), loaded if it is not; undefined when there is none or it cannot be loaded. */
  async find(runId: string | undefined): Promise<WorkflowRun | undefined> {
    const id = runId ?? this.latestId;
    if (id === undefined) return undefined;
    const loaded = this.#loaded.get(id);
    if (loaded) return loaded;
    const chainIndex = this.#chainIndexes.get(id);
    // A run found unloadable stays so for this instance: not read, parsed and refused again on every request.
    if (chainIndex === undefined || this.#unloadable.has(id)) return undefined;
    return this.load(id, chainIndex);
  }

  /** Loads a stored run (its workflow replays lazily, on the first input that needs it). */
  async load(runId: string, chainIndex: number, known?: RunState): Promise<WorkflowRun | undefined> {
    const state = known ?? (await this.readState(runId));
    if (!state) return undefined;
    const definition = this.#host.definitionOf(state.workflowType);
    if (!definition) {
      this.markUnloadable(runId, `unknown workflow type: '${state.workflowType}' is not registered in this deployment`);
      return undefined;
    }
    try {
      // A run that may still hand over, or owes a notice naming its chain's first run, needs its start parameters at
      // once (synchronously, at its close); a closed one loaded to be read gets them only if asked (startParamsOf).
      const params = !state.closeEvent || owesMessages(state) ? await this.#readStartParams(runId) : undefined;
      if (this.#loaded.has(runId)) return this.#loaded.get(runId); // loaded by another request meanwhile
      const run = WorkflowRun.load(state, definition, this.#runHostOf(chainIndex));
      this.#loaded.set(runId, run);
      if (params) this.#params.set(runId, params);
      return run;
    } catch (error) {
      this.markUnloadable(runId, `${whyUnloadable(error, 'corrupt: its stored state cannot be loaded')}: ${messageOf(error)}`, error);
      return undefined;
    }
  }

  /** A run's stored state; undefined when there is none or it cannot be read (then it is marked unloadable). */
  async readState(runId: string): Promise<RunState | undefined> {
    try {
      return await this.#host.store.loadState(runId);
    } catch (error) {
      this.markUnloadable(runId, `${whyUnloadable(error, 'corrupt: its stored state cannot be read')}: ${messageOf(error)}`, error);
      return undefined;
    }
  }

  /** Starts a new run at the end of the chain. */
  start(start: (host: RunHost<WorkflowRun>) => WorkflowRun, params: StartParams): WorkflowRun {
    // Stored indexes only grow: retention may have removed older runs, never renumbering the rest.
    const chainIndex = this.#nextChainIndex++;
    const run = start(this.#runHostOf(chainIndex));
    this.#runIds.push(run.runId);
    this.#chainIndexes.set(run.runId, chainIndex);
    this.#loaded.set(run.runId, run);
    this.#params.set(run.runId, params);
    return run;
  }

  /** Adds the run a reset makes (its copied history is committed before it joins the chain). */
  async startFromReset(plan: ResetPlan, definition: WorkflowDefinition): Promise<WorkflowRun> {
    const chainIndex = this.#nextChainIndex++;
    const run = await WorkflowRun.fromReset(plan, definition, this.#runHostOf(chainIndex));
    const started = plan.events[0];
    if (started?.type !== 'WorkflowExecutionStarted') throw new Error('A reset plan begins with WorkflowExecutionStarted');
    this.#runIds.push(run.runId);
    this.#chainIndexes.set(run.runId, chainIndex);
    this.#loaded.set(run.runId, run);
    this.#params.set(run.runId, startParamsOf(started));
    return run;
  }

  /** Builds every loaded open run again on the definitions deployed now (a deploy of new code). */
  reload(): WorkflowRun[] {
    const replaced: WorkflowRun[] = [];
    for (const [runId, run] of this.#loaded) {
      const definition = this.#host.definitionOf(run.state.workflowType);
      if (run.isClosed || !definition) continue;
      const replacement = WorkflowRun.load(run.state, definition, this.#runHostOf(this.#chainIndexes.get(runId)!));
      this.#loaded.set(runId, replacement);
      replaced.push(replacement);
    }
    return replaced;
  }

  /** Drops a run from memory (retention removed it, or it turned out unloadable after it loaded). */
  forget(runId: string): void {
    this.#loaded.delete(runId);
    this.#params.delete(runId);
    this.#unloadable.delete(runId);
    this.#unopened.delete(runId);
    this.#chainIndexes.delete(runId);
    const index = this.#runIds.indexOf(runId);
    if (index >= 0) this.#runIds.splice(index, 1);
  }

  // ---- runs that cannot be loaded ----

  unloadableReason(runId: string | undefined): string | undefined {
    return runId === undefined ? undefined : this.#unloadable.get(runId);
  }

  /**
   * What a request that needs `runId`'s run is answered when a row of it does not open (`duro:payload-unreadable`,
   * naming the row and the key), rather than "not found": the run exists, and loads again once the key is back.
   * Undefined when the run loads, or cannot for another reason (those requests answer as before).
   */
  unopenedError(runId: string | undefined): RowOpenError | undefined {
    const error = runId === undefined ? undefined : this.#unopened.get(runId);
    if (!error) return undefined;
    return new RowOpenError(error.identity, `Run ${runId} cannot be loaded: ${this.#unloadable.get(runId!)}`, { cause: error });
  }

  /** What describes a run that cannot be loaded: its stored summary and why. */
  async describeUnloadable(runId: string | undefined, workflowId: string): Promise<WorkflowDescription | undefined> {
    const reason = this.unloadableReason(runId);
    const summary = reason === undefined ? undefined : await this.#host.store.summaryOf(runId!);
    if (!summary) return undefined;
    return {
      workflowId, runId: runId!, workflowType: summary.workflowType, status: summary.status,
      startTime: summary.startTime, ...(summary.closeTime !== undefined && { closeTime: summary.closeTime }), historyLength: summary.historyLength,
      pendingActivities: [], pendingTimers: [], pendingChildren: [], memo: {}, searchAttributes: {},
      blockedReason: reason,
    };
  }

  markUnloadable(runId: string, reason: string, error?: unknown): void {
    if (!this.#unloadable.has(runId)) this.#host.report(`run ${runId} cannot be loaded (${reason}); it can still be described, terminated and deleted`, error);
    this.#loaded.delete(runId);
    this.#unloadable.set(runId, reason.slice(0, 1_000));
    if (error instanceof RowOpenError) this.#unopened.set(runId, error);
    this.#host.store.forgetDeadlines?.(runId); // nothing can fire for it: the host must not wake for it
  }
}

/** A row the payload codecs cannot open is a key to configure again, not damage (docs/payloads.md). */
function whyUnloadable(error: unknown, otherwise: string): string {
  return error instanceof RowOpenError ? 'its stored state cannot be opened' : otherwise;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
