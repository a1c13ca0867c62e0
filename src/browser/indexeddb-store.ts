// History and run state of the browser host in IndexedDB. Each commit is one readwrite transaction over the three
// object stores (events, the run record, the changed pending entries), resolved only once the transaction completes.
// A fourth store, `inbox`, carries messages between workflows to the context (tab, worker) that drives the receiver.
// With payload codecs, rows holding payloads are sealed before the transaction opens (decision 019 §3). With a blob
// store, an event row over the threshold is put there first and the row keeps its reference (indexeddb-row-blobs.ts).
import { openDatabase, resultOf, transactionDone, webGlobals } from './indexeddb-requests';
import type { HistoryEvent, WorkflowStatus } from '../core/history';
import { Limits, owesMessages, runRecordOf, runStateFrom, type StoredLogLine, type PendingCollection, type RunCommit, type RunRecord, type RunState, type RunStore } from '../core/internals';
import type { BlobReference } from '../core/payloads/blob-reference';
import type { PayloadCodec } from '../core/payloads/options';
import type { RowBlobs } from '../core/payloads/row-blobs';
import { RowCodecs, type SealedRow } from '../core/payloads/row-codecs';
import { blobDeletesIn, IndexedDbRowBlobs } from './indexeddb-row-blobs';
import { ALL_STORES, RUN_DB_VERSION, upgradeRunDatabase } from './indexeddb-schema';
import type { IdbDatabase, IdbKey, IdbKeyRangeStatic, IdbRequest, IdbTransaction } from './indexeddb-types';
import { commitFailure, HistoryConflictError } from './store-errors';


/** `events`: one row per history event, keyed [runId, eventId], so a key range reads a run's history in order. */
interface EventRow {
  runId: string;
  eventId: number;
  /**
   * The event, or with payload codecs configured its JSON sealed (`sealed`), or, when its stored form was over the
   * blob threshold, the reference to the blob that holds that form (`blob`): exactly one of the three.
   */
  event?: HistoryEvent;
  sealed?: Uint8Array;
  blob?: BlobReference;
}

/** `runs`: the run's small, whole part (`runRecordOf`) and the fields resumeAll and lookups need without parsing it. */
interface RunRow {
  runId: string;
  workflowId: string;
  workflowType: string;
  status: WorkflowStatus;
  /** Order in which runs were first stored in this database (a run's continue-as-new successors come after it). */
  chainIndex: number;
  /** When the run next needs attention: a timer, an activity timeout or retry, a run deadline. */
  wakeAt?: number;
  /** Still owes other workflows a message (a child's start, its parent's notice, a close policy, a signal): resumeAll loads a closed run that does. */
  owes?: true;
  record?: RunRecord;
  sealed?: Uint8Array;
}

/** `pending`: one row per entry of the pending collections, keyed [runId, collection, key]: a commit writes only those it changed. */
interface PendingRow {
  runId: string;
  collection: PendingCollection;
  key: string;
  value?: unknown;
  sealed?: Uint8Array;
}

/** `logs`: a run's latest log lines (Limits.logLinesKept), `seq` given by the store as lines are kept. */
interface LogRow {
  seq?: number;
  runId: string;
  line?: string;
  sealed?: Uint8Array;
}

/** What `listRuns` tells about a stored run, without loading its state. */
export type StoredRunSummary = Omit<RunRow, 'record' | 'sealed'>;

/** A commit's rows sealed with the payload codecs, before its transaction opens (the same order as the commit's). */
interface SealedCommit {
  events: Uint8Array[];
  record: Uint8Array;
  /** By the changes' order; undefined for a removal. */
  pending: Array<Uint8Array | undefined>;
  logs: Uint8Array[];
}

/** `inbox`: a message to the context that drives workflow `to`, keyed by the sender's stable key (a re-send adds nothing). */
interface InboxRow {
  key: string;
  to: string;
  /** When the message was first queued: a receiver takes a workflow's messages in this order. */
  sentAt: number;
  /** The message as it is; with payload codecs, `sealed` holds it instead (it carries payloads: inputs, arguments, outcomes). */
  message?: unknown;
  sealed?: Uint8Array;
}

/**
 * A `RunStore` in the origin's IndexedDB, for the engine in a tab, a Web Worker or a Service Worker.
 *
 * @example
 * const store = await IndexedDbRunStore.open('duro');
 * for (const run of await store.listRuns()) if (run.status === 'running') resume(await store.loadState(run.runId));
 */
export class IndexedDbRunStore implements RunStore {
  readonly #db: IdbDatabase;
  readonly #keyRange: IdbKeyRangeStatic;
  readonly #rows: RowCodecs;
  readonly #blobs: IndexedDbRowBlobs;
  /** Messages queued in one millisecond keep their order. */
  #lastSentAt = 0;

  private constructor(db: IdbDatabase, keyRange: IdbKeyRangeStatic, rows: RowCodecs, blobs: RowBlobs | undefined) {
    this.#db = db;
    this.#keyRange = keyRange;
    this.#rows = rows;
    this.#blobs = new IndexedDbRowBlobs(db, keyRange, blobs);
  }

  /**
   * Opens (creating or upgrading) the database `dbName`; `indexedDB` and `keyRange` default to the page's own. With
   * `codecs`, events, run records, pending entries and log lines are stored sealed (docs/payloads.md); with `blobs`,
   * events over its threshold are kept there (docs/browser.md, "Large payloads").
   */
  static open(dbName: string, indexedDB = webGlobals().indexedDB, keyRange = webGlobals().IDBKeyRange, codecs: readonly PayloadCodec[] = [], blobs?: RowBlobs): Promise<IndexedDbRunStore> {
    let rows: RowCodecs;
    try {
      rows = new RowCodecs(codecs);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (!indexedDB || !keyRange) return Promise.reject(new Error('IndexedDB is not available here: pass an IDBFactory and IDBKeyRange to IndexedDbRunStore.open'));
    return openDatabase(indexedDB, dbName, RUN_DB_VERSION, upgradeRunDatabase).then((db) => new IndexedDbRunStore(db, keyRange, rows, blobs));
  }

  close(): void {
    this.#db.close();
  }

  async readHistory(runId: string, afterEventId = 0): Promise<HistoryEvent[]> {
    const events = this.#db.transaction(['events'], 'readonly').objectStore('events');
    const rows = (await resultOf(events.getAll(this.#keyRange.bound([runId, afterEventId], [runId, []], true)))) as EventRow[];
    return Promise.all(rows.map((row) => this.#openEvent(row)));
  }

  /** One event of a run (e.g. its WorkflowExecutionStarted, event 1), or undefined. */
  async readEvent(runId: string, eventId: number): Promise<HistoryEvent | undefined> {
    const events = this.#db.transaction(['events'], 'readonly').objectStore('events');
    const row = (await resultOf(events.get([runId, eventId]))) as EventRow | undefined;
    return row && this.#openEvent(row);
  }

  /**
   * Writes the step's events, run record and changed pending entries in one transaction; resolves once it completes.
   * The step must follow the last stored event, checked inside the transaction: a stale copy of the run (another
   * tab, a store that lost a race) fails with `HistoryConflictError` instead of forking history
   * (indexeddb-store.test.ts, 'refuses a commit from a stale store').
   */
  async commit(runId: string, commit: RunCommit): Promise<void> {
    // Sealed and offloaded first: a transaction auto-commits when its work awaits anything but its own requests.
    const sealed = this.#rows.isSealing ? await this.#seal(runId, commit) : undefined;
    const offloaded = await this.#offload(commit, sealed);
    let tx: IdbTransaction;
    try {
      // 'strict': `complete` means on disk, as the outbox rule needs before any effect leaves.
      tx = this.#db.transaction(ALL_STORES, 'readwrite', { durability: 'strict' });
    } catch (error) {
      throw commitFailure(runId, error);
    }
    let failure: unknown;
    const fail = (error: unknown) => {
      failure ??= error;
      try {
        tx.abort();
      } catch {
        // already aborting: its abort event reports `failure`
      }
    };
    const finished = new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(commitFailure(runId, failure ?? tx.error));
    });
    const events = tx.objectStore('events');
    onSuccess(events.openKeyCursor(this.#rangeOfRun(runId), 'prev'), fail, (last) => {
      const conflict = conflictOf(runId, last ? Number((last.key as IdbKey[])[1]) : 0, commit);
      if (conflict) return fail(conflict);
      // `add`, not `put`: an existing [runId, eventId] fails the transaction rather than being overwritten.
      commit.events.forEach((event, i) => {
        const blob = offloaded.get(i);
        if (blob) blobDeletesIn(tx).referenced(blob.key);
        events.add({ runId, eventId: event.eventId, ...(blob ? { blob } : sealed ? { sealed: sealed.events[i]! } : { event }) } satisfies EventRow);
      });
      this.#writeRun(tx, runId, commit, sealed?.record, fail);
      const pending = tx.objectStore('pending');
      commit.changes.forEach(({ collection, key, value }, i) => {
        if (value === undefined) pending.delete([runId, collection, key]);
        else pending.put({ runId, collection, key, ...(sealed ? { sealed: sealed.pending[i]! } : { value }) } satisfies PendingRow);
      });
      if (commit.logs) this.#keepLogs(tx, runId, sealed ? sealed.logs.map((line) => ({ runId, sealed: line })) : commit.logs.map((line) => ({ runId, line })), fail);
    });
    return finished;
  }

  /** A run's kept log lines after `afterSeq`, oldest first, at most `limit`. */
  async readLogs(runId: string, afterSeq = 0, limit?: number): Promise<StoredLogLine[]> {
    const logs = this.#db.transaction(['logs'], 'readonly').objectStore('logs');
    const rows = (await resultOf(logs.index('byRun').getAll(this.#keyRange.bound([runId, afterSeq], [runId, []], true), limit))) as LogRow[];
    return Promise.all(rows.map(async (row) => ({ seq: row.seq!, line: row.sealed ? await this.#rows.open(row.sealed, `l/${runId}`) : row.line! })));
  }

  /** The run's state as last committed, or undefined when the run is not stored here. */
  async loadState(runId: string): Promise<RunState | undefined> {
    const tx = this.#db.transaction(['runs', 'pending'], 'readonly');
    const [row, entries] = await Promise.all([
      resultOf(tx.objectStore('runs').get(runId)) as Promise<RunRow | undefined>,
      resultOf(tx.objectStore('pending').getAll(this.#rangeOfRun(runId))) as Promise<PendingRow[]>,
    ]);
    if (!row) return undefined;
    const values = await Promise.all(entries.map((entry) => this.#open(entry, entry.value, `p/${runId}/${entry.collection}/${entry.key}`)));
    return runStateFrom(await this.#open(row, row.record, `r/${runId}`), entries.map(({ collection, key }, i) => ({ collection, key, value: values[i] })));
  }

  /** Every stored run, oldest first: what `resumeAll` looks through for open runs and due deadlines. */
  async listRuns(): Promise<StoredRunSummary[]> {
    const runs = this.#db.transaction(['runs'], 'readonly').objectStore('runs');
    return ((await resultOf(runs.index('chainIndex').getAll())) as RunRow[]).map(summaryOf);
  }

  /** The runs of one workflow id, oldest first (its continue-as-new chain, and earlier uses of the id). */
  async runsOf(workflowId: string): Promise<StoredRunSummary[]> {
    const runs = this.#db.transaction(['runs'], 'readonly').objectStore('runs');
    return ((await resultOf(runs.index('workflowId').getAll(this.#rangeOfRun(workflowId)))) as RunRow[]).map(summaryOf);
  }

  /**
   * Removes a run's events, record and pending entries, in one transaction, which also queues the blobs its events
   * referenced and no other run does; then deletes those blobs (when that fails, a later collection does).
   */
  async deleteRun(runId: string): Promise<void> {
    const tx = this.#db.transaction(ALL_STORES, 'readwrite');
    const now = Date.now();
    const events = tx.objectStore('events');
    // Read before the delete below, whose requests run in order: the counts it asks for come after the delete.
    onSuccess(events.getAll(this.#rangeOfRun(runId)), () => tx.abort(), (rows) => {
      blobDeletesIn(tx).queueIfUnreferenced((rows as EventRow[]).flatMap((row) => (row.blob ? [row.blob.key] : [])), now);
    });
    events.delete(this.#rangeOfRun(runId));
    tx.objectStore('pending').delete(this.#rangeOfRun(runId));
    tx.objectStore('runs').delete(runId);
    this.#dropOldestLogs(tx, runId, Number.POSITIVE_INFINITY, () => tx.abort());
    await transactionDone(tx, `Cannot delete run ${runId} from IndexedDB`);
    await this.collectBlobs(now).catch(() => undefined);
  }

  /**
   * Deletes the blobs queued for deletion that are due by `now` and that no event references (a commit that never
   * happened, a deleted run). Resolves with how many; rejects when the blob store fails (the keys wait a minute).
   */
  collectBlobs(now: number): Promise<number> {
    return this.#blobs.collect(now);
  }

  /** When the next queued blob deletion is due, if any is queued: the host's timer for collectBlobs. */
  nextBlobCollection(): Promise<number | undefined> {
    return this.#blobs.earliestDue();
  }

  /**
   * Queues `message` for the context driving workflow `to`. A message already queued under `key` stays as it is
   * (with its place in line): senders re-send until answered, and the receiver dedupes what it applies twice.
   */
  async putMessage(key: string, to: string, message: unknown): Promise<void> {
    const sentAt = (this.#lastSentAt = Math.max(Date.now(), this.#lastSentAt + 1));
    // Sealed before the transaction opens: one left waiting on other work would commit early.
    const row: InboxRow = this.#rows.isSealing ? { key, to, sentAt, sealed: (await this.#rows.seal(JSON.stringify(message), `i/${key}`)) as Uint8Array } : { key, to, sentAt, message };
    const tx = this.#db.transaction(['inbox'], 'readwrite', { durability: 'strict' });
    const inbox = tx.objectStore('inbox');
    const fail = () => tx.abort();
    onSuccess(inbox.get(key), fail, (existing) => {
      if (!existing) inbox.add(row);
    });
    return transactionDone(tx, `Cannot queue message ${key}`);
  }

  /** The messages queued for workflow `to`, oldest first. */
  async messagesTo(to: string): Promise<Array<{ key: string; message: unknown }>> {
    const inbox = this.#db.transaction(['inbox'], 'readonly').objectStore('inbox');
    const rows = (await resultOf(inbox.index('to').getAll(this.#rangeOfRun(to)))) as InboxRow[];
    return Promise.all(rows.map(async ({ key, message, sealed }) => ({ key, message: sealed ? JSON.parse(await this.#rows.open(sealed, `i/${key}`)) : message })));
  }

  /** Removes a message once the receiver applied it. */
  deleteMessage(key: string): Promise<void> {
    const tx = this.#db.transaction(['inbox'], 'readwrite');
    tx.objectStore('inbox').delete(key);
    return transactionDone(tx, `Cannot delete message ${key}`);
  }

  /** The commit's rows sealed, in its order: events, the run record, changed pending entries, log lines. */
  async #seal(runId: string, commit: RunCommit): Promise<SealedCommit> {
    const seal = async (value: unknown, identity: string) => (await this.#rows.seal(typeof value === 'string' ? value : JSON.stringify(value), identity)) as Uint8Array;
    return {
      events: await Promise.all(commit.events.map((event) => seal(commit.encoded?.get(event) ?? JSON.stringify(event), `h/${runId}/${event.eventId}`))),
      record: await seal(runRecordOf(commit.state), `r/${runId}`),
      pending: await Promise.all(commit.changes.map(({ collection, key, value }) => (value === undefined ? undefined : seal(value, `p/${runId}/${collection}/${key}`)))),
      logs: await Promise.all((commit.logs ?? []).map((line) => seal(line, `l/${runId}`))),
    };
  }

  /**
   * The events over the blob threshold, put in the blob store, by place in the commit. Measured in their stored
   * form (sealed, or the JSON text of the event), as the Durable Object does; nothing to do without a blob store.
   */
  async #offload(commit: RunCommit, sealed: SealedCommit | undefined): Promise<ReadonlyMap<number, BlobReference>> {
    const blobs = this.#blobs.rows;
    if (!blobs) return NOTHING_OFFLOADED;
    const stored: SealedRow[] = sealed ? sealed.events : commit.events.map((event) => commit.encoded?.get(event) ?? JSON.stringify(event));
    const places = blobs.taken(stored, commit.events.map((event) => event.type));
    return places.length === 0 ? NOTHING_OFFLOADED : this.#blobs.offload(blobs, commit.state.workflowId, stored, places);
  }

  /** An event row's event: as stored, sealed, or read back (and checked) from the blob store. */
  async #openEvent(row: EventRow): Promise<HistoryEvent> {
    const identity = `h/${row.runId}/${row.eventId}`;
    if (!row.blob) return this.#open(row, row.event, identity);
    return JSON.parse(await this.#rows.open(await this.#blobs.read(row.blob), identity)) as HistoryEvent;
  }

  /** A row's value: `plain` as stored, or its sealed JSON opened (a RowOpenError names the row when it does not). */
  async #open<T>(row: { sealed?: Uint8Array }, plain: T | undefined, identity: string): Promise<T> {
    return row.sealed ? (JSON.parse(await this.#rows.open(row.sealed, identity)) as T) : plain!;
  }

  /** Writes the run's row, keeping its chainIndex, or giving a new run the next one. */
  #writeRun(tx: IdbTransaction, runId: string, commit: RunCommit, sealed: Uint8Array | undefined, fail: (error: unknown) => void): void {
    const runs = tx.objectStore('runs');
    const write = (chainIndex: number) => runs.put(runRowOf(runId, chainIndex, runRecordOf(commit.state), commit.wakeAt, owesMessages(commit.state), sealed));
    onSuccess(runs.get(runId), fail, (existing) => {
      if (existing) return void write((existing as RunRow).chainIndex);
      onSuccess(runs.index('chainIndex').openKeyCursor(undefined, 'prev'), fail, (newest) => void write(newest ? Number(newest.key) + 1 : 0));
    });
  }

  /** Adds a commit's lines; then only the run's latest Limits.logLinesKept stay. */
  #keepLogs(tx: IdbTransaction, runId: string, lines: readonly LogRow[], fail: (error: unknown) => void): void {
    const logs = tx.objectStore('logs');
    for (const line of lines) logs.add(line);
    onSuccess(logs.index('byRun').count(this.#rangeOfRun(runId)), fail, (count) => {
      if (count > Limits.logLinesKept) this.#dropOldestLogs(tx, runId, count - Limits.logLinesKept, fail);
    });
  }

  /** Deletes a run's `count` oldest lines (all of them with Infinity). */
  #dropOldestLogs(tx: IdbTransaction, runId: string, count: number, fail: (error: unknown) => void): void {
    const logs = tx.objectStore('logs');
    let dropped = 0;
    onSuccess(logs.index('byRun').openKeyCursor(this.#rangeOfRun(runId)), fail, (cursor) => {
      if (!cursor || dropped >= count) return;
      logs.delete(cursor.primaryKey);
      dropped++;
      cursor.continue();
    });
  }

  /** Keys [id, …anything]: an array key sorts after every number and string, so [id, []] bounds them all. */
  #rangeOfRun(id: string): unknown {
    return this.#keyRange.bound([id], [id, []]);
  }
}

const NOTHING_OFFLOADED: ReadonlyMap<number, BlobReference> = new Map();

/**
 * Why the step cannot follow the stored history, if it cannot: its events must number on from the last stored
 * event, and its state must count them (a step with no events from a stale copy is caught by the count).
 */
function conflictOf(runId: string, lastStoredEventId: number, { events, state }: RunCommit): HistoryConflictError | undefined {
  const follows = events.every((event, i) => event.eventId === lastStoredEventId + 1 + i) && state.nextEventId === lastStoredEventId + 1 + events.length;
  if (follows) return undefined;
  return new HistoryConflictError(runId, lastStoredEventId, (events[0]?.eventId ?? state.nextEventId) - 1);
}

/** The run's row: the fields lookups need in the open, and its record as is or `sealed`. */
function runRowOf(runId: string, chainIndex: number, record: RunRecord, wakeAt: number | undefined, owes: boolean, sealed: Uint8Array | undefined): RunRow {
  const row: RunRow = { runId, workflowId: record.workflowId, workflowType: record.workflowType, status: record.status, chainIndex, ...(sealed ? { sealed } : { record }) };
  if (wakeAt !== undefined) row.wakeAt = wakeAt;
  if (owes) row.owes = true;
  return row;
}

function summaryOf({ record: _record, sealed: _sealed, ...summary }: RunRow): StoredRunSummary {
  return summary;
}

/** Runs `then` with the request's result while the transaction is still active; what it throws aborts the transaction. */
function onSuccess<T>(request: IdbRequest<T>, fail: (error: unknown) => void, then: (result: T) => void): void {
  request.onsuccess = () => {
    try {
      then(request.result);
    } catch (error) {
      fail(error);
    }
  };
}

