// Node's `AsyncLocalStorage` without importing `node:*`: found through `process.getBuiltinModule`, which Node and
// workerd (`nodejs_compat`) have, so the core still loads in a browser, where there is none (the ambient workflow of
// ambient.ts, the ambient activity of activity-ambient.ts).

export interface AsyncContextStorage<T> {
  run<R>(store: T | undefined, fn: () => R): R;
  getStore(): T | undefined;
}

type AsyncLocalStorageClass = new <T>() => AsyncContextStorage<T>;

/**
 * The storage kept on `globalThis` under `key` (a `Symbol.for` key), made on first use: one per realm, shared by every
 * copy of Duro (a user's bundle beside the CLI's), so the copy that runs user code and the copy that code imports see
 * the same frames. Null where the runtime has no AsyncLocalStorage.
 */
export function sharedAsyncStorage<T>(key: symbol): AsyncContextStorage<T> | null {
  const realm = globalThis as Record<symbol, AsyncContextStorage<T> | undefined>;
  const shared = realm[key];
  if (shared) return shared;
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  let Storage: AsyncLocalStorageClass | undefined;
  try {
    // The bare name, which Node and workerd both take: a `node:` string would read as an import to a browser bundle's checks.
    Storage = (process?.getBuiltinModule?.('async_hooks') as { AsyncLocalStorage?: AsyncLocalStorageClass } | undefined)?.AsyncLocalStorage;
  } catch {
    Storage = undefined; // a runtime that lists the function but refuses the module
  }
  if (!Storage) return null;
  const storage = new Storage<T>();
  realm[key] = storage;
  return storage;
}
