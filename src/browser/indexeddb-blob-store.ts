// Payload blobs of the browser host in IndexedDB (decision 019 §4), in a database of their own beside the run store's:
// `<dbName>-blobs`. Apart so the run store's schema and upgrades stay as they are, and so blobs can be cleared
// alone; the price is that a blob and its reference are not written in one transaction, so the browser follows the
// same order as R2 (blob durable first, then the commit) and the same orphan collection.
import { openDatabase, resultOf, webGlobals } from './indexeddb-requests';
import type { ListedBlob, PayloadBlobStore } from '../core/payloads/blob-store';
import { sha256Hex } from '../core/payloads/blob-reference';
import type { IdbDatabase, IdbKeyRangeStatic, IdbTransaction } from './indexeddb-types';

const DB_VERSION = 1;
const STORE = 'blobs';
/** Index over [key, uploadedAt, size]: a key cursor on it lists blobs without reading their bytes. */
const LISTING = 'listing';
/** Entries listed per read transaction: a transaction cannot stay open while the caller awaits something else. */
const LIST_PAGE = 500;

interface BlobRow {
  key: string;
  bytes: Uint8Array;
  uploadedAt: number;
  size: number;
}

/** The database that holds the blobs of the run store named `dbName`. */
export function blobDatabaseName(dbName: string): string {
  return `${dbName}-blobs`;
}

/**
 * @example
 * const blobs = await IndexedDbBlobStore.open('my-app'); // the database 'my-app-blobs'
 */
export class IndexedDbBlobStore implements PayloadBlobStore {
  readonly #db: IdbDatabase;
  readonly #keyRange: IdbKeyRangeStatic;
  readonly #now: () => number;

  private constructor(db: IdbDatabase, keyRange: IdbKeyRangeStatic, now: () => number) {
    this.#db = db;
    this.#keyRange = keyRange;
    this.#now = now;
  }

  /** Opens (creating) the blob database of the run store `dbName`; `indexedDB` and `keyRange` default to the page's own. */
  static open(dbName: string, indexedDB = webGlobals().indexedDB, keyRange = webGlobals().IDBKeyRange, now: () => number = Date.now): Promise<IndexedDbBlobStore> {
    if (!indexedDB || !keyRange) return Promise.reject(new Error('IndexedDB is not available here: pass an IDBFactory and IDBKeyRange to IndexedDbBlobStore.open'));
    const name = blobDatabaseName(dbName);
    const upgrade = (db: IdbDatabase) => void db.createObjectStore(STORE, { keyPath: 'key' }).createIndex(LISTING, ['key', 'uploadedAt', 'size']);
    return openDatabase(indexedDB, name, DB_VERSION, upgrade).then((db) => new IndexedDbBlobStore(db, keyRange, now));
  }

  close(): void {
    this.#db.close();
  }

  async put(key: string, bytes: Uint8Array, sha256: string): Promise<void> {
    // Hashed before the transaction opens: one left waiting on other work would commit early.
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) throw new Error(`Blob ${key} not stored: its SHA-256 is ${actual}, not the ${sha256} given`);
    // 'strict': resolved means on disk, before the reference to it is committed.
    const tx = this.#db.transaction([STORE], 'readwrite', { durability: 'strict' });
    // put() clones the row at once (structured clone): the caller may reuse its buffer, with no copy of ours.
    tx.objectStore(STORE).put({ key, bytes, uploadedAt: this.#now(), size: bytes.length } satisfies BlobRow);
    await completionOf(tx, `put blob ${key}`);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const row = (await resultOf(this.#db.transaction([STORE], 'readonly').objectStore(STORE).get(key))) as BlobRow | undefined;
    return row?.bytes;
  }

  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    const tx = this.#db.transaction([STORE], 'readwrite');
    const store = tx.objectStore(STORE);
    for (const key of keys) store.delete(key);
    await completionOf(tx, `delete ${keys.length} blobs`);
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    // Blob keys are ASCII (blobKeyOf), so every key under the prefix sorts before prefix + U+FFFF.
    const upper = [`${prefix}\uffff`];
    let range = this.#keyRange.bound([prefix], upper);
    for (;;) {
      const page = await this.#listPage(range);
      for (const [key, uploadedAt, size] of page) yield { key, uploadedAt, size };
      if (page.length < LIST_PAGE) return;
      range = this.#keyRange.bound(page[page.length - 1]!, upper, true);
    }
  }

  /** Up to LIST_PAGE index keys in `range`, read in one transaction. */
  #listPage(range: unknown): Promise<Array<[string, number, number]>> {
    const request = this.#db.transaction([STORE], 'readonly').objectStore(STORE).index(LISTING).openKeyCursor(range);
    const page: Array<[string, number, number]> = [];
    return new Promise((resolve, reject) => {
      request.onsuccess = () => {
        const cursor = request.result;
        if (cursor === null) return resolve(page);
        page.push(cursor.key as [string, number, number]);
        if (page.length < LIST_PAGE) cursor.continue();
        else resolve(page);
      };
      request.onerror = () => reject(request.error);
    });
  }
}

function completionOf(tx: IdbTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    const fail = () => reject(new Error(`IndexedDB could not ${what}: ${tx.error?.message ?? 'the transaction was aborted'}`, { cause: tx.error }));
    tx.onerror = fail;
    tx.onabort = fail;
  });
}

