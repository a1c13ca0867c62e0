// What every IndexedDB database of the browser host does alike: opening (with its upgrade), a request as a promise,
// and the page's own factory and key range.
import type { IdbDatabase, IdbFactory, IdbGlobals, IdbRequest, IdbTransaction } from './indexeddb-types';

/**
 * Opens `name` at `version`, `upgrade` creating what a database older than `version` lacks. Another tab opening a newer
 * version waits for this connection: it is let go (later calls then fail, visibly).
 */
export function openDatabase(indexedDB: IdbFactory, name: string, version: number, upgrade: (db: IdbDatabase, oldVersion: number, tx: IdbTransaction) => void): Promise<IdbDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, version);
    request.onupgradeneeded = ({ oldVersion }) => upgrade(request.result, oldVersion, request.transaction!);
    request.onsuccess = () => {
      const db = request.result;
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(new Error(`Cannot open IndexedDB database '${name}': ${request.error?.message ?? 'unknown error'}`, { cause: request.error }));
  });
}

export function resultOf<T>(request: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function webGlobals(): IdbGlobals {
  return globalThis as IdbGlobals;
}

/** Resolves once the transaction completes; rejects with `what` and IndexedDB's reason when it aborts. */
export function transactionDone(tx: IdbTransaction, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(new Error(`${what}: ${tx.error?.message ?? 'aborted'}`, { cause: tx.error }));
  });
}
