// History and run state in a WorkflowExecution object's SQLite. Each commit is one transactionSync:
// events, the run's row (its record and its next deadline) and the changed pending entries — all or nothing. With payload codecs
// configured, every row holding payloads is sealed first (WebCrypto is async), then written in that transaction
// (decision 019 §3); without them, rows are JSON text and the commit stays synchronous. With a blob store, a history
// row over the threshold is put there first and the row keeps only its reference (`row_blobs`; the claim check,
// decision 019 §4).
import type { HistoryEvent } from '../src/core/history';
import type { BlobReference } from '../src/core/payloads/blob-reference';
import { ORPHAN_GRACE_MS } from '../src/core/payloads/blob-orphans';
import { PayloadUnavailableError } from '../src/core/payloads/payload-unavailable';
import type { RowBlobs } from '../src/core/payloads/row-blobs';
import { afterSealing, bytesOf, RowCodecs, sqlValueOf, type SealedRow } from '../src/core/payloads/row-codecs';
import { ExecutionSchema } from './execution-schema';
import { eventsOfRow, historyRowsOf, type HistoryRowText } from './history-rows';
import { ON_DEMAND_TABLES, type OnDemandTable } from './schema';
import { Limits, PENDING_COLLECTIONS, runRecordOf, runStateFrom, type StoredLogLine, type PendingChange, type PendingCollection, type RunCommit, type RunRecord, type RunState } from '../src/core/internals';

/** A SQLite row holds at most 2 MB; JSON longer than this many characters is split into chunks. */
const CHUNK_CHARS = 256 * 1024;
/** The same for sealed rows, in bytes: the ciphertext is chunked (encrypt, then chunk). */
const CHUNK_BYTES = 256 * 1024;
/**
 * History rows per INSERT statement: a statement binds at most 100 parameters in a Durable Object, and a row has 6.
 * Each statement call has a fixed cost, so a step's rows go in groups.
 */
const ROWS_PER_INSERT = 16;
/** The INSERT of `rows` history rows, by `rows` (1 to ROWS_PER_INSERT): made once, not on every step. */
const INSERT_HISTORY = Array.from({ length: ROWS_PER_INSERT + 1 }, (_, rows) =>
  `INSERT INTO history (run_id, event_id, last_event_id, type, body, chunks) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`);

/** Log rows per INSERT: two parameters a row, under the 100 a statement binds. */
const LOG_ROWS_PER_INSERT = 50;
const INSERT_LOGS = Array.from({ length: LOG_ROWS_PER_INSERT + 1 }, (_, rows) =>
  `INSERT INTO run_logs (run_id, line) VALUES ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`);

/** R2 deletes at most 1000 keys a call: the drain of `blob_deletes` goes in batches of this many. */
const BLOB_DELETE_BATCH = 1000;
/** When a drain fails (the store cannot be reached), its keys wait this long before the alarm tries again. */
const BLOB_DELETE_RETRY_MS = 60_000;

/** How the store keeps history rows over the threshold in a blob store (the claim check). */
export interface StoreBlobs {
  rows: RowBlobs;
  /** The workflow id whose prefix this object's blobs go under (one object owns one id's prefix). */
  workflowId(): string;
  /**
   * Runs `work` with no other event delivered to the object meanwhile (`blockConcurrencyWhile`): a put is real I/O,
   * and no request may see the step's uncommitted state while it lasts.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
}

export interface StoredRun {
  runId: string;
  chainIndex: number;
  status: string;
}

type Stored = { value: SqlStorageValue; chunks: number };

/**
 * A commit's rows as stored: `history` is aligned with `historyRows` (the events' layout in rows, history-rows.ts),
 * `pending` with the plan's rows (undefined for a removal).
 */
interface SealedCommit {
  historyRows: HistoryRowText[];
  history: SealedRow[];
  record: SealedRow;
  pending: Array<SealedRow | undefined>;
  logs: readonly SealedRow[];
}

/**
 * Where a commit keeps the run's pending entries: in its record (`inlineJson`, all of them, rewritten with the record
 * that every commit rewrites anyway), or as rows (`rows`: the entries to write or remove).
 */
interface PendingPlan {
  /** The entries kept in the record, as JSON (made once: measured against the bound, then written); absent: rows. */
  inlineJson?: string;
  rows: PendingChange[];
}

/**
 * A run keeps its pending entries in its record while they are this few and this small: a step of a short run then
 * writes no pending rows (a remote step wrote its activity's row and removed it: two rows of seven). Past either
 * bound, the run's entries move to rows for good, so a run with thousands of them rewrites only what changed.
 */
const INLINE_PENDING_MAX_ENTRIES = 16;
const INLINE_PENDING_MAX_CHARS = 16 * 1024;

/** The record of a run whose pending entries are kept in it. */
type RecordWithPending = RunRecord & { inlinePending?: Partial<Record<PendingCollection, Record<string, unknown>>> };

export class SqlRunStore {
  readonly #storage: DurableObjectStorage;
  readonly #sql: SqlStorage;
  /**
   * Owners of replaceable values (run records, pending entries) stored in chunks, as written or read by this instance:
   * only these have chunks to delete when replaced. A run's values are all read when it is loaded, before any commit.
   */
  readonly #chunked = new Set<string>();
  /** How many log lines each run has stored, once counted (forgotten when a commit rolls back). */
  readonly #logCounts = new Map<string, number>();
  /** Whether each run keeps its pending entries in its record, as this instance last read or wrote it. */
  readonly #pendingInline = new Map<string, boolean>();

  readonly #rows: RowCodecs;
  readonly #blobs: StoreBlobs | undefined;
  /** Whether the core tables exist yet (a new object makes them in its first commit). */
  readonly #schema: ExecutionSchema;
  /** The on-demand tables this object has (schema.ts): a query of one it has not made yet would fail. */
  #tables = new Set<OnDemandTable>();

  constructor(storage: DurableObjectStorage, rows = new RowCodecs(), blobs?: StoreBlobs, schema = ExecutionSchema.open(storage).schema) {
    this.#storage = storage;
    this.#sql = storage.sql;
    this.#rows = rows;
    this.#blobs = blobs;
    this.#schema = schema;
    if (schema.made) this.#loadTables(); // a new object has none: they are made after its core tables
  }

  /** Reads which on-demand tables exist: at construction, and after a transaction that may have made one rolled back. */
  #loadTables(): void {
    const names = Object.keys(ON_DEMAND_TABLES);
    const found = this.#sql.exec<{ name: OnDemandTable }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (${names.map(() => '?').join(', ')})`, ...names).toArray();
    this.#tables = new Set(found.map((row) => row.name));
  }

  /** The object deleted its whole database (it held no run, workflow-execution.ts): nothing known of it stands. */
  storageWiped(): void {
    this.#chunked.clear();
    this.#logCounts.clear();
    this.#pendingInline.clear();
    this.#afterRollback();
  }

  /** Tables a rolled-back transaction made are gone with it: which exist is read again. */
  #afterRollback(): void {
    this.#schema.reread();
    if (this.#schema.made) this.#loadTables();
    else this.#tables = new Set();
  }

  /** Makes an on-demand table (and its indexes) the first time it is written to, in the caller's transaction. */
  #ensure(table: OnDemandTable): void {
    if (this.#tables.has(table)) return;
    this.#sql.exec(ON_DEMAND_TABLES[table]);
    this.#tables.add(table);
  }

  #has(table: OnDemandTable): boolean {
    return this.#tables.has(table);
  }

  /**
   * Events after `afterEventId`, at most `limit` of them and, when `maxChars` is given, no more than fit in it (the
   * first event always comes, so a page is never empty while events remain): a page that crosses a Durable Object
   * RPC must stay under its 32 MiB, whatever the events hold (test/integration/sql-run-store.test.ts).
   */
  readHistory(runId: string, afterEventId = 0, limit = -1, maxChars = Number.POSITIVE_INFINITY): HistoryEvent[] | Promise<HistoryEvent[]> {
    if (!this.#schema.made) return [];
    const stored: Array<[SqlStorageValue | Promise<SealedRow>, string]> = [];
    /** Each stored row's last event when it holds several (history-rows.ts), by place. */
    const spans: Array<number | null> = [];
    let size = 0;
    let fromBlobs = false;
    // The row holding the event after `afterEventId` may start before it: read from the last row starting at or
    // before that event on. `limit` rows hold at least `limit` events after it.
    const rows = this.#sql.exec<{ event_id: number; last_event_id: number | null; body: SqlStorageValue; chunks: number }>(
      `SELECT event_id, last_event_id, body, chunks FROM history
       WHERE run_id = ? AND event_id >= (SELECT coalesce(max(event_id), 0) FROM history WHERE run_id = ? AND event_id <= ?)
       ORDER BY event_id LIMIT ?`,
      runId, runId, afterEventId + 1, limit,
    );
    for (const row of rows) {
      const owner = `h/${runId}/${row.event_id}`;
      if (row.body === null && row.chunks === 0) {
        // Kept in the blob store: read (and checked) from there.
        const reference = this.#blobReferenceOf(owner);
        size += reference.size;
        if (stored.length > 0 && size > maxChars) break;
        const reading = this.#readBlob(reference);
        reading.catch(() => undefined); // awaited below, unless a later row throws first: never an unhandled rejection
        stored.push([reading, owner]);
        spans.push(row.last_event_id);
        fromBlobs = true;
        continue;
      }
      const value = this.#read(owner, { value: row.body, chunks: row.chunks });
      // A sealed row's bytes outnumber its text's characters: cutting on them keeps the page under maxChars.
      size += typeof value === 'string' ? value.length : (bytesOf(value)?.length ?? 0);
      if (stored.length > 0 && size > maxChars) break;
      stored.push([value, owner]);
      spans.push(row.last_event_id);
    }
    const parse = (texts: string[]) => {
      const events = texts.flatMap((text, i) => eventsOfRow(text, spans[i] ?? null)).filter((event) => event.eventId > afterEventId);
      return limit >= 0 && events.length > limit ? events.slice(0, limit) : events;
    };
    if (!fromBlobs) return afterSealing(this.#rows.openAll(stored as Array<[SqlStorageValue, string]>), parse);
    return Promise.all(stored.map(async ([value, owner]) => [await value, owner] as const)).then((read) => afterSealing(this.#rows.openAll(read), parse));
  }

  /** The reference a history row kept in the blob store holds in its place. */
  #blobReferenceOf(owner: string): BlobReference {
    if (!this.#has('row_blobs')) throw new Error(`History row ${owner} holds neither a value nor a reference to a blob`);
    const row = this.#sql.exec<{ key: string; size: number; sha256: string }>('SELECT key, size, sha256 FROM row_blobs WHERE owner = ?', owner).toArray()[0];
    if (!row) throw new Error(`History row ${owner} holds neither a value nor a reference to a blob`);
    return { key: row.key, size: row.size, sha256: row.sha256 };
  }

  #readBlob(reference: BlobReference): Promise<SealedRow> {
    if (!this.#blobs) return Promise.reject(new PayloadUnavailableError(reference.key, reference.size, 'unconfigured'));
    return this.#blobs.rows.read(reference);
  }

  /**
   * The commit's rows as stored: their JSON text at once without codecs (as before codecs existed: no identities, no
   * copies), sealed when codecs are configured (a promise).
   */
  #seal(runId: string, commit: RunCommit, record: RunRecord, plan: PendingPlan): SealedCommit | Promise<SealedCommit> {
    const historyRows = historyRowsOf(commit.events, commit.events.map((event) => commit.encoded?.get(event) ?? JSON.stringify(event)));
    const texts: SealedCommit = {
      historyRows,
      history: historyRows.map((row) => row.text),
      record: plan.inlineJson === undefined ? JSON.stringify(record) : withInlinePending(JSON.stringify(record), plan.inlineJson),
      pending: plan.rows.map((change) => (change.value === undefined ? undefined : JSON.stringify(change.value))),
      logs: commit.logs ?? [],
    };
    if (!this.#rows.isSealing) return texts;
    const seal = (text: SealedRow, identity: string) => this.#rows.seal(text as string, identity);
    return (async () => ({
      historyRows,
      history: await Promise.all(historyRows.map((row) => seal(row.text, `h/${runId}/${row.eventId}`))),
      record: await seal(texts.record, `r/${runId}`),
      pending: await Promise.all(texts.pending.map((text, i) => (text === undefined ? undefined : seal(text, pendingOwner(runId, plan.rows[i]!))))),
      // Log lines are numbered by the table as they are inserted: bound to their run, not to their place among its lines.
      logs: await Promise.all(texts.logs.map((text) => seal(text, `l/${runId}`))),
    }))();
  }

  /**
   * `retainUntil`: for a closed run, when retention removes it. `alsoWrite` joins the transaction (the outbox). The
   * rows are sealed first, outside the transaction; without codecs the whole commit is synchronous.
   */
  commit(runId: string, chainIndex: number, commit: RunCommit, retainUntil?: number, alsoWrite?: () => void): void | Promise<void> {
    const record = runRecordOf(commit.state);
    const plan = this.#planPending(runId, commit);
    return afterSealing(this.#seal(runId, commit, record, plan), (sealed) => {
      const write = (offloaded: ReadonlyMap<number, BlobReference>) => {
        try {
          this.#commit(runId, chainIndex, commit, record, sealed, offloaded, retainUntil, alsoWrite, plan);
          this.#pendingInline.set(runId, plan.inlineJson !== undefined);
        } catch (error) {
          this.#logCounts.delete(runId); // rolled back: counted again from the table next time
          this.#pendingInline.delete(runId);
          this.#afterRollback();
          throw error;
        }
      };
      const blobs = this.#blobs;
      const places = blobs ? blobs.rows.taken(sealed.history, sealed.historyRows.map((row) => row.type)) : [];
      if (!blobs || places.length === 0) return write(new Map());
      // Each key is queued for deletion (due after the grace period) before its put, outside the commit: the commit
      // that references it takes it off the queue, so a crash in between leaves a blob the alarm deletes.
      const queue = (keys: string[]) => {
        const dueAt = Date.now() + ORPHAN_GRACE_MS;
        for (const key of keys) this.#queueBlobDelete(key, dueAt);
      };
      return blobs.exclusive(async () => write(await blobs.rows.offload(blobs.workflowId(), sealed.history, places, queue)));
    });
  }

  /** Queues a key for deletion from the blob store, keeping the later due time when it is queued already. */
  #queueBlobDelete(key: string, dueAt: number): void {
    this.#schema.ensure();
    this.#ensure('row_blobs');
    this.#sql.exec('INSERT INTO blob_deletes (key, due_at) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET due_at = max(due_at, excluded.due_at)', key, dueAt);
  }

  /**
   * Where this commit keeps the run's pending entries. A new run starts with them in its record; a run whose entries
   * outgrow it moves them all to rows in this commit, and stays there.
   */
  #planPending(runId: string, commit: RunCommit): PendingPlan {
    const inline = this.#pendingInline.get(runId) ?? this.#storedPendingInline(runId);
    if (!inline) return { rows: commit.changes };
    let count = 0;
    for (const collection of PENDING_COLLECTIONS) count += Object.keys(commit.state[collection]).length;
    if (count <= INLINE_PENDING_MAX_ENTRIES) {
      const inlineJson = JSON.stringify(pendingOf(commit.state));
      if (inlineJson.length <= INLINE_PENDING_MAX_CHARS) return { inlineJson, rows: [] };
    }
    return { rows: pendingEntriesOf(commit.state) };
  }

  /** Whether a run not read or written by this instance keeps its entries in its record: a run not stored yet will. */
  #storedPendingInline(runId: string): boolean {
    if (!this.#schema.made) return true;
    const row = this.#sql.exec<{ pending_inline: number }>('SELECT pending_inline FROM runs WHERE run_id = ?', runId).toArray()[0];
    return row === undefined || row.pending_inline === 1;
  }

  #commit(runId: string, chainIndex: number, commit: RunCommit, record: RunRecord, sealed: SealedCommit, offloaded: ReadonlyMap<number, BlobReference>, retainUntil: number | undefined, alsoWrite: (() => void) | undefined, plan: PendingPlan): void {
    this.#storage.transactionSync(() => {
      this.#schema.ensure();
      alsoWrite?.();
      this.#insertHistory(runId, sealed, offloaded);
      const stored = this.#write(`r/${runId}`, sealed.record, true);
      this.#sql.exec(
        // The run's next deadline and, once closed, its retention (set once, by the commit that closed it) are written
        // with the row itself: what the one alarm serves costs no row of its own.
        `INSERT INTO runs (run_id, chain_index, workflow_type, status, start_time, close_time, record, chunks, pending_inline, wake_at, retain_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, close_time = excluded.close_time, record = excluded.record, chunks = excluded.chunks,
           pending_inline = excluded.pending_inline, wake_at = excluded.wake_at, retain_until = coalesce(retain_until, excluded.retain_until)`,
        runId, chainIndex, record.workflowType, record.status, record.startTime, record.closeTime ?? null, stored.value, stored.chunks, plan.inlineJson === undefined ? 0 : 1,
        storableDeadline(runId, commit.wakeAt), retainUntil ?? null,
      );
      for (const [i, change] of plan.rows.entries()) this.#writePending(runId, change, sealed.pending[i]);
      if (commit.logs) this.#insertLogs(runId, sealed.logs);
    });
  }

  /** The commit's history rows, ROWS_PER_INSERT of them per statement. */
  #insertHistory(runId: string, sealed: SealedCommit, offloaded: ReadonlyMap<number, BlobReference>): void {
    let params: unknown[] = [];
    const flush = () => {
      if (params.length === 0) return;
      this.#sql.exec(INSERT_HISTORY[params.length / 6]!, ...params);
      params = [];
    };
    for (const [i, row] of sealed.historyRows.entries()) {
      const owner = `h/${runId}/${row.eventId}`;
      const reference = offloaded.get(i);
      // A row kept in the blob store: no body and no chunks, its reference in `row_blobs`, its key off the delete queue.
      const stored = reference ? this.#writeBlobReference(owner, runId, reference) : this.#write(owner, sealed.history[i]!);
      params.push(runId, row.eventId, row.lastEventId ?? null, row.type, stored.value, stored.chunks);
      if (params.length === ROWS_PER_INSERT * 6) flush();
    }
    flush();
  }

  /**
   * A commit's log lines, in groups; then only the run's latest Limits.logLinesKept stay. The run's count is kept in
   * memory (counted once per instance), so a commit reads only the rows it deletes, not the run's thousand.
   */
  #insertLogs(runId: string, lines: readonly SealedRow[]): void {
    this.#ensure('run_logs');
    for (let from = 0; from < lines.length; from += LOG_ROWS_PER_INSERT) {
      const group = lines.slice(from, from + LOG_ROWS_PER_INSERT);
      this.#sql.exec(INSERT_LOGS[group.length]!, ...group.flatMap((line) => [runId, sqlValueOf(line)]));
    }
    const count = (this.#logCounts.get(runId) ?? this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM run_logs WHERE run_id = ?', runId).one().n - lines.length) + lines.length;
    const over = count - Limits.logLinesKept;
    if (over > 0) this.#sql.exec('DELETE FROM run_logs WHERE seq IN (SELECT seq FROM run_logs WHERE run_id = ? ORDER BY seq LIMIT ?)', runId, over);
    this.#logCounts.set(runId, Math.min(count, Limits.logLinesKept));
  }

  /** A run's kept log lines after `afterSeq`, oldest first, at most `limit`. */
  readLogs(runId: string, afterSeq = 0, limit = -1): StoredLogLine[] | Promise<StoredLogLine[]> {
    if (!this.#has('run_logs')) return [];
    const rows = this.#sql
      .exec<{ seq: number; line: SqlStorageValue }>('SELECT seq, line FROM run_logs WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?', runId, afterSeq, limit)
      .toArray();
    return afterSealing(this.#rows.openAll(rows.map((row) => [row.line, `l/${runId}`])), (lines) => rows.map((row, i) => ({ seq: row.seq, line: lines[i]! })));
  }

  /** Closed runs whose retention has passed, oldest first. */
  expiredRuns(now: number): string[] {
    if (!this.#schema.made) return [];
    return this.#sql.exec<{ run_id: string }>('SELECT run_id FROM runs WHERE retain_until IS NOT NULL AND retain_until <= ? ORDER BY chain_index', now).toArray().map((row) => row.run_id);
  }

  /** Removes a run and everything stored for it, in one transaction (which `alsoWrite` joins). */
  deleteRun(runId: string, alsoWrite?: () => void): void {
    if (!this.#schema.made) return; // holds no run
    try {
      this.#storage.transactionSync(() => {
        alsoWrite?.();
        this.#logCounts.delete(runId);
        this.#pendingInline.delete(runId);
        // The run's blobs that no other run references go on the delete queue, which the alarm drains.
        if (this.#has('row_blobs')) {
          this.#sql.exec('INSERT INTO blob_deletes (key, due_at) SELECT DISTINCT key, ? FROM row_blobs WHERE run_id = ? AND key NOT IN (SELECT key FROM row_blobs WHERE run_id <> ?) ON CONFLICT (key) DO NOTHING', Date.now(), runId, runId);
          this.#sql.exec('DELETE FROM row_blobs WHERE run_id = ?', runId);
        }
        if (this.#has('run_logs')) this.#sql.exec('DELETE FROM run_logs WHERE run_id = ?', runId);
        if (this.#has('pending')) this.#sql.exec('DELETE FROM pending WHERE run_id = ?', runId);
        for (const table of ['history', 'runs']) this.#sql.exec(`DELETE FROM ${table} WHERE run_id = ?`, runId);
        if (this.#has('payload_chunks')) {
          // Chunk owners are `h/<run>/…`, `p/<run>/…` and `r/<run>`.
          for (const prefix of [`h/${runId}/`, `p/${runId}/`]) this.#sql.exec('DELETE FROM payload_chunks WHERE owner >= ? AND owner < ?', prefix, `${prefix}\uffff`);
          this.#sql.exec('DELETE FROM payload_chunks WHERE owner = ?', `r/${runId}`);
        }
      });
    } catch (error) {
      this.#afterRollback();
      throw error;
    }
  }

  /** Every run this object holds, oldest first (the continue-as-new chain and reuses of the id). */
  listRuns(): StoredRun[] {
    if (!this.#schema.made) return [];
    return this.#sql
      .exec<{ run_id: string; chain_index: number; status: string }>('SELECT run_id, chain_index, status FROM runs ORDER BY chain_index')
      .toArray()
      .map((row) => ({ runId: row.run_id, chainIndex: row.chain_index, status: row.status }));
  }

  /** A run's state; throws (a RowOpenError naming the row, for a sealed one) when what is stored cannot be read. */
  loadState(runId: string): RunState | undefined | Promise<RunState | undefined> {
    if (!this.#schema.made) return undefined;
    const row = this.#sql.exec<{ record: SqlStorageValue; chunks: number; pending_inline: number }>('SELECT record, chunks, pending_inline FROM runs WHERE run_id = ?', runId).toArray()[0];
    if (!row) return undefined;
    const inline = row.pending_inline === 1;
    this.#pendingInline.set(runId, inline);
    const pending = inline || !this.#has('pending') ? [] : this.#sql
      .exec<{ collection: PendingCollection; key: string; value: SqlStorageValue; chunks: number }>('SELECT collection, key, value, chunks FROM pending WHERE run_id = ?', runId)
      .toArray();
    const stored: Array<[SqlStorageValue, string]> = [
      [this.#read(`r/${runId}`, { value: row.record, chunks: row.chunks }), `r/${runId}`],
      ...pending.map((entry): [SqlStorageValue, string] => {
        const owner = pendingOwner(runId, entry);
        return [this.#read(owner, entry), owner];
      }),
    ];
    return afterSealing(this.#rows.openAll(stored), ([record, ...values]) => {
      const { inlinePending, ...runRecord } = JSON.parse(record!) as RecordWithPending;
      const entries = inline
        ? Object.entries(inlinePending ?? {}).flatMap(([collection, values]) => Object.entries(values ?? {}).map(([key, value]) => ({ collection: collection as PendingCollection, key, value })))
        : pending.map((entry, i) => ({ collection: entry.collection, key: entry.key, value: JSON.parse(values[i]!) as unknown }));
      return runStateFrom(runRecord, entries);
    });
  }


  /**
   * Drops the deadlines of runs that hold no usable time (text, ±Infinity, past what a date can be: none is written
   * now, an older version or a damaged row may hold one), logged. Once per instance, when it loads: a scan the
   * alarm's hot path need not pay.
   */
  dropDeadlinesWithoutTime(): void {
    let bad = 0;
    for (const column of ['wake_at', 'retain_until']) {
      bad += this.#sql.exec(`UPDATE runs SET ${column} = NULL WHERE ${column} IS NOT NULL AND (typeof(${column}) NOT IN ('integer', 'real') OR abs(${column}) > 9e15)`).rowsWritten;
    }
    if (bad > 0) console.error(`duro: ${bad} deadline(s) held no time and were dropped`);
  }

  /**
   * Whether keys wait to be deleted from the blob store: with one configured, they are deadlines; without (the claim
   * check turned off since), they are still owed, and an object holding them must not drop them.
   */
  holdsBlobDeletes(): boolean {
    return this.#has('row_blobs') && this.#sql.exec('SELECT 1 FROM blob_deletes LIMIT 1').toArray().length > 0;
  }

  /** The earliest deadline of any run here (its next wake, its retention), or of a blob to delete: what the alarm must be set to. */
  earliestDeadline(): number | undefined {
    if (!this.#schema.made) return undefined;
    // An aggregate min skips NULLs (a run with no next wake, an open run's retention); min(a, b) would not.
    const at: SqlStorageValue = this.#sql.exec<{ at: SqlStorageValue }>(this.#blobs && this.#has('row_blobs')
      ? 'SELECT min(at) AS at FROM (SELECT wake_at AS at FROM runs UNION ALL SELECT retain_until FROM runs UNION ALL SELECT min(due_at) FROM blob_deletes)'
      : 'SELECT min(at) AS at FROM (SELECT wake_at AS at FROM runs UNION ALL SELECT retain_until FROM runs)').one().at;
    return typeof at === 'number' ? at : undefined;
  }

  /**
   * Deletes from the blob store the queued keys that are due and that no row references (read again in the store's
   * turn, so a key a step put again and referenced meanwhile stays), in batches; once the object holds no run, also
   * what is left under its prefix (blobs older than the grace period). A failure leaves the keys queued for a later
   * alarm. Resolves with how many keys it deleted.
   */
  async collectBlobs(now: number): Promise<number> {
    const blobs = this.#blobs;
    if (!blobs || !this.#has('row_blobs')) return 0;
    let deleted = 0;
    try {
      for (;;) {
        // Exclusive, as a commit's puts are: a commit waiting for its put's turn behind this delete must not hold the
        // object's input lock meanwhile, or the delete's own completion could not come in.
        const keys = await blobs.exclusive(() => blobs.rows.deleteUnreferenced(() => this.#sql
          .exec<{ key: string }>('SELECT key FROM blob_deletes WHERE due_at <= ? AND key NOT IN (SELECT key FROM row_blobs) ORDER BY key LIMIT ?', now, BLOB_DELETE_BATCH)
          .toArray().map((row) => row.key)));
        // Only rows still due: a key queued again meanwhile (a put under way) keeps its later due time.
        for (const key of keys) this.#sql.exec('DELETE FROM blob_deletes WHERE key = ? AND due_at <= ?', key, now);
        deleted += keys.length;
        if (keys.length < BLOB_DELETE_BATCH) break;
      }
      this.#sql.exec('DELETE FROM blob_deletes WHERE due_at <= ? AND key IN (SELECT key FROM row_blobs)', now);
      const runs = this.#sql.exec<{ n: number }>('SELECT count(*) AS n FROM runs').one().n;
      if (runs === 0 && blobs.workflowId() !== '') deleted += (await blobs.exclusive(() => blobs.rows.collectOrphans(blobs.workflowId(), () => this.#referencedBlobs(), now))).deleted.length;
    } catch (error) {
      console.error('duro: deleting payload blobs failed; the alarm tries again', error);
      this.#sql.exec('UPDATE blob_deletes SET due_at = ? WHERE due_at <= ?', now + BLOB_DELETE_RETRY_MS, now);
    }
    return deleted;
  }

  #referencedBlobs(): Set<string> {
    return new Set(this.#sql.exec<{ key: string }>('SELECT DISTINCT key FROM row_blobs').toArray().map((row) => row.key));
  }

  /** The summary row of a run, read without its record: what describe shows of a run whose state cannot be read. */
  storedRun(runId: string): { workflowType: string; status: string; startTime: number; closeTime?: number; historyLength: number } | undefined {
    if (!this.#schema.made) return undefined;
    const row = this.#sql.exec<{ workflow_type: string; status: string; start_time: number; close_time: number | null }>(
      'SELECT workflow_type, status, start_time, close_time FROM runs WHERE run_id = ?', runId).toArray()[0];
    if (!row) return undefined;
    // Event ids run from 1 without gaps: the last one is the count, whichever rows hold them.
    const historyLength = this.#sql.exec<{ n: number }>('SELECT coalesce(max(coalesce(last_event_id, event_id)), 0) AS n FROM history WHERE run_id = ?', runId).one().n;
    return { workflowType: row.workflow_type, status: row.status, startTime: row.start_time, ...(row.close_time !== null && { closeTime: row.close_time }), historyLength };
  }

  /**
   * A stored run's next deadline, set outside a commit (a commit writes it with the run's row): none for a run that
   * cannot be loaded, the one its state has after an instance loads it or after an alarm. Written only when the row
   * holds another.
   */
  setRunDeadline(runId: string, wakeAt: number | undefined): void {
    if (!this.#schema.made) return; // holds no run
    const at = storableDeadline(runId, wakeAt);
    this.#sql.exec('UPDATE runs SET wake_at = ? WHERE run_id = ? AND wake_at IS NOT ?', at, runId, at);
  }

  /** Moves a closed run's retention to `until`: it still owes messages, delivered first and removed after. */
  postponeRetention(runId: string, until: number): void {
    if (!this.#schema.made) return;
    this.#sql.exec('UPDATE runs SET retain_until = ? WHERE run_id = ?', until, runId);
  }

  #writePending(runId: string, change: PendingChange, sealed: SealedRow | undefined): void {
    const owner = pendingOwner(runId, change);
    if (sealed === undefined) {
      if (!this.#has('pending')) return; // never written
      this.#dropChunks(owner);
      this.#sql.exec('DELETE FROM pending WHERE run_id = ? AND collection = ? AND key = ?', runId, change.collection, change.key);
      return;
    }
    this.#ensure('pending');
    const stored = this.#write(owner, sealed, true);
    this.#sql.exec(
      'INSERT INTO pending (run_id, collection, key, value, chunks) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id, collection, key) DO UPDATE SET value = excluded.value, chunks = excluded.chunks',
      runId, change.collection, change.key, stored.value, stored.chunks,
    );
  }

  #writeBlobReference(owner: string, runId: string, reference: BlobReference): Stored {
    this.#ensure('row_blobs');
    this.#sql.exec('INSERT INTO row_blobs (owner, run_id, key, size, sha256) VALUES (?, ?, ?, ?, ?)', owner, runId, reference.key, reference.size, reference.sha256);
    this.#sql.exec('DELETE FROM blob_deletes WHERE key = ?', reference.key);
    return { value: null, chunks: 0 };
  }

  /** Stores a row inline when it fits, else as chunks owned by `owner` (replacing any earlier ones). */
  #write(owner: string, row: SealedRow, replacing = false): Stored {
    if (replacing) this.#dropChunks(owner);
    if (row.length <= (typeof row === 'string' ? CHUNK_CHARS : CHUNK_BYTES)) return { value: sqlValueOf(row), chunks: 0 };
    const pieces = typeof row === 'string' ? chunksOf(row) : byteChunksOf(row);
    this.#ensure('payload_chunks');
    pieces.forEach((piece, i) => this.#sql.exec('INSERT INTO payload_chunks (owner, chunk, data) VALUES (?, ?, ?)', owner, i, piece));
    if (replacing) this.#chunked.add(owner);
    return { value: null, chunks: pieces.length };
  }

  #dropChunks(owner: string): void {
    if (!this.#chunked.delete(owner) || !this.#has('payload_chunks')) return;
    this.#sql.exec('DELETE FROM payload_chunks WHERE owner = ?', owner);
  }

  /** A row's stored form, its chunks joined: text, or the sealed bytes. */
  #read(owner: string, stored: Stored): SqlStorageValue {
    if (stored.chunks === 0) return stored.value;
    if (!owner.startsWith('h/')) this.#chunked.add(owner);
    const pieces = this.#sql.exec<{ data: SqlStorageValue }>('SELECT data FROM payload_chunks WHERE owner = ? ORDER BY chunk', owner).toArray().map((row) => row.data);
    if (pieces.every((piece) => typeof piece === 'string')) return pieces.join('');
    const bytes = pieces.map((piece) => bytesOf(piece) ?? new Uint8Array());
    const joined = new Uint8Array(bytes.reduce((length, piece) => length + piece.length, 0));
    bytes.reduce((offset, piece) => (joined.set(piece, offset), offset + piece.length), 0);
    return joined.buffer;
  }
}

/** A run's pending entries by collection, the empty collections left out (what its record keeps inline). */
function pendingOf(state: RunState): Partial<Record<PendingCollection, Record<string, unknown>>> {
  const kept: Partial<Record<PendingCollection, Record<string, unknown>>> = {};
  for (const collection of PENDING_COLLECTIONS) if (Object.keys(state[collection]).length > 0) kept[collection] = state[collection] as Record<string, unknown>;
  return kept;
}

/** A run record's JSON with its inline entries added as `inlinePending` (RecordWithPending), without serializing them again. */
function withInlinePending(recordJson: string, inlineJson: string): string {
  return `${recordJson.slice(0, -1)},"inlinePending":${inlineJson}}`; // a record is an object with fields: "{…}"
}

/** Every pending entry of a run, as a change that writes it (a run moving its entries to rows). */
function pendingEntriesOf(state: RunState): PendingChange[] {
  return PENDING_COLLECTIONS.flatMap((collection) => Object.entries(state[collection] as Record<string, unknown>).map(([key, value]) => ({ collection, key, value })));
}

/** A pending entry's place: its chunks' owner and, sealed, its additional data. */
function pendingOwner(runId: string, entry: { collection: string; key: string }): string {
  return `p/${runId}/${entry.collection}/${entry.key}`;
}


/** Sealed bytes in pieces of at most CHUNK_BYTES (SQLite BLOBs). */
function byteChunksOf(row: Uint8Array): ArrayBuffer[] {
  const pieces: ArrayBuffer[] = [];
  for (let start = 0; start < row.length; start += CHUNK_BYTES) pieces.push(row.slice(start, start + CHUNK_BYTES).buffer as ArrayBuffer);
  return pieces;
}

/**
 * Pieces of at most CHUNK_CHARS UTF-16 units, never cutting a surrogate pair: half an emoji is not valid text,
 * and SQLite would store it as U+FFFD.
 */
export function chunksOf(json: string): string[] {
  const pieces: string[] = [];
  for (let start = 0; start < json.length; ) {
    let end = Math.min(start + CHUNK_CHARS, json.length);
    const last = json.charCodeAt(end - 1);
    if (end < json.length && last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate: keep the pair together
    pieces.push(json.slice(start, end));
    start = end;
  }
  return pieces;
}

/** `wakeAt` not a finite number (NaN, Infinity: no duration rule let one in, but a stored timer might) is no deadline. */
function storableDeadline(runId: string, wakeAt: number | undefined): number | null {
  if (wakeAt === undefined) return null;
  if (Number.isFinite(wakeAt)) return wakeAt;
  console.error(`duro: run ${runId} has a deadline of ${wakeAt}; it is dropped, not stored`);
  return null;
}
