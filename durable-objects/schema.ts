// SQLite schema of a WorkflowExecution object, versioned inside the object: each migration runs once,
// in order, inside a transaction, and the applied version is kept in `meta`.

/** One entry per schema version; never edit a shipped migration, append a new one. */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, history, chunks of large values, pending state (the outbox and dedup keys among it), deadlines
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    chain_index INTEGER NOT NULL,
    workflow_type TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    close_time INTEGER,
    retain_until INTEGER,
    record TEXT,
    chunks INTEGER NOT NULL DEFAULT 0
  );
  CREATE TABLE history (
    run_id TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    body TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, event_id)
  ) WITHOUT ROWID;
  -- A SQLite row holds at most 2 MB: larger values are stored here in pieces, keyed by their owner row.
  CREATE TABLE payload_chunks (
    owner TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (owner, chunk)
  ) WITHOUT ROWID;
  CREATE TABLE pending (
    run_id TEXT NOT NULL,
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, collection, key)
  ) WITHOUT ROWID;
  CREATE TABLE deadlines (
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    wake_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, kind)
  ) WITHOUT ROWID;
  CREATE INDEX deadlines_by_time ON deadlines (wake_at);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Applies the migrations this object has not seen yet. Synchronous: call it from blockConcurrencyWhile. */
export function migrate(storage: DurableObjectStorage): number {
  return storage.transactionSync(() => {
    const hasMeta = storage.sql.exec(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).one().n as number;
    const current = hasMeta ? Number(storage.sql.exec(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0]?.value ?? 0) : 0;
    if (current > SCHEMA_VERSION) throw new Error(`Storage schema ${current} is newer than this code (${SCHEMA_VERSION}): roll forward, not back`);
    for (let version = current; version < SCHEMA_VERSION; version++) storage.sql.exec(MIGRATIONS[version]!);
    if (current < SCHEMA_VERSION) storage.sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(SCHEMA_VERSION));
    return SCHEMA_VERSION;
  });
}
