// What keeps the runs a browser context drives moving once it owns them: the RunHost they commit and report effects
// through, starting and loading runs, and replacing a run from IndexedDB when one of its commits failed. Which
// workflows this context may drive (Web Locks, claims) is BrowserDuro's; this file assumes the lock is held.
import type { ActivityImplementations } from '../core/activity';
import type { WorkflowRegistry } from '../core/definitions';
import { ApplicationFailure, toFailureInfo } from '../core/failure';
import {
  blockedOnOtherCode, nextRunOf, runLocalActivityAttempt, startParamsOf, WorkflowRun,
  type ActivityTask, type CarriedSignal, type PendingActivityState, type RunCommit, type RunEffect, type RunHost, type RunState, type StartParams,
} from '../core/internals';
import { realClock, type ActivityAttempts } from './activity-attempts';
import type { DeadlineTimer } from './deadline-timer';
import type { DrivenRun, DrivenRuns } from './driven-runs';
import type { IndexedDbRunStore, StoredRunSummary } from './indexeddb-store';

/** What the driver shares with the BrowserDuro that owns it. */
export interface RunDriverContext {
  store: IndexedDbRunStore;
  registry: WorkflowRegistry;
  activities: ActivityImplementations;
  attempts: ActivityAttempts;
  runs: DrivenRuns;
  timer: DeadlineTimer;
  codeVersion: string | undefined;
  /** True once the BrowserDuro was closed: nothing is committed, dispatched or started after that. */
  isClosed(): boolean;
  /** Lets the workflow's lock go once nothing of it is open or owed here. */
  releaseIfIdle(workflowId: string): void;
  /** Sends what `run` owes other workflows (the Messenger). */
  sendOwed(run: WorkflowRun): void;
  onError(error: unknown): void;
}

export class RunDriver {
  /** The host of every run driven here. */
  readonly host: RunHost;
  readonly #context: RunDriverContext;
  /** Runs being reloaded after a failed commit, by workflow id: nothing else may load them meanwhile. */
  readonly #reloads = new Map<string, Promise<void>>();

  constructor(context: RunDriverContext) {
    this.#context = context;
    const { store, activities } = context;
    this.host = {
      now: () => Date.now(),
      newRunId: () => crypto.randomUUID(),
      store: { readHistory: (runId, afterEventId) => store.readHistory(runId, afterEventId), commit: (runId, commit) => this.#commit(runId, commit) },
      runLocalActivity: (command, ref) => runLocalActivityAttempt(activities, realClock, command, ref, () => undefined),
      effects: (run, effects) => this.#carryOut(run, effects),
    };
    if (context.codeVersion !== undefined) this.host.codeVersion = context.codeVersion;
  }

  /** The reload of `workflowId` in progress after a failed commit, if any: await it before loading or reading the id. */
  reloading(workflowId: string): Promise<void> | undefined {
    return this.#reloads.get(workflowId);
  }

  start(params: StartParams, carriedSignals: CarriedSignal[], startDelayMs: number): DrivenRun {
    const definition = this.#context.registry.get(params.workflowType);
    if (!definition) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${params.workflowType}'`, 'WorkflowTypeNotFound');
    const driven = this.#context.runs.track(WorkflowRun.start(params, definition, this.host, carriedSignals, startDelayMs), params);
    driven.run.idle().catch(() => undefined); // a failed first commit is reported by #commit
    return driven;
  }

  /** Drives a stored run here: attempts a reload interrupted fail (retryable), and what it owes is sent again. */
  async load(summary: StoredRunSummary, isLatest: boolean): Promise<void> {
    const { store, registry, runs } = this.#context;
    const state = await store.loadState(summary.runId);
    const definition = state && registry.get(state.workflowType);
    const params = await this.startParamsOf(summary.runId);
    if (!state || !definition || !params) {
      this.#context.onError(new Error(`Run ${summary.runId} has workflow type '${summary.workflowType}', which this page does not register: it stays as stored`));
      return;
    }
    if (runs.has(summary.runId)) return; // started or loaded here meanwhile
    const driven = runs.track(WorkflowRun.load(state, definition, this.host), params, isLatest);
    this.#failLostAttempts(driven.run, 'The attempt was lost when the page reloaded');
    if (blockedOnOtherCode(state, this.host.codeVersion)) driven.run.unblock();
    this.#context.sendOwed(driven.run);
  }

  /** Starts the run a close hands over to (continue-as-new, a retry), at once, so messages to the id find it. */
  startNextRun(state: RunState, params: StartParams): boolean {
    const next = state.closeEvent && nextRunOf(params, state, state.closeEvent, crypto.randomUUID());
    if (!next || this.#context.isClosed() || this.#context.runs.has(next.params.runId)) return false;
    this.start(next.params, next.carriedSignals, Math.max(0, next.startAt - Date.now()));
    return true;
  }

  async startParamsOf(runId: string): Promise<StartParams | undefined> {
    const started = await this.#context.store.readEvent(runId, 1);
    return started?.type === 'WorkflowExecutionStarted' ? startParamsOf(started) : undefined;
  }

  async #commit(runId: string, commit: RunCommit): Promise<void> {
    if (this.#context.isClosed()) throw new Error(`Run ${runId} cannot commit: this BrowserDuro was closed`);
    try {
      await this.#context.store.commit(runId, commit);
    } catch (error) {
      // The run in memory is now ahead of storage: going on would leave a gap in its history. It is dropped and
      // loaded again from what was committed (browser-duro.test.ts, 'surfaces a failed commit …').
      const dropped = this.#context.runs.get(runId);
      dropped?.breakWith(error);
      this.#context.onError(error);
      if (dropped) {
        const { workflowId } = dropped.run;
        this.#reloads.set(workflowId, this.#reload(dropped).finally(() => this.#reloads.delete(workflowId)));
      }
      throw error;
    }
    this.#context.timer.arm();
  }

  async #reload(dropped: DrivenRun): Promise<void> {
    const { store, registry, runs, attempts } = this.#context;
    const { runId } = dropped.run;
    runs.drop(runId);
    const state = this.#context.isClosed() ? undefined : await store.loadState(runId).catch(() => undefined);
    const definition = state && registry.get(state.workflowType);
    if (!state || !definition) {
      // Its start was never stored: the id goes back to its previous run here, if any. A start that run's close owed
      // (continue-as-new, a retry) is not tried again at once, which a full quota would turn into a loop: the next
      // resumeAll() starts it (browser-duro.test.ts, 'starts on resume the run a stored close still owes').
      const { workflowId } = dropped.run;
      runs.fallBack(workflowId);
      this.#context.releaseIfIdle(workflowId);
      return;
    }
    const driven = runs.track(WorkflowRun.load(state, definition, this.host), dropped.params, runs.isCurrent(state.workflowId, runId));
    // An attempt whose outcome went with the failed step is still 'running' in storage but no longer in flight here.
    this.#failLostAttempts(driven.run, 'The attempt\'s outcome was lost with a failed commit', (activity) => attempts.isInFlight(runId, activity.activityId, activity.attempt));
    this.#context.timer.arm();
  }

  #failLostAttempts(run: WorkflowRun, message: string, stillRunning: (activity: PendingActivityState) => boolean = () => false): void {
    for (const activity of Object.values(run.state.activities)) {
      if (activity.phase !== 'running' || activity.completesLater || stillRunning(activity)) continue;
      run.activityFailed(activity.activityId, activity.attempt, toFailureInfo(ApplicationFailure.retryable(message, 'ActivityLostOnReload')));
    }
  }

  #carryOut(run: WorkflowRun, effects: RunEffect[]): void {
    if (this.#context.isClosed()) return;
    let sends = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'dispatchActivity':
          this.#dispatch(effect.task);
          break;
        case 'cancelActivity':
          this.#context.attempts.abort(run.runId, effect.activityId, effect.attempt);
          break;
        case 'startChild':
        case 'external':
          sends = true;
          break;
        case 'closed': {
          sends = true; // its parent's notice, its children's close policies
          this.#context.timer.forget(run.runId);
          const params = this.#context.runs.get(run.runId)?.params;
          if (!params || !this.startNextRun(run.state, params)) this.#context.releaseIfIdle(run.workflowId);
          break;
        }
      }
    }
    // Committed before this is called: what a reload interrupts now, resumeAll() sends again.
    if (sends) this.#context.sendOwed(run);
  }

  #dispatch(task: ActivityTask): void {
    // Looked up when used: a run replaced after a failed commit takes the outcome of an attempt it still counts as running.
    const runOf = () => (this.#context.isClosed() ? undefined : this.#context.runs.get(task.runId)?.run);
    this.#context.attempts.dispatch(task, {
      heartbeat: (details) => runOf()?.heartbeat(task.activityId, task.attempt, details),
      report: (outcome) => {
        const run = runOf();
        if (!run || run.isClosed) return;
        if ('result' in outcome) run.activityCompleted(task.activityId, task.attempt, outcome.result);
        else run.activityFailed(task.activityId, task.attempt, outcome.failure);
      },
    });
  }
}
