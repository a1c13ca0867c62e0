// The SQLite side of a Visibility shard: the execution index (list, count), the metric series, and the work
// lists of batch operations. `applyAll` is one transaction for the deliveries that arrive together. With payload codecs, execution records and
// batch specs and failures are sealed before their transaction and opened after a read (decision 019 §3);
// search_index values stay plaintext, since lists filter on them (docs/payloads.md).
import { MAX_KEPT_FAILURES, type BatchFailure, type BatchProgress, type BatchSpec } from '../src/visibility/batch';
import type { ListFilter } from '../src/visibility/filter';
import { MetricDeltas, observeAttempts } from '../src/visibility/metric-deltas';
import type { MetricsSnapshot } from '../src/visibility/metrics';
import type { ListCursor } from '../src/visibility/pager';
import { searchValues, type ExecutionRecord, type SequencedMessage } from '../src/visibility/record';
import { RowCodecs, RowOpenError, sqlValueOf, type SealedRow } from '../src/core/payloads/row-codecs';
import { addCounters, addHistograms, readCounters, readHistograms } from './metric-tables';

export interface BatchItem {
  runId: string;
  workflowId: string;
  attempts: number;
}

/** An `executions` row: the record sealed, what lists filter and sort on in plaintext. */
type ExecutionRow = {
  run_id: string;
  workflow_id: string;
  workflow_type: string;
  status: string;
  start_time: number;
  close_time: number | null;
  record: SqlStorageValue;
};

/** The `meta` key of where the sweep of quiet senders goes on from (sender-sweep.ts): a restart does not go back. */
const SWEPT_TO = 'senders_swept_to';

export type BatchItemOutcome = { kind: 'succeeded' } | { kind: 'skipped' } | { kind: 'failed'; failure: BatchFailure };

export class VisibilityStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  readonly #codecs: RowCodecs;
  /** Batch failures are read, added to and written back across a seal: one item's write at a time. */
  #failureWrites: Promise<unknown> = Promise.resolve();

  readonly #now: () => number;

  constructor(storage: DurableObjectStorage, codecs = new RowCodecs(), now: () => number = Date.now) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#codecs = codecs;
    this.#now = now;
  }

  // ---- the feed ----

  /** Applies the messages of `sender` not applied before, in order; returns the last seq applied. */
  async apply(sender: string, messages: SequencedMessage[]): Promise<number> {
    const [applied] = await this.applyAll([{ sender, messages }]);
    return applied!;
  }

  /**
   * Applies several senders' deliveries in one transaction (deliveries that reached the shard together,
   * delivery-batcher.ts), their metrics summed into one write per series; returns each one's last seq applied, by
   * place. A sender's deliveries are applied in the order given.
   */
  async applyAll(deliveries: ReadonlyArray<{ sender: string; messages: SequencedMessage[] }>): Promise<number[]> {
    const sealed: Array<{ sender: string; ordered: SequencedMessage[]; superseded: Set<SequencedMessage>; records: Map<SequencedMessage, SealedRow> }> = [];
    for (const { sender, messages } of deliveries) {
      const ordered = [...messages].sort((a, b) => a.seq - b.seq);
      const superseded = supersededUpserts(ordered);
      const records = new Map<SequencedMessage, SealedRow>();
      for (const message of ordered) {
        if (message.kind === 'upsert' && !superseded.has(message)) records.set(message, await this.#codecs.seal(JSON.stringify(message.execution), executionIdentity(message.execution.runId)));
      }
      sealed.push({ sender, ordered, superseded, records });
    }
    const now = this.#now();
    return this.#storage.transactionSync(() => {
      const metrics = new MetricDeltas();
      const runs: DeliveryRuns = new Map();
      const applied = sealed.map(({ sender, ordered, superseded, records }) => {
        const before = this.#sql.exec<{ applied_seq: number }>('SELECT applied_seq FROM senders WHERE workflow_id = ?', sender).toArray()[0]?.applied_seq ?? 0;
        let last = before;
        // Messages of one outbox row share its seq and always travel together: all of them are new, or none.
        for (const message of ordered) {
          if (message.seq <= before) continue; // a re-send of what an earlier delivery applied
          if (superseded.has(message)) this.#countTransition((message as UpsertMessage).execution, metrics, runs);
          else this.#applyOne(message, metrics, records.get(message), runs);
          last = message.seq;
        }
        if (last !== before) {
          this.#sql.exec(
            'INSERT INTO senders (workflow_id, applied_seq, applied_at) VALUES (?, ?, ?) ON CONFLICT (workflow_id) DO UPDATE SET applied_seq = excluded.applied_seq, applied_at = excluded.applied_at',
            sender, last, now,
          );
        }
        return last;
      });
      addCounters(this.#sql, metrics);
      addHistograms(this.#sql, metrics);
      return applied;
    });
  }

  /**
   * The next page of the senders table (in key order, from where the last page ended, kept in `meta`): senders whose
   * messages were last applied before `quietSince` are forgotten, and rows from before the shard recorded when
   * (schema 3) start counting now. Returns where the next page starts: '' once the table's end is reached.
   */
  forgetQuietSenders(quietSince: number, limit: number): string {
    return this.#storage.transactionSync(() => {
      const after = this.#sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', SWEPT_TO).toArray()[0]?.value ?? '';
      const keys = this.#sql.exec<{ workflow_id: string }>('SELECT workflow_id FROM senders WHERE workflow_id > ? ORDER BY workflow_id LIMIT ?', after, limit).toArray();
      const last = keys.at(-1)?.workflow_id;
      if (last !== undefined) {
        this.#sql.exec('DELETE FROM senders WHERE workflow_id > ? AND workflow_id <= ? AND applied_at < ?', after, last, quietSince);
        this.#sql.exec('UPDATE senders SET applied_at = ? WHERE workflow_id > ? AND workflow_id <= ? AND applied_at IS NULL', this.#now(), after, last);
      }
      const next = last === undefined || keys.length < limit ? '' : last;
      if (next !== after) this.#sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', SWEPT_TO, next);
      return next;
    });
  }

  #applyOne(message: SequencedMessage, metrics: MetricDeltas, record: SealedRow | undefined, runs: DeliveryRuns): void {
    switch (message.kind) {
      case 'upsert':
        return this.#upsert(message.execution, metrics, record!, runs);
      case 'remove':
        runs.set(message.runId, { status: undefined, mayHaveRows: false });
        this.#sql.exec('DELETE FROM executions WHERE run_id = ?', message.runId);
        this.#sql.exec('DELETE FROM search_index WHERE run_id = ?', message.runId);
        this.#sql.exec('DELETE FROM run_gauges WHERE run_id = ?', message.runId);
        return;
      case 'attempts':
        return observeAttempts(message.attempts, metrics);
      case 'metrics':
        return metrics.add(message);
      case 'taskFailures':
        for (const reason of message.reasons) metrics.count('duro_workflow_task_failures_total', { workflow_type: message.workflowType, reason });
        return;
      case 'gauges':
        for (const run of message.runs) {
          if (run.pendingActivities === 0 && run.pendingTimers === 0 && !run.blocked) this.#sql.exec('DELETE FROM run_gauges WHERE run_id = ?', run.runId);
          else {
            this.#runOf(run.runId, runs).mayHaveRows = true;
            this.#sql.exec(
              `INSERT INTO run_gauges (run_id, workflow_type, pending_activities, pending_timers, blocked) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (run_id) DO UPDATE SET pending_activities = excluded.pending_activities, pending_timers = excluded.pending_timers, blocked = excluded.blocked`,
              run.runId, run.workflowType, run.pendingActivities, run.pendingTimers, run.blocked ? 1 : 0,
            );
          }
        }
        return;
    }
  }

  /** A run as this delivery knows it: read from the index the first time a message names it. */
  #runOf(runId: string, runs: DeliveryRuns): DeliveryRun {
    let run = runs.get(runId);
    if (!run) {
      const status = this.#sql.exec<{ status: string }>('SELECT status FROM executions WHERE run_id = ?', runId).toArray()[0]?.status;
      run = { status, mayHaveRows: status !== undefined };
      runs.set(runId, run);
    }
    return run;
  }

  /** Counts what an upsert changes of /metrics (a start, a close and its duration) against the run's status before it. */
  #countTransition(execution: ExecutionRecord, metrics: MetricDeltas, runs: DeliveryRuns): void {
    const run = this.#runOf(execution.runId, runs);
    const before = run.status;
    run.status = execution.status;
    const type = { workflow_type: execution.workflowType };
    if (before === undefined) metrics.count('duro_workflows_started_total', type);
    if ((before === undefined || before === 'running') && execution.status !== 'running') {
      metrics.count('duro_workflows_closed_total', { ...type, status: execution.status });
      metrics.observe('duro_workflow_duration_seconds', type, ((execution.closeTime ?? execution.startTime) - execution.startTime) / 1000);
    }
  }

  #upsert(execution: ExecutionRecord, metrics: MetricDeltas, record: SealedRow, runs: DeliveryRuns): void {
    this.#countTransition(execution, metrics, runs);
    const run = this.#runOf(execution.runId, runs);
    // A run new to the index (its first upsert, or its start and close together) has no gauge or search rows to replace.
    const replacing = run.mayHaveRows;
    run.mayHaveRows = true;
    if (execution.status !== 'running' && replacing) this.#sql.exec('DELETE FROM run_gauges WHERE run_id = ?', execution.runId); // a closed run waits on nothing
    this.#sql.exec(
      `INSERT INTO executions (run_id, workflow_id, workflow_type, status, start_time, close_time, record) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, close_time = excluded.close_time, record = excluded.record`,
      execution.runId, execution.workflowId, execution.workflowType, execution.status, execution.startTime, execution.closeTime ?? null, sqlValueOf(record),
    );
    if (replacing) this.#sql.exec('DELETE FROM search_index WHERE run_id = ?', execution.runId);
    for (const [name, value] of Object.entries(execution.searchAttributes)) {
      for (const text of new Set(searchValues(value))) this.#sql.exec('INSERT INTO search_index (name, value, run_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', name, text, execution.runId);
    }
  }

  // ---- list, count, metrics ----

  async list(filter: ListFilter, after: ListCursor | undefined, limit: number): Promise<ExecutionRecord[]> {
    const where = whereOf(filter, after);
    const rows = this.#sql
      .exec<ExecutionRow>(`SELECT run_id, workflow_id, workflow_type, status, start_time, close_time, record FROM executions ${where.sql} ORDER BY start_time DESC, run_id DESC LIMIT ?`, ...where.params, limit)
      .toArray();
    return Promise.all(rows.map((row) => this.#recordOf(row)));
  }

  /**
   * A listed execution. A record that does not open (its key removed: docs/payloads.md, "When a row does not open")
   * must not hide the others: it is listed by its plaintext columns, its memo naming why.
   */
  async #recordOf(row: ExecutionRow): Promise<ExecutionRecord> {
    try {
      return JSON.parse(await this.#codecs.open(row.record, executionIdentity(row.run_id))) as ExecutionRecord;
    } catch (error) {
      if (!(error instanceof RowOpenError)) throw error;
      const record: ExecutionRecord = {
        workflowId: row.workflow_id, runId: row.run_id, workflowType: row.workflow_type, status: row.status as ExecutionRecord['status'], startTime: row.start_time,
        memo: { unreadable: error.message }, searchAttributes: {},
      };
      if (row.close_time !== null) record.closeTime = row.close_time;
      return record;
    }
  }

  countByStatus(filter: ListFilter): Record<string, number> {
    const where = whereOf(filter);
    const byStatus: Record<string, number> = {};
    for (const row of this.#sql.exec<{ status: string; n: number }>(`SELECT status, count(*) AS n FROM executions ${where.sql} GROUP BY status`, ...where.params)) byStatus[row.status] = row.n;
    return byStatus;
  }

  metrics(): MetricsSnapshot {
    return {
      counters: readCounters(this.#sql),
      histograms: readHistograms(this.#sql),
      running: this.#sql
        .exec<{ workflow_type: string; n: number }>(`SELECT workflow_type, count(*) AS n FROM executions WHERE status = 'running' GROUP BY workflow_type`)
        .toArray()
        .map((row) => ({ workflowType: row.workflow_type, count: row.n })),
      gauges: this.#sql
        .exec<{ workflow_type: string; activities: number; timers: number; blocked: number }>(
          'SELECT workflow_type, sum(pending_activities) AS activities, sum(pending_timers) AS timers, sum(blocked) AS blocked FROM run_gauges GROUP BY workflow_type',
        )
        .toArray()
        .flatMap((row) => {
          const labels = { workflow_type: row.workflow_type };
          return [
            { name: 'duro_activities_pending', labels, value: row.activities },
            { name: 'duro_timers_pending', labels, value: row.timers },
            { name: 'duro_workflows_blocked', labels, value: row.blocked },
          ];
        }),
    };
  }

  // ---- batches ----

  /** Records the batch and takes the executions it matches now; a repeated start changes nothing. Returns matched. */
  async startBatch(spec: BatchSpec): Promise<number> {
    const sealed = sqlValueOf(await this.#codecs.seal(JSON.stringify(spec), batchIdentity(spec.batchId, 'spec')));
    return this.#storage.transactionSync(() => {
      const known = this.#sql.exec<{ matched: number }>('SELECT matched FROM batches WHERE batch_id = ?', spec.batchId).toArray()[0];
      if (known) return known.matched;
      const where = whereOf(spec.filter);
      this.#sql.exec(`INSERT INTO batch_items (batch_id, run_id, workflow_id) SELECT ?, run_id, workflow_id FROM executions ${where.sql}`, spec.batchId, ...where.params);
      const matched = this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM batch_items WHERE batch_id = ?', spec.batchId).one().n;
      this.#sql.exec(
        // `failures` starts as the column's plaintext '[]' (no payload in it yet); sealed once the first one is added.
        'INSERT INTO batches (batch_id, spec, matched, created_at, completed_at) VALUES (?, ?, ?, ?, ?)',
        spec.batchId, sealed, matched, spec.createdAt, matched === 0 ? spec.createdAt : null,
      );
      return matched;
    });
  }

  /**
   * The batches with work left, oldest first; `unreadable`, those whose spec does not open (its key removed): they
   * wait for the key, and do not hold up the others.
   */
  async openBatches(): Promise<{ specs: BatchSpec[]; unreadable: RowOpenError[] }> {
    const rows = this.#sql.exec<{ batch_id: string; spec: SqlStorageValue }>('SELECT batch_id, spec FROM batches WHERE completed_at IS NULL ORDER BY created_at').toArray();
    const specs: BatchSpec[] = [];
    const unreadable: RowOpenError[] = [];
    for (const row of rows) {
      try {
        specs.push(JSON.parse(await this.#codecs.open(row.spec, batchIdentity(row.batch_id, 'spec'))) as BatchSpec);
      } catch (error) {
        if (!(error instanceof RowOpenError)) throw error;
        unreadable.push(error);
      }
    }
    return { specs, unreadable };
  }

  /** Whether any batch has work left (no spec is opened). */
  hasOpenBatches(): boolean {
    return this.#sql.exec('SELECT 1 FROM batches WHERE completed_at IS NULL LIMIT 1').toArray().length > 0;
  }

  nextBatchItems(batchId: string, limit: number): BatchItem[] {
    return this.#sql
      .exec<{ run_id: string; workflow_id: string; attempts: number }>('SELECT run_id, workflow_id, attempts FROM batch_items WHERE batch_id = ? ORDER BY run_id LIMIT ?', batchId, limit)
      .toArray()
      .map((row) => ({ runId: row.run_id, workflowId: row.workflow_id, attempts: row.attempts }));
  }

  /** Records what happened to one item and, with the last one, completes the batch. */
  finishBatchItem(batchId: string, runId: string, outcome: BatchItemOutcome, now: number): Promise<void> {
    const write = this.#failureWrites.then(() => this.#finishBatchItem(batchId, runId, outcome, now));
    this.#failureWrites = write.catch(() => undefined);
    return write;
  }

  async #finishBatchItem(batchId: string, runId: string, outcome: BatchItemOutcome, now: number): Promise<void> {
    let failures: SealedRow | undefined;
    if (outcome.kind === 'failed') {
      const kept = await this.#failures(batchId);
      if (kept.length < MAX_KEPT_FAILURES) failures = await this.#codecs.seal(JSON.stringify([...kept, outcome.failure]), batchIdentity(batchId, 'failures'));
    }
    this.#storage.transactionSync(() => {
      if (this.#sql.exec('DELETE FROM batch_items WHERE batch_id = ? AND run_id = ?', batchId, runId).rowsWritten === 0) return; // already recorded
      this.#sql.exec(`UPDATE batches SET ${outcome.kind} = ${outcome.kind} + 1 WHERE batch_id = ?`, batchId);
      if (failures !== undefined) this.#sql.exec('UPDATE batches SET failures = ? WHERE batch_id = ?', sqlValueOf(failures), batchId);
      const left = this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM batch_items WHERE batch_id = ?', batchId).one().n;
      if (left === 0) this.#sql.exec('UPDATE batches SET completed_at = ? WHERE batch_id = ?', now, batchId);
    });
  }

  /** Counts a delivery that did not arrive; returns the attempts so far. */
  retryBatchItem(batchId: string, runId: string): number {
    this.#sql.exec('UPDATE batch_items SET attempts = attempts + 1 WHERE batch_id = ? AND run_id = ?', batchId, runId);
    return this.#sql.exec<{ attempts: number }>('SELECT attempts FROM batch_items WHERE batch_id = ? AND run_id = ?', batchId, runId).toArray()[0]?.attempts ?? 0;
  }

  async #failures(batchId: string): Promise<BatchFailure[]> {
    const { failures } = this.#sql.exec<{ failures: SqlStorageValue }>('SELECT failures FROM batches WHERE batch_id = ?', batchId).one();
    return JSON.parse(await this.#codecs.open(failures, batchIdentity(batchId, 'failures'))) as BatchFailure[];
  }

  async batchProgress(batchId: string): Promise<BatchProgress | undefined> {
    const row = this.#sql
      .exec<{ spec: SqlStorageValue; matched: number; succeeded: number; failed: number; skipped: number; failures: SqlStorageValue; created_at: number; completed_at: number | null }>('SELECT * FROM batches WHERE batch_id = ?', batchId)
      .toArray()[0];
    if (!row) return undefined;
    const spec = JSON.parse(await this.#codecs.open(row.spec, batchIdentity(batchId, 'spec'))) as BatchSpec;
    const progress: BatchProgress = {
      batchId,
      operation: spec.operation,
      status: row.completed_at === null ? 'running' : 'completed',
      matched: row.matched,
      succeeded: row.succeeded,
      failed: row.failed,
      skipped: row.skipped,
      failures: JSON.parse(await this.#codecs.open(row.failures, batchIdentity(batchId, 'failures'))) as BatchFailure[],
      createdAt: row.created_at,
    };
    if (row.completed_at !== null) progress.completedAt = row.completed_at;
    return progress;
  }
}

/** What a sealed row is bound to: an execution's record, a batch's spec or failures. */
function executionIdentity(runId: string): string {
  return `e/${runId}`;
}

function batchIdentity(batchId: string, column: 'spec' | 'failures'): string {
  return `b/${batchId}/${column}`;
}


/** The WHERE clause of a filter (and of the rows after a cursor, in list order). */
function whereOf(filter: ListFilter, after?: ListCursor): { sql: string; params: Array<string | number> } {
  const conditions: string[] = [];
  const params: Array<string | number> = [];
  if (filter.workflowType !== undefined) {
    conditions.push('workflow_type = ?');
    params.push(filter.workflowType);
  }
  if (filter.statuses) {
    conditions.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
    params.push(...filter.statuses);
  }
  if (filter.startedAfter !== undefined) {
    conditions.push('start_time > ?');
    params.push(filter.startedAfter);
  }
  if (filter.startedBefore !== undefined) {
    conditions.push('start_time < ?');
    params.push(filter.startedBefore);
  }
  for (const { name, value } of filter.search ?? []) {
    conditions.push('run_id IN (SELECT run_id FROM search_index WHERE name = ? AND value = ?)');
    params.push(name, value);
  }
  if (after) {
    conditions.push('(start_time < ? OR (start_time = ? AND run_id < ?))');
    params.push(after.startTime, after.startTime, after.runId);
  }
  return { sql: conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', params };
}

/**
 * A run as one delivery has left it so far: its status (undefined: not in the index), and whether the index may hold
 * search or gauge rows of it (read from the index once, then as the delivery's messages change it).
 */
interface DeliveryRun {
  status: string | undefined;
  mayHaveRows: boolean;
}
type DeliveryRuns = Map<string, DeliveryRun>;

type UpsertMessage = Extract<SequencedMessage, { kind: 'upsert' }>;

/**
 * The upserts a later upsert of the same run in the same delivery replaces (with no removal of the run between):
 * a short run's start and close travel together, and only its last record need be written. Each is still counted
 * for /metrics (a start, a close) as if it had been applied.
 */
function supersededUpserts(messages: readonly SequencedMessage[]): Set<SequencedMessage> {
  const superseded = new Set<SequencedMessage>();
  const latest = new Map<string, SequencedMessage>();
  for (const message of messages) {
    if (message.kind === 'upsert') {
      const earlier = latest.get(message.execution.runId);
      if (earlier) superseded.add(earlier);
      latest.set(message.execution.runId, message);
    } else if (message.kind === 'remove') latest.delete(message.runId);
  }
  return superseded;
}
