// The claim check of the browser's run store (decision 019 §4): a history row over the threshold is put in the blob
// store (its own database, `<dbName>-blobs`) before the commit whose event row keeps its reference (`blob`). The two
// databases share no transaction, so each key is first queued for deletion in the run database (`blobDeletes`, due
// after the grace period), and the commit that references it takes it off the queue: a tab closed between the put
// and the commit leaves a queued key whose blob is deleted once due, never a reference to nothing.
import { ORPHAN_GRACE_MS } from '../core/payloads/blob-orphans';
import type { BlobReference } from '../core/payloads/blob-reference';
import { PayloadUnavailableError } from '../core/payloads/payload-unavailable';
import type { RowBlobs } from '../core/payloads/row-blobs';
import type { SealedRow } from '../core/payloads/row-codecs';
import { resultOf, transactionDone } from './indexeddb-requests';
import type { IdbDatabase, IdbKeyRangeStatic, IdbTransaction } from './indexeddb-types';

/** The run database's queue of blob keys to delete, each with when it is due. */
export const BLOB_DELETES = 'blobDeletes';
/** The index of `events` over `blob.key`: rows holding a reference, and only those, are in it. */
const BLOB_KEY = 'blobKey';
const DUE_AT = 'dueAt';
/** Keys read and deleted per turn of a collection. */
const COLLECT_BATCH = 500;
/** When deleting blobs fails, the due keys wait this long before the next collection tries again. */
const RETRY_MS = 60_000;

interface BlobDeleteRow {
  key: string;
  dueAt: number;
}

/** Schema version 4: the queue, and the index that answers "does any row still reference this key?". */
export function createBlobDeletes(db: IdbDatabase, upgrade: IdbTransaction): void {
  db.createObjectStore(BLOB_DELETES, { keyPath: 'key' }).createIndex(DUE_AT, DUE_AT);
  upgrade.objectStore('events').createIndex(BLOB_KEY, 'blob.key');
}

/**
 * Within a commit's transaction: the key is referenced from now on, so it leaves the queue. Within deleteRun's:
 * `queueIfUnreferenced` after the run's rows are deleted queues the keys no other row references, due at once.
 */
export const blobDeletesIn = (tx: IdbTransaction) => ({
  referenced(key: string): void {
    tx.objectStore(BLOB_DELETES).delete(key);
  },
  queueIfUnreferenced(keys: Iterable<string>, dueAt: number): void {
    const queue = tx.objectStore(BLOB_DELETES);
    for (const key of new Set(keys)) {
      const count = tx.objectStore('events').index(BLOB_KEY).count(key);
      count.onsuccess = () => {
        if (count.result > 0) return;
        const existing = queue.get(key);
        // Kept as it is when already queued: a later due time may belong to a put under way.
        existing.onsuccess = () => void (existing.result === undefined && queue.put({ key, dueAt } satisfies BlobDeleteRow));
      };
    }
  },
});

export class IndexedDbRowBlobs {
  readonly #db: IdbDatabase;
  readonly #keyRange: IdbKeyRangeStatic;
  /** Absent: no blob store is configured; rows stay inline, and a stored reference cannot be read. */
  readonly rows: RowBlobs | undefined;

  constructor(db: IdbDatabase, keyRange: IdbKeyRangeStatic, rows: RowBlobs | undefined) {
    this.#db = db;
    this.#keyRange = keyRange;
    this.rows = rows;
  }

  /**
   * Puts the rows in the blob store under the workflow id's prefix and gives their references, by place in the
   * commit. Each key is queued first, in a transaction of its own that is on disk before the put starts.
   */
  offload(rows: RowBlobs, workflowId: string, stored: readonly SealedRow[], places: readonly number[]): Promise<Map<number, BlobReference>> {
    return rows.offload(workflowId, stored, places, (keys) => this.#queue(keys, Date.now() + ORPHAN_GRACE_MS));
  }

  /** The row a reference stands for; a PayloadUnavailableError (the run blocks) when it cannot be read. */
  read(reference: BlobReference): Promise<SealedRow> {
    if (!this.rows) return Promise.reject(new PayloadUnavailableError(reference.key, reference.size, 'unconfigured'));
    return this.rows.read(reference);
  }

  /**
   * Deletes the blobs of the queued keys that are due and that no row references, read again in the blob store's
   * turn (so a key this context put again and referenced meanwhile stays). Resolves with how many it deleted; when
   * the blob store fails, the due keys wait RETRY_MS and the error is thrown.
   *
   * Across tabs there is no common turn: a key another tab re-puts in the instant between this read and the delete
   * would be lost. Keys are content-addressed rows that carry their event id and time (sealed rows, a random IV), so
   * a due key is put again only by the step whose commit failed, which puts it before that commit, long before due.
   */
  async collect(now: number): Promise<number> {
    const rows = this.rows;
    if (!rows) return 0;
    let deleted = 0;
    try {
      for (;;) {
        let settled: string[] = [];
        const keys = await rows.deleteUnreferenced(async () => {
          const due = await this.#due(now);
          settled = due.map(({ key }) => key);
          return due.filter(({ referenced }) => !referenced).map(({ key }) => key);
        });
        await this.#unqueue(settled, now);
        deleted += keys.length;
        if (settled.length < COLLECT_BATCH) return deleted;
      }
    } catch (error) {
      await this.#postpone(now);
      throw error;
    }
  }

  /** When the earliest queued key is due, if any is queued. */
  async earliestDue(): Promise<number | undefined> {
    const request = this.#db.transaction([BLOB_DELETES], 'readonly').objectStore(BLOB_DELETES).index(DUE_AT).openKeyCursor();
    const cursor = await resultOf(request);
    return cursor ? Number(cursor.key) : undefined;
  }

  /** Queues `keys`, keeping the later due time of a key queued already. */
  async #queue(keys: string[], dueAt: number): Promise<void> {
    // 'strict': on disk before the put, so no blob is ever stored that the queue does not name.
    const tx = this.#db.transaction([BLOB_DELETES], 'readwrite', { durability: 'strict' });
    const queue = tx.objectStore(BLOB_DELETES);
    for (const key of keys) {
      const existing = queue.get(key);
      existing.onsuccess = () => void queue.put({ key, dueAt: Math.max(dueAt, (existing.result as BlobDeleteRow | undefined)?.dueAt ?? 0) } satisfies BlobDeleteRow);
    }
    await transactionDone(tx, 'Cannot queue payload blobs for deletion');
  }

  /** Up to COLLECT_BATCH due keys, each with whether a row references it. */
  #due(now: number): Promise<Array<{ key: string; referenced: boolean }>> {
    const tx = this.#db.transaction([BLOB_DELETES, 'events'], 'readonly');
    const request = tx.objectStore(BLOB_DELETES).index(DUE_AT).getAll(this.#dueBy(now), COLLECT_BATCH);
    return new Promise((resolve, reject) => {
      request.onerror = () => reject(request.error);
      // The counts are asked in the success callback, while the transaction is still active.
      request.onsuccess = () => {
        const due = request.result as BlobDeleteRow[];
        const counts = due.map(({ key }) => resultOf(tx.objectStore('events').index(BLOB_KEY).count(key)));
        resolve(Promise.all(counts).then((found) => due.map(({ key }, i) => ({ key, referenced: found[i]! > 0 }))));
      };
    });
  }

  /** Takes the keys off the queue, unless one was queued again meanwhile with a later due time. */
  async #unqueue(keys: string[], now: number): Promise<void> {
    if (keys.length === 0) return;
    const tx = this.#db.transaction([BLOB_DELETES], 'readwrite');
    const queue = tx.objectStore(BLOB_DELETES);
    for (const key of keys) {
      const row = queue.get(key);
      row.onsuccess = () => {
        if (((row.result as BlobDeleteRow | undefined)?.dueAt ?? Number.POSITIVE_INFINITY) <= now) queue.delete(key);
      };
    }
    await transactionDone(tx, 'Cannot take deleted payload blobs off the queue');
  }

  async #postpone(now: number): Promise<void> {
    const tx = this.#db.transaction([BLOB_DELETES], 'readwrite');
    const queue = tx.objectStore(BLOB_DELETES);
    const due = queue.index(DUE_AT).getAll(this.#dueBy(now));
    due.onsuccess = () => {
      for (const { key } of due.result as BlobDeleteRow[]) queue.put({ key, dueAt: now + RETRY_MS } satisfies BlobDeleteRow);
    };
    await transactionDone(tx, 'Cannot postpone the deletion of payload blobs').catch(() => undefined);
  }

  #dueBy(now: number): unknown {
    return this.#keyRange.bound(Number.NEGATIVE_INFINITY, now);
  }
}
