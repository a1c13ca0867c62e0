// One workflow id's execution: all its runs, whatever host holds it (a Durable Object, the test environment, a
// browser tab). Start with the id-reuse and conflict policies, requests that follow the current run across a
// hand-over (continue-as-new, a retry), the result wait, reset, the next run on close, and recovery on open. Errors
// are the engine's typed errors; the Durable Object host turns them into problems (src/protocol/execution-answers.ts).
import { WorkflowClosedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRejectedError } from '../client-errors';
import { describeRun, type WorkflowDescription } from '../describe';
import { ApplicationFailure } from '../failure';
import type { HistoryEvent, Outcome } from '../history';
import { Limits } from '../limits';
import { PayloadError, payloadSize } from '../payload';
import { parsedLogLine, type LogLine } from '../log';
import { WorkflowRun, type CarriedSignal, type FirstUpdate } from '../run';
import type { UpdateOutcome } from '../update-outcome';
import { handsOver, nextRunOf, unregisteredWorkflow } from '../run-chain';
import type { RunHost } from '../run-host';
import { badResetPoint, planReset } from '../run-reset';
import { blockedOnOtherCode, outcomeOfCloseEvent } from '../run-state';
import type { RunEffect } from '../run-transitions';
import { decideStart, type LatestRun } from '../start-policy';
import { tracedQuery } from '../tracing/run-spans';
import type { ExecutionHost } from './execution-host';
import { CloseWaits } from './close-waits';
import { recoverRuns } from './execution-recovery';
import { completeAttempt, heartbeatAttempt, noteChildClosed, noteChildStarted } from './execution-notices';
import { ExecutionRuns } from './execution-runs';
import { followTarget } from './follow-target';
import { firstRunParams } from './first-run';
import type {
  AttemptRef, ChildClosedNotice, ChildStartedNotice, ParentClosePolicyRequest, ResultReply, RunTarget, SignalWithStartRequest, StartReply, StartRequest, UpdateReply, UpdateRequest, UpdateWithStartRequest,
} from './requests';

/** A page of a run's kept log lines (Execution.logs). */
export interface LogPage {
  runId: string;
  lines: Array<{ seq: number; line: LogLine }>;
  /** Ask with `after = lastSeq` for the lines kept since. */
  lastSeq: number;
}

/**
 * How many times a request addressed to the workflow id follows the chain when the run it reached closed and handed
 * over while the request waited (each hand-over is a whole run: more in one request means a runaway chain).
 */
const MAX_HAND_OVERS = 10;
/** How many times a with-start request whose run closed before it took the message tries again on what runs then. */
const MAX_WITH_START_TRIES = 3;

export class Execution {
  readonly #host: ExecutionHost;
  readonly #runs: ExecutionRuns;
  /** Starts and resets, one at a time: each decides on the latest run and adds the next. */
  #exclusive: Promise<unknown> = Promise.resolve();
  /** Starts and resets waiting or under way: a request meeting a closed run waits for them (a new run is coming). */
  #exclusiveDepth = 0;
  readonly #waits: CloseWaits;

  private constructor(host: ExecutionHost) {
    this.#host = host;
    this.#runs = new ExecutionRuns(host, (chainIndex) => this.#runHost(chainIndex));
    this.#waits = new CloseWaits(host);
  }

  /**
   * Opens the workflow id's execution from its store: loads the open runs and the closed ones that still owe other
   * executions a message, fails the attempts that died with the previous instance (retryable), resumes runs blocked
   * on other code, and starts the run a stored close still owes (its start is committed one step after the close).
   * `startOwedRun: false` leaves that start to a later open: a host reloading after a failed commit (a full quota)
   * would otherwise try the same failing start again at once, in a loop.
   */
  static async open(host: ExecutionHost, options: { startOwedRun?: boolean } = {}): Promise<Execution> {
    const execution = new Execution(host);
    await execution.#recover(options.startOwedRun ?? true);
    return execution;
  }

  /**
   * The execution as stored, for reading only (a browser tab that does not drive the id): describe, query, history and
   * result answer from storage; nothing is recovered, and a write is the host's to refuse.
   */
  static async openReadOnly(host: ExecutionHost): Promise<Execution> {
    const execution = new Execution(host);
    for (const stored of await host.store.listRuns()) execution.#runs.register(stored);
    return execution;
  }

  /** The execution of a workflow id that has no stored run yet (an in-memory host's first use of the id). */
  static openEmpty(host: ExecutionHost): Execution {
    return new Execution(host);
  }

  get workflowId(): string {
    return this.#host.workflowId;
  }

  /** The runs in memory: the open ones, and closed ones loaded since (hosts resend what they owe from these). */
  loadedRuns(): WorkflowRun[] {
    return [...this.#runs.loaded()];
  }

  /** The same runs, without a copy: for checks on every commit (the Durable Object's alarm keeper). */
  eachLoadedRun(): Iterable<WorkflowRun> {
    return this.#runs.loaded();
  }

  /** A run in memory (undefined `runId`: the latest), without loading: for hosts whose runs all stay in memory. */
  runInMemory(runId?: string): WorkflowRun | undefined {
    const id = runId ?? this.#runs.latestId;
    return id === undefined ? undefined : this.#runs.loadedRun(id);
  }

  /** The run `target` reaches now (loading it if need be), or undefined. */
  runAt(target: RunTarget = {}): Promise<WorkflowRun | undefined> {
    return followTarget(this.#runs, target);
  }

  /** Why `runId` (default: the latest run) cannot be loaded here, once a request has tried; undefined when it can. */
  unloadableReason(runId?: string): string | undefined {
    return this.#runs.unloadableReason(runId ?? this.#runs.latestId);
  }

  /** Run ids in chain order. */
  runIds(): readonly string[] {
    return this.#runs.ids;
  }

  /** The first run of `run`'s chain (what a child's start answered its parent). */
  firstRunIdOf(run: WorkflowRun): string {
    return this.#runs.paramsOf(run.runId)?.firstRunId ?? run.runId;
  }

  /** The run after `runId` in its chain, if it handed over and that run exists here. */
  nextRunIdOf(runId: string): string | undefined {
    const closeEvent = this.#runs.loadedRun(runId)?.state.closeEvent;
    const next = closeEvent && outcomeOfCloseEvent(closeEvent)?.newRunId;
    return next !== undefined && this.#runs.has(next) ? next : undefined;
  }

  // ---- starts ----

  /** `firstUpdate` (update-with-start) goes with the run's start, when it starts one without a delay. */
  async start(request: StartRequest, carriedSignals: CarriedSignal[] = [], firstUpdate?: FirstUpdate): Promise<StartReply> {
    const { reply, run } = await this.#oneAtATime(async (): Promise<{ reply: StartReply; run?: WorkflowRun }> => {
      const definition = this.#host.definitionOf(request.workflowType);
      if (!definition) throw ApplicationFailure.nonRetryable(`Unknown workflow type '${request.workflowType}'`, 'WorkflowTypeNotFound');
      const latest = await this.#latest(request.parent !== undefined);
      const decision = decideStart(latest, request);
      if (decision.action === 'useExisting') return { reply: { workflowId: request.workflowId, runId: decision.runId, started: false } };
      if (decision.action === 'refuse') throw new WorkflowExecutionAlreadyStartedError(this.workflowId, decision.runId, decision.detail);
      if (decision.action === 'terminateThenStart') await this.#terminateCurrent('terminated by a new start of the same workflow id');
      const runId = this.#host.newId();
      const params = firstRunParams(request, runId, this.#host.newId(), this.#host.now());
      const startDelayMs = request.startDelayMs ?? 0;
      const run = this.#runs.start((host) => WorkflowRun.start(params, definition, host, carriedSignals, startDelayMs, startDelayMs > 0 ? undefined : firstUpdate), params);
      this.#waits.runsChanged();
      return { reply: { workflowId: request.workflowId, runId, started: true }, run };
    });
    // The first activation runs outside the one-at-a-time section: another start decides on this run meanwhile.
    await run?.idle();
    return reply;
  }

  /** Signals the running workflow, or starts it with the signal delivered first (Temporal's signal-with-start). */
  async signalWithStart(request: SignalWithStartRequest): Promise<StartReply> {
    const requestId = request.requestId !== undefined ? { requestId: request.requestId } : {};
    // A run that closes while the signal waits for it (a terminate racing this request) did not take it: the request
    // then acts as if it came after the close, and starts a new run (test/integration-fixture/with-start-race.test.ts).
    for (let tries = 1; ; tries++) {
      const current = await this.#runs.find(undefined);
      if (!current) await this.#refuseIfUnopenedRunning(request);
      if (!current || current.isClosed) {
        // Another start may get in first (a concurrent with-start): then the signal goes to the run it started.
        const started = await this.#startUnlessRunning(request, [{ signalName: request.signalName, args: request.signalArgs, ...requestId }], tries);
        if (started) return started;
        continue;
      }
      try {
        await this.signal({ name: request.signalName, args: request.signalArgs, ...requestId });
        return { workflowId: request.workflowId, runId: current.runId, started: false };
      } catch (error) {
        if (!(error instanceof WorkflowClosedError) || tries >= MAX_WITH_START_TRIES) throw error;
      }
    }
  }

  /**
   * Runs an update on the running workflow, or starts it with the update, which its first activation then validates
   * and delivers (Temporal's update-with-start: a handler set at the top of the workflow sees it, issue 17).
   */
  async updateWithStart(request: UpdateWithStartRequest): Promise<StartReply & UpdateReply> {
    const { update } = request;
    for (let tries = 1; ; tries++) {
      const current = await this.#runs.find(undefined);
      if (!current) await this.#refuseIfUnopenedRunning(request);
      let answered: Promise<UpdateOutcome> | undefined;
      let started: StartReply | undefined;
      if (current && !current.isClosed) started = { workflowId: request.workflowId, runId: current.runId, started: false };
      else {
        const first = withStartUpdate(update);
        started = await this.#startUnlessRunning(request, [], tries, first.update);
        if (started?.started && !request.startDelayMs) answered = first.answered;
      }
      if (!started) continue;
      if (answered) return { ...started, ...updateReplyOf(this.workflowId, update.name, await answered) };
      try {
        return { ...started, ...(await this.update({ ...request.update, runId: started.runId })) };
      } catch (error) {
        // As for signal-with-start: a run that closed before taking the update leaves it to a new run.
        if (started.started || !(error instanceof WorkflowClosedError) || tries >= MAX_WITH_START_TRIES) throw error;
      }
    }
  }

  // ---- reading ----

  /** `atOnce`: from the state as it stands, not after the activation in progress (a local activity may hold it for minutes). */
  async describe(target: { runId?: string; atOnce?: boolean } = {}): Promise<WorkflowDescription> {
    const run = await this.#runs.find(target.runId);
    if (!run) return (await this.#runs.describeUnloadable(target.runId ?? this.#runs.latestId, this.workflowId)) ?? this.#unavailable(target.runId);
    if (!target.atOnce) await run.idle();
    if (run.brokenBy) throw run.brokenBy;
    return describeRun(run.state);
  }

  /** Waits up to `waitMs` for the run (with `followRuns`, the last run of its chain) to close. */
  async result(options: { runId?: string; waitMs: number; followRuns: boolean }): Promise<ResultReply> {
    let run = (await this.#runs.find(options.runId)) ?? this.#unavailable(options.runId);
    const deadline = this.#host.now() + options.waitMs;
    for (;;) {
      // A run whose commit failed holds state storage does not: its host loads it again; nothing is answered from it.
      if (run.brokenBy) throw run.brokenBy;
      if (!run.isClosed) {
        const remaining = deadline - this.#host.now();
        if (remaining <= 0) return { status: 'running', runId: run.runId };
        await this.#waits.untilClosedOr(run, remaining);
        run = (await this.#runs.find(run.runId)) ?? run; // a deploy may have replaced the run object
        continue;
      }
      const outcome = outcomeOfCloseEvent(run.state.closeEvent!)!;
      // Continue-as-new and a retry hand over to a next run: the result is that run's (Temporal's GetResult).
      if (outcome.status === 'continuedAsNew' || (outcome.newRunId !== undefined && options.followRuns)) {
        if (!options.followRuns) return { status: 'continuedAsNew', runId: run.runId, newRunId: outcome.newRunId! };
        const next = await this.#runs.find(outcome.newRunId);
        if (!next) {
          const unopened = this.#runs.unopenedError(outcome.newRunId);
          if (unopened) throw unopened;
          return { status: 'running', runId: outcome.newRunId! };
        }
        run = next;
        continue;
      }
      if (outcome.status === 'completed') return { status: 'completed', runId: run.runId, result: outcome.result };
      return { status: outcome.status as 'failed', runId: run.runId, failure: outcome.failure! };
    }
  }

  /** A page of a run's history; a run that cannot be loaded still has its history read. */
  async history(options: { runId?: string; afterEventId?: number; limit?: number; maxChars?: number }): Promise<{ events: HistoryEvent[]; nextEventId: number }> {
    const runId = options.runId ?? this.#runs.latestId;
    if (runId === undefined || !this.#runs.has(runId)) return this.#unavailable(options.runId);
    await (await this.#runs.find(runId))?.idle();
    const after = options.afterEventId ?? 0;
    const events = await this.#host.store.readHistory(runId, after, options.limit ?? 1_000, options.maxChars);
    // A page always holds its first event; one larger than an RPC carries (kept in the blob store) is refused clearly.
    if (options.maxChars !== undefined && events.length === 1) checkPageEvent(events[0]!, runId);
    return { events, nextEventId: (events.at(-1)?.eventId ?? after) + 1 };
  }

  /**
   * A page of a run's kept log lines (what its workflow code, its local activities and its activity servers logged:
   * the latest Limits.logLinesKept), oldest first; `lastSeq` is the `afterSeq` that reads what follows.
   */
  async logs(options: { runId?: string; afterSeq?: number; limit?: number }): Promise<LogPage> {
    const runId = options.runId ?? this.#runs.latestId;
    if (runId === undefined || !this.#runs.has(runId)) return this.#unavailable(options.runId);
    // A step in progress commits its lines first; a run not in memory has nothing in progress, and is not loaded to read.
    await this.#runs.loadedRun(runId)?.idle();
    const after = options.afterSeq ?? 0;
    const kept = await this.#host.store.readLogs(runId, after, options.limit ?? Limits.logLinesKept);
    return { runId, lines: kept.map(({ seq, line }) => ({ seq, line: parsedLogLine(line) ?? { level: 'info', message: line, time: '' } })), lastSeq: kept.at(-1)?.seq ?? after };
  }

  /** Answers from live state (replaying first if the workflow is not in memory); closed runs answer too. */
  async query(options: { name: string; args: unknown[]; runId?: string }): Promise<unknown> {
    const run = (await this.#runs.find(options.runId)) ?? this.#unavailable(options.runId);
    if (run.brokenBy) throw run.brokenBy;
    return tracedQuery(this.#host.spans, () => this.#host.now(), run.state, options.name, () => run.query(options.name, options.args));
  }

  // ---- messages to the current run ----

  async signal(options: { name: string; args: unknown[]; requestId?: string } & RunTarget): Promise<void> {
    await this.#onOpenRun(options, (run) => run.signal(options.name, options.args, options.requestId));
  }

  async update(options: UpdateRequest & RunTarget): Promise<UpdateReply> {
    return this.#onOpenRun(options, async (run) => {
      const reply = await run.update(options.name, options.args, { ...(options.updateId !== undefined && { updateId: options.updateId }), acceptedOnly: options.wait === 'accepted' });
      return updateReplyOf(run.workflowId, options.name, reply);
    });
  }

  async cancel(options: { reason?: string } & RunTarget = {}): Promise<void> {
    await this.#onOpenRun(options, (run) => run.cancel(options.reason));
  }

  async terminate(options: { reason?: string } & RunTarget = {}): Promise<void> {
    const runId = options.runId ?? this.#runs.latestId;
    // Finds out whether it loads when nothing has tried yet; a run in memory is terminated in the order asked (no await
    // in between, so a with-start request sent after it comes after it: with-start-race.test.ts).
    if (runId !== undefined && !this.#runs.loadedRun(runId)) await this.#runs.find(runId);
    if (runId !== undefined && this.#runs.unloadableReason(runId) !== undefined) return this.#removeUnloadable(runId, `terminated: ${options.reason ?? 'no reason given'}`);
    await this.#onOpenRun(options, (run) => run.terminate(options.reason));
  }

  /** Holds activities and timers; signals and updates are still recorded. */
  async pause(options: { reason?: string; runId?: string } = {}): Promise<void> {
    await this.#onOpenRun(options, async (run) => {
      run.pause(options.reason);
      await run.idle();
    });
  }

  async unpause(options: { runId?: string } = {}): Promise<void> {
    await this.#onOpenRun(options, async (run) => {
      run.unpause();
      await run.idle();
    });
  }

  /**
   * A new run re-running from the end of an earlier activation (`eventId`, a WorkflowTaskCompleted) with the code
   * deployed now; the old run and the one running now are terminated, signals received after the point re-applied.
   */
  async reset(options: { eventId: number; reason?: string; runId?: string }): Promise<{ runId: string }> {
    const run = await this.#oneAtATime(async () => {
      const old = (await this.#runs.find(options.runId)) ?? this.#unavailable(options.runId);
      await old.idle();
      const bad = badResetPoint(await this.#host.store.readHistory(old.runId, 0), options.eventId);
      if (bad) throw ApplicationFailure.nonRetryable(bad, 'BadResetPoint');
      const definition = this.#host.definitionOf(old.state.workflowType);
      if (!definition) throw ApplicationFailure.nonRetryable(`Workflow type '${old.state.workflowType}' is not registered`, 'WorkflowTypeNotFound');
      const reason = `reset: ${options.reason ?? 'reset'}`;
      if (!old.isClosed) await closedAnyway(old.terminate(reason));
      // Resetting an earlier run of the chain (a failed attempt, a continued run) replaces the one running now.
      await this.#terminateCurrent(reason);
      // Read once the old run is closed: a signal it recorded while the terminate waited is re-applied, not lost.
      const history = await this.#host.store.readHistory(old.runId, 0);
      const plan = planReset(history, options.eventId, this.#host.newId(), this.#host.now(), this.#host.blobs?.thresholdBytes);
      const reset = await this.#runs.startFromReset(plan, definition);
      this.#waits.runsChanged();
      return reset;
    });
    await run.idle();
    return { runId: run.runId };
  }

  // ---- what other executions and activity workers send ----

  activityHeartbeat(ref: AttemptRef, details: unknown): Promise<{ cancelRequested: boolean }> {
    return heartbeatAttempt(this.#runs, ref, details);
  }

  activityComplete(ref: AttemptRef, outcome: Outcome & { logs?: unknown }): Promise<void> {
    return completeAttempt(this.#runs, ref, outcome);
  }

  childStarted(notice: ChildStartedNotice): Promise<void> {
    return noteChildStarted(this.#runs, notice);
  }

  /**
   * A closed parent's close policy: terminates or cancels the run of this id that the parent's run started (its
   * chain's current run), and nothing else — an id its child no longer holds (closed, then started again by someone
   * else) is left alone. Throws WorkflowNotFoundError when the id has no run (the child's start may be on its way).
   */
  async applyParentClosePolicy(request: ParentClosePolicyRequest): Promise<void> {
    const latest = (await this.#runs.find(undefined)) ?? this.#unavailable(undefined);
    if (latest.isClosed || latest.state.parent?.runId !== request.parentRunId) return;
    const close = (run: WorkflowRun) => (request.policy === 'TERMINATE' ? run.terminate(request.reason) : run.cancel(request.reason));
    await this.#onOpenRun({}, close).catch((error: unknown) => {
      if (!(error instanceof WorkflowClosedError)) throw error;
    });
  }

  /** A child's close; a parent that closed meanwhile abandoned the child: the notice is acknowledged and dropped. */
  childClosed(notice: ChildClosedNotice): Promise<void> {
    return noteChildClosed(this.#runs, notice);
  }

  // ---- the host's wake-ups ----

  /** Fires what is due by the host's clock, resumes runs blocked on code since replaced, and runs lost local attempts again. */
  wake(): void {
    const now = this.#host.now();
    for (const run of this.#runs.loaded()) {
      if (run.isClosed) continue;
      const wakeAt = run.nextWakeAt();
      if (wakeAt !== undefined && wakeAt <= now) run.fireDeadlines();
      if (blockedOnOtherCode(run.state, this.#host.codeVersion())) run.unblock();
      run.resumeLocalAttempts();
    }
  }

  /** New code is deployed: open runs continue on it (replaying under it when next evicted). */
  redeploy(): void {
    for (const run of this.#runs.reload()) {
      if (blockedOnOtherCode(run.state, this.#host.codeVersion())) run.unblock();
      run.resumeLocalAttempts();
    }
    this.#waits.runsChanged();
  }

  /** Drops a run the host deleted (retention). */
  forget(runId: string): void {
    this.#runs.forget(runId);
  }

  // ---- internals ----

  async #recover(startOwedRun: boolean): Promise<void> {
    const last = await recoverRuns(this.#runs, this.#host);
    // A run that continued as new (or is retried) is closed one step before the next run's first commit: if the host
    // died in between, its close event is the record of the start still owed (children.test.ts in test/integration-fixture).
    if (!startOwedRun || !last?.state.closeEvent || !handsOver(last.state.closeEvent)) return;
    // A closed run is loaded without its start parameters; a history that cannot give them leaves the start owed.
    const read = await this.#runs.startParamsOf(last.runId).catch((error: unknown) => this.#host.report(`run ${last.runId} owes a next run it cannot start`, error));
    if (read) this.#startNextRun(last, last.state.closeEvent);
  }

  #runHost(chainIndex: number): RunHost<WorkflowRun> {
    const host = this.#host;
    const runHost: RunHost<WorkflowRun> = {
      now: () => host.now(),
      newRunId: () => host.newId(),
      store: {
        readHistory: (runId, afterEventId, limit) => host.store.readHistory(runId, afterEventId ?? 0, limit),
        commit: (runId, commit) => host.store.commit(runId, chainIndex, commit),
      },
      runLocalActivity: (command, ref, keepLog) => host.runLocalActivity(command, ref, keepLog),
      effects: (run, effects) => this.#effects(run, effects),
    };
    const codeVersion = host.codeVersion();
    if (codeVersion !== undefined) runHost.codeVersion = codeVersion;
    if (host.spans) runHost.spans = host.spans;
    if (host.payloadConverter) runHost.payloadConverter = host.payloadConverter;
    if (host.blobs) runHost.blobs = host.blobs;
    return runHost;
  }

  #effects(run: WorkflowRun, effects: RunEffect[]): void {
    for (const effect of effects) if (effect.type === 'closed') this.#startNextRun(run, effect.closeEvent);
    this.#host.effects(run, effects);
  }

  /** Starts the run that a close hands over to (continue-as-new, or the next attempt of a retried workflow). */
  #startNextRun(run: WorkflowRun, closeEvent: HistoryEvent): void {
    if (!handsOver(closeEvent)) return;
    const previous = this.#runs.paramsOf(run.runId);
    const next = previous && nextRunOf(previous, run.state, closeEvent, this.#host.newId());
    if (!next || this.#runs.has(next.params.runId)) return; // nothing follows, or already started
    // A type this deployment lacks (continue-as-new into another workflow): the run starts and fails at once, saying so.
    const definition = this.#host.definitionOf(next.params.workflowType) ?? unregisteredWorkflow(next.params.workflowType);
    const startDelayMs = Math.max(0, next.startAt - this.#host.now());
    this.#runs.start((host) => WorkflowRun.start(next.params, definition, host, next.carriedSignals, startDelayMs), next.params);
    this.#waits.runsChanged();
  }

  /** The latest run as a start decides on it; `forParent` adds the chain's first run id a re-sent child start answers. */
  async #latest(forParent: boolean): Promise<LatestRun | undefined> {
    const current = await this.#runs.find(undefined);
    if (current) {
      return {
        runId: current.runId,
        status: current.state.status,
        ...(current.state.parent && { parent: current.state.parent }),
        ...(forParent && { firstRunId: (await this.#runs.startParamsOf(current.runId)).firstRunId }),
      };
    }
    const runId = this.#runs.latestId;
    const summary = runId === undefined || this.#runs.unloadableReason(runId) === undefined ? undefined : await this.#host.store.summaryOf(runId);
    return summary && { runId: runId!, status: summary.status };
  }

  /** Terminates whatever runs now, following hand-overs that happen while a terminate waits. */
  async #terminateCurrent(reason: string): Promise<void> {
    for (let run = await this.#runs.find(undefined); run && !run.isClosed; run = await this.#runs.find(undefined)) await closedAnyway(run.terminate(reason));
    // A running run that cannot be loaded cannot record its terminate: it is deleted. A closed one stays as it is.
    const latest = this.#runs.latestId;
    if (latest === undefined || this.#runs.unloadableReason(latest) === undefined) return;
    if ((await this.#host.store.summaryOf(latest))?.status === 'running') await this.#removeUnloadable(latest, reason);
  }

  async #onOpenRun<T>(target: RunTarget, fn: (run: WorkflowRun) => Promise<T>): Promise<T> {
    const followsChain = target.runId === undefined || target.followRuns === true;
    for (let handOvers = 0; ; handOvers++) {
      const run = (await followTarget(this.#runs, target)) ?? this.#unavailable(target.runId);
      try {
        if (run.isClosed) throw new WorkflowClosedError(run.workflowId, run.state.status);
        return await fn(run);
      } catch (error) {
        if (!(error instanceof WorkflowClosedError) || !followsChain || handOvers >= MAX_HAND_OVERS) throw error;
        // Addressed to the workflow id, not a run: a run that closed while the request waited handed over to the next
        // one (continue-as-new, a retry), which takes it — as Temporal delivers to the current run. A start or reset
        // under way (terminate, then a new run) is waited for: the request is for the run it adds.
        if (this.#exclusiveDepth > 0) await this.#exclusive;
        else if ((await followTarget(this.#runs, target)) === run) throw error;
      }
    }
  }

  async #oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
    this.#exclusiveDepth++;
    const result = this.#exclusive.then(fn, fn);
    this.#exclusive = result.catch(() => undefined);
    try {
      return await result;
    } finally {
      this.#exclusiveDepth--;
    }
  }

  /**
   * A with-start request's start: undefined when a run of the id is open after all (another start got in first),
   * so the request goes to that run; refusals of a closed id (an id-reuse policy) are thrown.
   */
  async #startUnlessRunning(request: StartRequest, carriedSignals: CarriedSignal[], tries: number, firstUpdate?: FirstUpdate): Promise<StartReply | undefined> {
    try {
      const started = await this.start(request, carriedSignals, firstUpdate);
      if (started.started || tries >= MAX_WITH_START_TRIES) return started;
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError) || tries >= MAX_WITH_START_TRIES) throw error;
    }
    return (await this.#runs.find(undefined))?.isClosed === false ? undefined : this.start(request, carriedSignals, firstUpdate);
  }

  /**
   * A with-start request meeting a running run whose rows do not open: its message cannot reach that run, and a new
   * run cannot start beside it, so the row is what is answered — unless the request replaces the run.
   */
  async #refuseIfUnopenedRunning(request: StartRequest): Promise<void> {
    const latest = this.#runs.latestId;
    const unopened = this.#runs.unopenedError(latest);
    if (!unopened || request.idConflictPolicy === 'terminateExisting' || request.idReusePolicy === 'terminateIfRunning') return;
    if ((await this.#host.store.summaryOf(latest!))?.status === 'running') throw unopened;
  }

  /** Terminating a run that cannot be loaded deletes it: nothing could be recorded in its history anyway. */
  async #removeUnloadable(runId: string, why: string): Promise<void> {
    this.#host.report(`run ${runId}, which cannot be loaded, is deleted: ${why}`);
    await this.#host.store.deleteRun(runId);
    this.#runs.forget(runId);
  }

  /**
   * What a request for a run that `find` did not give answers: the row that does not open when the run exists but its
   * stored state is sealed with a key no longer configured (duro:payload-unreadable), else not found.
   */
  #unavailable(runId: string | undefined): never {
    throw this.#runs.unopenedError(runId ?? this.#runs.latestId) ?? new WorkflowNotFoundError(this.workflowId, runId);
  }
}

/**
 * Refuses a history page's single event when it is larger than a Durable Object RPC carries (an event kept in the blob
 * store may be up to 100 MiB): a clear 413 instead of a failed RPC. The run itself reads it from its own storage.
 */
function checkPageEvent(event: HistoryEvent, runId: string): void {
  const bytes = payloadSize(event);
  if (bytes <= Limits.maxMessagePayloadBytes) return;
  throw new PayloadError(`Event ${event.eventId} (${event.type}) of run ${runId} is ${bytes} bytes, more than a history page carries (${Limits.maxMessagePayloadBytes} bytes); the run is not affected, and the events after it read from after=${event.eventId}`, bytes);
}

/** What a run answered an update, as the execution answers it: a closed run and a rejection are thrown. */
function updateReplyOf(workflowId: string, name: string, reply: UpdateOutcome): UpdateReply {
  if (reply.closedAs) throw new WorkflowClosedError(workflowId, reply.closedAs);
  if (reply.rejected) throw new WorkflowUpdateRejectedError(name, reply.rejected);
  return reply.outcome ? { updateId: reply.updateId, outcome: reply.outcome } : { updateId: reply.updateId };
}

/** An update-with-start's update to queue with a start, and its answer once the run took it. */
function withStartUpdate(update: UpdateRequest): { update: FirstUpdate; answered: Promise<UpdateOutcome> } {
  let respond!: (outcome: UpdateOutcome) => void;
  let fail!: (error: Error) => void;
  const answered = new Promise<UpdateOutcome>((resolve, reject) => {
    respond = resolve;
    fail = reject;
  });
  answered.catch(() => undefined); // awaited only when a run took it
  const first: FirstUpdate = { name: update.name, args: update.args, acceptedOnly: update.wait === 'accepted', respond, fail, ...(update.updateId !== undefined && { updateId: update.updateId }) };
  return { update: first, answered };
}

/** Waits for a terminate the execution asked for itself; a run that closed first needs none. */
async function closedAnyway(terminated: Promise<void>): Promise<void> {
  try {
    await terminated;
  } catch (error) {
    if (!(error instanceof WorkflowClosedError)) throw error;
  }
}
