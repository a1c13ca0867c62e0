// What an execution object tells Visibility, and when (DESIGN §4, decision 006): a record change is written as an
// outbox row in the step's own transaction and sent ~25 ms later (so a short run's start and close travel together);
// activity attempts for /metrics ride along with the next record change or go out a second later. Delivery, retries
// from the alarm and the alarm's rule for unsent rows live here; the object only asks and re-arms.
import type { AttemptObservation } from '../src/core/activity-state';
import { isCloseEvent, type HistoryEvent } from '../src/core/history';
import type { RunState } from '../src/core/internals';
import type { RowCodecs, SealedRow } from '../src/core/payloads/row-codecs';
import { executionRecordOf, runGaugesOf, type RunGauges, type VisibilityMessage } from '../src/visibility/record';
import { MetricDeltas, observeAttempts } from '../src/visibility/metric-deltas';
import type { ExecutionSchema } from './execution-schema';
import { VisibilityOutbox, type VisibilityTarget } from './visibility-outbox';

/** How long metrics-only Visibility messages wait to be sent together. */
const METRICS_DELAY_MS = 1_000;
/**
 * A change of what lists show (a start, a close, an upsert of search attributes) waits this long, so a short run's
 * start and close go to its shard in one delivery: half the calls and transactions for the common quick workflow.
 */
const RECORD_DELAY_MS = 25;
/** Attempts kept in memory before a commit writes them anyway: one outbox row stays small (~100 bytes each). */
const MAX_UNWRITTEN_ATTEMPTS = 1_000;

/** What a commit owes Visibility: rows to write in its transaction, or attempts to keep in memory. */
export type VisibilityReport =
  | { runId: string; record?: string; rows: SealedRow[] | Promise<SealedRow[]>; write: (rows: SealedRow[]) => void; keep?: undefined; gauges?: RunGauges[] }
  | { runId: string; write?: undefined; keep: AttemptObservation[]; workflowId: string; gauges?: RunGauges };

export interface VisibilityReporterOptions {
  storage: DurableObjectStorage;
  /** Whether the object's tables exist yet (default: they do). */
  schema?: ExecutionSchema;
  /** The shards to report to, or undefined when this deployment has no Visibility binding. */
  target: () => VisibilityTarget | undefined;
  /** After a delivery, or its failure (`failed`): the object re-arms its alarm (and re-sends from it after a failure). */
  delivered: (failed: boolean) => Promise<void>;
  /**
   * A row was written outside a step's commit (the kept attempts, by the flush): the object re-arms, so an alarm
   * stands behind the row before its delivery is tried (a step's commit re-arms by itself).
   */
  wroteOutsideCommit: () => void;
  /** After a flush, when nothing more is being sent: the object may look at whether it owes anything still. */
  drained?: () => void;
  /** The payload codecs outbox rows are sealed with (decision 019 §3). */
  rows?: RowCodecs;
}

export class VisibilityReporter {
  readonly #storage: DurableObjectStorage;
  readonly #outbox: VisibilityOutbox;
  readonly #target: () => VisibilityTarget | undefined;
  readonly #delivered: (failed: boolean) => Promise<void>;
  readonly #wroteOutsideCommit: () => void;
  readonly #drained: (() => void) | undefined;
  /** The last record each run reported (as JSON): a step that changes none of it sends none. */
  readonly #reported = new Map<string, string>();
  #flushing: Promise<void> | undefined;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = 0;
  /** Rows committed and not yet acknowledged by a flush of this instance: the alarm must stand behind them. */
  #unsent = false;
  /**
   * Activity attempts observed by commits that changed no record, for /metrics: kept here and written with the next
   * row written anyway, or by the metrics flush at most a second later, rather than as a row per step. A crash loses
   * what is here (docs/visibility.md: attempt metrics are at most once, history is not).
   */
  #unwrittenAttempts: AttemptObservation[] = [];
  #unwrittenAttemptsOf = '';
  /** Runs' gauges as last written, and those changed since (sent with the metrics flush, or with the next write). */
  readonly #gaugesWritten = new Map<string, RunGauges>();
  readonly #unwrittenGauges = new Map<string, RunGauges>();

  constructor(options: VisibilityReporterOptions) {
    this.#storage = options.storage;
    this.#outbox = new VisibilityOutbox(options.storage, options.rows, options.schema);
    this.#target = options.target;
    this.#delivered = options.delivered;
    this.#wroteOutsideCommit = options.wroteOutsideCommit;
    this.#drained = options.drained;
  }

  /** Whether rows wait for delivery with no flush of this instance behind them yet (the alarm must come soon). */
  get unsent(): boolean {
    return this.#unsent;
  }

  /**
   * Whether anything is still to be sent or written: rows in the outbox or on their way, attempts and gauges kept in
   * memory. An object that owes nothing may delete its database once it holds no run.
   */
  owesAnything(): boolean {
    return this.#unsent || this.#flushing !== undefined || this.#timer !== undefined || this.#unwrittenAttempts.length > 0 || this.#unwrittenGauges.size > 0 || this.#outbox.hasPending();
  }

  /** The object deleted its whole database (it owed nothing, {@link owesAnything}): it reports as a new object would. */
  storageWiped(): void {
    this.#outbox.storageWiped();
    this.#reported.clear();
    this.#gaugesWritten.clear();
  }

  /** Whether the outbox holds rows from an earlier instance (to send again soon). */
  hasPending(): boolean {
    return this.#target() !== undefined && this.#outbox.hasPending();
  }

  /** A loaded run's record was reported in the same transaction that stored its state. */
  loaded(state: RunState): void {
    this.#reported.set(state.runId, JSON.stringify(executionRecordOf(state)));
    // What the index holds of an open run's gauges is not known here (the instance that wrote them is gone, and may
    // have kept some in memory): its next commit sends them whatever they are, zeros included.
    if (state.status === 'running') this.#gaugesWritten.set(state.runId, { ...runGaugesOf(state), pendingActivities: -1 });
  }

  /** What a commit of `state` owes, before the commit: call {@link committed} once its transaction succeeded. */
  report(state: RunState, events: HistoryEvent[], observed: AttemptObservation[]): VisibilityReport | undefined {
    const target = this.#target();
    if (!target) return undefined;
    const attempts = observed.length === 0 ? observed : observed.map(metricsOf); // most steps resolve no attempt
    const messages: VisibilityMessage[] = [];
    // The record changes only with the start, an upsert of search attributes or memo, or the close: most steps need not build it.
    let json: string | undefined;
    if (!this.#reported.has(state.runId) || events.some((event) => event.type === 'WorkflowExecutionStarted' || event.type === 'SearchAttributesUpserted' || event.type === 'MemoUpserted' || isCloseEvent(event))) {
      const record = executionRecordOf(state);
      json = JSON.stringify(record);
      if (this.#reported.get(state.runId) !== json) messages.push({ kind: 'upsert', execution: record });
    }
    // Rare, and what an operator alerts on: written with the commit that failed the task, not kept for later.
    const taskFailures = events.flatMap((event) => (event.type === 'WorkflowTaskFailed' ? [event.reason] : []));
    if (taskFailures.length > 0) messages.push({ kind: 'taskFailures', workflowType: state.workflowType, reasons: taskFailures });
    const gauges = this.#changedGauges(state);
    if (messages.length === 0 && this.#unwrittenAttempts.length + attempts.length < MAX_UNWRITTEN_ATTEMPTS) {
      if (attempts.length === 0 && !gauges) return undefined;
      return { runId: state.runId, keep: attempts, workflowId: state.workflowId, ...(gauges && { gauges }) };
    }
    const unwritten = this.#unwrittenAttempts.length > 0 ? [...this.#unwrittenAttempts, ...attempts] : attempts;
    if (unwritten.length > 0) messages.push(attemptSums(unwritten));
    const gaugesNow = [...this.#unwrittenGauges.values()].filter((run) => run.runId !== state.runId);
    if (gauges) gaugesNow.push(gauges);
    if (gaugesNow.length > 0) messages.push({ kind: 'gauges', runs: gaugesNow });
    return {
      runId: state.runId,
      ...(messages[0]!.kind === 'upsert' && { record: json! }),
      ...(gaugesNow.length > 0 && { gauges: gaugesNow }),
      rows: this.#outbox.sealTogether(state.workflowId, messages),
      write: (rows) => this.#outbox.enqueue(state.workflowId, rows, target.shards),
    };
  }

  /** The commit that carried `report` succeeded: remember what was reported and plan its delivery. */
  committed(report: VisibilityReport): void {
    if (report.write) {
      this.#outbox.committed();
      this.#unsent = true;
      this.#unwrittenAttempts = [];
      for (const gauges of report.gauges ?? []) this.#gaugesWrote(gauges);
      if (report.record !== undefined) this.#reported.set(report.runId, report.record);
      // A change of what lists show goes out in moments; metrics kept in memory ride along with it.
      this.#flushSoon(report.record !== undefined ? RECORD_DELAY_MS : METRICS_DELAY_MS);
      return;
    }
    for (const attempt of report.keep) this.#unwrittenAttempts.push(attempt);
    this.#unwrittenAttemptsOf = report.workflowId;
    if (report.gauges) this.#unwrittenGauges.set(report.gauges.runId, report.gauges);
    this.#flushSoon(METRICS_DELAY_MS);
  }

  /** The run's gauges when they differ from what was last written or is waiting to be (asked at every commit). */
  #changedGauges(state: RunState): RunGauges | undefined {
    const gauges = runGaugesOf(state);
    // Nothing known of the run counts as zeros: a run that waits on nothing needs no row (most short runs).
    return sameGauges(gauges, this.#unwrittenGauges.get(state.runId) ?? this.#gaugesWritten.get(state.runId)) ? undefined : gauges;
  }

  #gaugesWrote(gauges: RunGauges): void {
    this.#unwrittenGauges.delete(gauges.runId);
    // A closed run's zeros are its last row: nothing more to remember of it.
    if (sameGauges(gauges, undefined)) this.#gaugesWritten.delete(gauges.runId);
    else this.#gaugesWritten.set(gauges.runId, gauges);
  }

  /** The write (inside the deletion's transaction) that takes a run removed by retention out of the index (ids only: not sealed). */
  removal(state: Pick<RunState, 'runId' | 'workflowId'>): (() => void) | undefined {
    const target = this.#target();
    this.#reported.delete(state.runId);
    return target && (() => this.#outbox.enqueue(state.workflowId, [{ kind: 'remove', workflowId: state.workflowId, runId: state.runId }], target.shards));
  }

  /**
   * The deletion that carried a {@link removal} committed: it goes out now, with an alarm behind it (`unsent`). Nothing
   * else would send it: retention runs from the alarm, and the run it removes has no more steps to commit.
   */
  removalCommitted(): void {
    this.#outbox.committed();
    this.#unsent = true;
    this.flush();
  }

  /**
   * Runs stored before this object had a Visibility binding (or before Visibility existed) were never reported:
   * report every run once, in one transaction, the first time the object has a binding.
   */
  async backfill(states: () => Promise<RunState[]>): Promise<void> {
    const target = this.#target();
    if (!target || this.#outbox.hasReported()) return;
    const all = await states();
    const [first] = all;
    if (!first) return;
    const rows = await this.#outbox.seal(first.workflowId, all.map((state) => ({ kind: 'upsert', execution: executionRecordOf(state) })));
    this.#storage.transactionSync(() => this.#outbox.enqueue(first.workflowId, rows, target.shards));
    for (const state of all) this.#reported.set(state.runId, JSON.stringify(executionRecordOf(state)));
  }

  /** Sends the rows not yet acknowledged (after commits, and from the alarm); one delivery at a time. */
  flush(): void {
    const target = this.#target();
    if (!target) return;
    if (this.#flushing) {
      this.#again = true; // rows committed after the running delivery read its last batch
      return;
    }
    this.#writeUnwrittenMetrics(target.shards);
    if (!this.#outbox.hasPending()) {
      // A delivery that found rows committed during its run (`#again`) left `unsent` set for this flush to clear:
      // with nothing left, nothing is owed, or the alarm would come every OUTBOX_RETRY_MS for good.
      this.#unsent = false;
      this.#drained?.();
      return;
    }
    this.#flushing = this.#outbox
      .flush(target)
      .then(() => {
        if (!this.#again) this.#unsent = false;
        return this.#delivered(false); // nothing owed any more: the alarm goes back to the next real deadline
      })
      .catch(async (error: unknown) => {
        console.error('duro: delivery to Visibility failed; retrying from the alarm', error);
        this.#again = false;
        await this.#delivered(true);
      })
      .finally(() => {
        this.#flushing = undefined;
        if (!this.#again) return this.#drained?.();
        this.#again = false;
        this.flush();
      });
  }

  /**
   * Flushes within `delayMs` (an earlier flush already planned stands): a run doing many steps sends its metrics in
   * a few deliveries instead of one per step. Rows are already stored, and an alarm stands behind them (`unsent`):
   * if this instance goes away first, the next one sends them.
   */
  #flushSoon(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return;
      clearTimeout(this.#timer);
    }
    this.#timerAt = at;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.flush();
      } catch (error) {
        // Only an object being reset gets here (its storage refuses reads); its next instance sends the rows.
        console.error('duro: delivery to Visibility failed; retrying from the alarm', error);
      }
    }, delayMs);
  }

  /**
   * Writes the attempts and gauges kept in memory as one outbox row (the metrics flush, when no record change took
   * them). Not sealed: it holds activity types, outcomes and counts (what /metrics shows as labels), no payloads.
   */
  #writeUnwrittenMetrics(shards: number): void {
    if (this.#unwrittenAttempts.length === 0 && this.#unwrittenGauges.size === 0) return;
    const attempts = this.#unwrittenAttempts;
    const gauges = [...this.#unwrittenGauges.values()];
    const messages: VisibilityMessage[] = [];
    if (attempts.length > 0) messages.push(attemptSums(attempts));
    if (gauges.length > 0) messages.push({ kind: 'gauges', runs: gauges });
    // One execution object reports one workflow id: the gauges' runs are its runs.
    const workflowId = this.#unwrittenAttemptsOf;
    this.#storage.transactionSync(() => this.#outbox.enqueue(workflowId, messages, shards));
    this.#outbox.committed();
    this.#unsent = true;
    this.#unwrittenAttempts = [];
    for (const run of gauges) this.#gaugesWrote(run);
    this.#wroteOutsideCommit();
  }
}

/**
 * Attempts as the shard counts them, summed here: a row and a delivery carry a few series, not an object per attempt
 * (a busy run resolves a thousand between two writes).
 */
function attemptSums(attempts: readonly AttemptObservation[]): VisibilityMessage {
  const sums = new MetricDeltas();
  observeAttempts(attempts, sums);
  return { kind: 'metrics', ...sums.toMessage() };
}

/** Whether a run's gauges count the same as `known`; a run with none known counts zero. */
function sameGauges(gauges: RunGauges, known: RunGauges | undefined): boolean {
  return gauges.pendingActivities === (known?.pendingActivities ?? 0) && gauges.pendingTimers === (known?.pendingTimers ?? 0) && gauges.blocked === (known?.blocked ?? false);
}

/** What /metrics keeps of an attempt (its span's fields stay behind). */
function metricsOf({ activityType, outcome, latencyMs, retrying, errorType, scheduleToStartMs }: AttemptObservation): AttemptObservation {
  const metrics: AttemptObservation = { activityType, outcome, latencyMs, retrying };
  if (errorType !== undefined) metrics.errorType = errorType;
  if (scheduleToStartMs !== undefined) metrics.scheduleToStartMs = scheduleToStartMs;
  return metrics;
}
