// The slice of the IndexedDB API the browser host uses, typed here because the repo's tsconfig has no DOM lib.
// Module-scoped (not global) so it cannot clash with lib.dom.d.ts; the DOM's own types fit these shapes.

export type IdbKey = number | string | IdbKey[];
export type IdbCursorDirection = 'next' | 'prev';

/** What IndexedDB reports on failure: a DOMException, matched by `name` (`QuotaExceededError`, `ConstraintError`…). */
export interface IdbError {
  readonly name: string;
  readonly message: string;
}

export interface IdbRequest<T> {
  readonly result: T;
  readonly error: IdbError | null;
  onsuccess: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  /** The upgrade's own transaction, during `upgradeneeded`: how an existing store gets a new index. */
  readonly transaction: IdbTransaction | null;
  onupgradeneeded: ((event: { oldVersion: number }) => void) | null;
  onblocked: ((event: unknown) => void) | null;
}

export interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
  deleteDatabase(name: string): IdbRequest<undefined>;
}

export interface IdbKeyRangeStatic {
  bound(lower: IdbKey, upper: IdbKey, lowerOpen?: boolean, upperOpen?: boolean): unknown;
}

export interface IdbCursor {
  readonly key: IdbKey;
  readonly primaryKey: IdbKey;
  continue(): void;
}

export interface IdbIndex {
  getAll(query?: unknown, count?: number): IdbRequest<unknown[]>;
  count(query?: unknown): IdbRequest<number>;
  openKeyCursor(query?: unknown, direction?: IdbCursorDirection): IdbRequest<IdbCursor | null>;
}

export interface IdbObjectStore {
  add(value: unknown): IdbRequest<IdbKey>;
  put(value: unknown): IdbRequest<IdbKey>;
  get(key: IdbKey): IdbRequest<unknown>;
  getAll(query?: unknown): IdbRequest<unknown[]>;
  delete(query: unknown): IdbRequest<undefined>;
  openKeyCursor(query?: unknown, direction?: IdbCursorDirection): IdbRequest<IdbCursor | null>;
  index(name: string): IdbIndex;
  createIndex(name: string, keyPath: string | string[], options?: { unique?: boolean }): IdbIndex;
}

export interface IdbTransaction {
  readonly error: IdbError | null;
  objectStore(name: string): IdbObjectStore;
  abort(): void;
  oncomplete: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onabort: ((event: unknown) => void) | null;
}

export interface IdbDatabase {
  createObjectStore(name: string, options: { keyPath: string | string[]; autoIncrement?: boolean }): IdbObjectStore;
  transaction(storeNames: string[], mode: 'readonly' | 'readwrite', options?: { durability?: 'default' | 'strict' | 'relaxed' }): IdbTransaction;
  close(): void;
  onversionchange: ((event: unknown) => void) | null;
}

/** The globals a browser (tab, Web Worker, Service Worker) provides; a test passes fake-indexeddb's instead. */
export interface IdbGlobals {
  indexedDB?: IdbFactory;
  IDBKeyRange?: IdbKeyRangeStatic;
}
