// SQLite schemas of Duro's Durable Objects, versioned inside each object: each migration runs once,
// in order, inside a transaction, and the applied version is kept in `meta`.

/** The columns `runs` had from migration 1 on (migration 6 adds `pending_inline`). */
const RUNS_COLUMNS = `
    run_id TEXT PRIMARY KEY,
    chain_index INTEGER NOT NULL,
    workflow_type TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    close_time INTEGER,
    retain_until INTEGER,
    record TEXT,
    chunks INTEGER NOT NULL DEFAULT 0`;

/** Migration 1's `meta` and `runs` (rowid tables; migration 6 rebuilds them keyed, as a new object makes them). */
const ROWID_META_AND_RUNS = `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE runs (${RUNS_COLUMNS}
  );
`;

/** Migration 1's history: one row per event (migration 7 lets a row hold several, `last_event_id`). */
const historyTable = (columns = '') => `
  CREATE TABLE history (
    run_id TEXT NOT NULL,
    event_id INTEGER NOT NULL,
    type TEXT NOT NULL,
    body TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,${columns}
    PRIMARY KEY (run_id, event_id)
  ) WITHOUT ROWID;
`;
const HISTORY_TABLE = historyTable();

/**
 * `history.last_event_id`: the last event of a row that holds several consecutive events as a JSON list (NULL: the
 * row is one event). A commit's small events share a row (durable-objects/history-rows.ts, decision 023).
 */
const HISTORY_ROW_SPAN_COLUMN = `
    last_event_id INTEGER,`;

/** Migration 7: history rows may hold several events. */
const HISTORY_ROWS_OF_SEVERAL = `
  ALTER TABLE history ADD COLUMN last_event_id INTEGER;
`;

/** The columns of `pending`: entries kept in rows (ON_DEMAND_TABLES.pending makes the table in a new object, on first use). */
const PENDING_COLUMNS = `
    run_id TEXT NOT NULL,
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT,
    chunks INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, collection, key)`;
const PENDING_TABLE = `
  CREATE TABLE pending (${PENDING_COLUMNS}
  ) WITHOUT ROWID;
`;

/** Migration 1's deadlines of each run, by kind (`run`, `retention`); migration 7 moves them into `runs`. */
const DEADLINES_TABLE = `
  CREATE TABLE deadlines (
    run_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    wake_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, kind)
  ) WITHOUT ROWID;
`;

/**
 * Migration 1's index of deadlines by time, dropped by migration 5: an object holds one workflow id's runs, a few
 * deadline rows, and `min(wake_at)` reads them all in microseconds, while the index cost a row written on every step
 * that moves a deadline (docs/cost.md).
 */
const DEADLINES_BY_TIME = `
  CREATE INDEX deadlines_by_time ON deadlines (wake_at);
`;

/**
 * `meta` and `runs` keyed by their text keys alone (WITHOUT ROWID): a rowid table with a text primary key keeps a
 * second index of it, so each row written was two rows written, on every commit for `runs` (docs/cost.md).
 * `pending_inline`: the run's pending entries are kept in its record, not in `pending` rows (sql-run-store.ts).
 */
const keyedMetaTable = (name: string) => `
  CREATE TABLE ${name} (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;
const keyedRunsTable = (name: string, columns = '') => `
  CREATE TABLE ${name} (${RUNS_COLUMNS},
    pending_inline INTEGER NOT NULL DEFAULT 0${columns}
  ) WITHOUT ROWID;
`;

/**
 * Migration 6: an older object's `meta` and `runs` rebuilt as {@link keyedMetaTable} and {@link keyedRunsTable}; its
 * runs keep their pending entries in rows.
 */
const KEYED_META_AND_RUNS = `
  ${keyedMetaTable('meta_keyed')}
  INSERT INTO meta_keyed (key, value) SELECT key, value FROM meta;
  DROP TABLE meta;
  ALTER TABLE meta_keyed RENAME TO meta;
  ${keyedRunsTable('runs_keyed')}
  INSERT INTO runs_keyed (run_id, chain_index, workflow_type, status, start_time, close_time, retain_until, record, chunks)
    SELECT run_id, chain_index, workflow_type, status, start_time, close_time, retain_until, record, chunks FROM runs;
  DROP TABLE runs;
  ALTER TABLE runs_keyed RENAME TO runs;
`;

/**
 * `runs.wake_at`: when the run must next be woken (a timer, an activity's timeout, a retry), written with the row that
 * every commit rewrites anyway. Together with `retain_until` it is what the one alarm serves: no `deadlines` table,
 * whose rows cost a write of their own (a closed run's retention, a deadline that moved) and a table in every object.
 */
const RUNS_DEADLINE_COLUMN = `,
    wake_at INTEGER`;

/** Migration 7: migration 1's `deadlines` rows moved into their runs' rows (`retention` ones are `retain_until` already). */
const DEADLINES_IN_RUNS = `
  ALTER TABLE runs ADD COLUMN wake_at INTEGER;
  UPDATE runs SET wake_at = (SELECT wake_at FROM deadlines WHERE deadlines.run_id = runs.run_id AND deadlines.kind = 'run');
  DROP TABLE deadlines;
`;

/**
 * Migration 7: the Visibility identity (the sender id the shard numbers this object's messages by, and the shard it
 * was given) as one row, `<shard>:<sender>`, written once per object instead of two (visibility-outbox.ts).
 */
const ONE_VISIBILITY_IDENTITY = `
  INSERT INTO meta (key, value)
    SELECT 'visibility', shard.value || ':' || sender.value FROM meta AS sender, meta AS shard
    WHERE sender.key = 'visibility_sender' AND shard.key = 'visibility_shard';
  DELETE FROM meta WHERE key IN ('visibility_sender', 'visibility_shard');
`;

/** Migration 2's outbox of messages to the Visibility index, numbered so the shard applies each once and in order. */
const COUNTED_VISIBILITY_OUTBOX_TABLE = `
  CREATE TABLE visibility_outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
`;

/**
 * The outbox as it is now: the last row the shard acknowledged stays, bodiless (`body` NULL), so numbers keep growing
 * after the outbox drains (a new row is the largest rowid + 1). AUTOINCREMENT kept that promise with a counter row
 * in `sqlite_sequence`, written once per message, and a table of its own in every object.
 */
const VISIBILITY_OUTBOX_TABLE = `
  CREATE TABLE visibility_outbox (seq INTEGER PRIMARY KEY, body TEXT);
`;

/** Migration 7: the outbox rebuilt as {@link VISIBILITY_OUTBOX_TABLE}, its counter kept as a bodiless row. */
const UNCOUNTED_VISIBILITY_OUTBOX = `
  ${VISIBILITY_OUTBOX_TABLE.replace('visibility_outbox', 'visibility_outbox_kept')}
  INSERT INTO visibility_outbox_kept (seq, body) SELECT seq, body FROM visibility_outbox;
  INSERT INTO visibility_outbox_kept (seq, body)
    SELECT seq, NULL FROM sqlite_sequence WHERE name = 'visibility_outbox' AND seq > (SELECT coalesce(max(seq), 0) FROM visibility_outbox);
  DROP TABLE visibility_outbox;
  ALTER TABLE visibility_outbox_kept RENAME TO visibility_outbox;
`;

/**
 * Tables of an execution object that most runs never use, made on first use (`SqlRunStore`) instead of by a new
 * object's schema: each table and index is a page or more of every object's database, and its creation rows written
 * (docs/cost.md). Objects made before got them from the migrations below, which are these same statements. A later
 * migration that changes one of them must allow for a new object that has not made it yet.
 */
export const ON_DEMAND_TABLES = {
  /** Pending entries of runs that keep them in rows: most keep a few in their record (sql-run-store.ts). */
  pending: `
  CREATE TABLE IF NOT EXISTS pending (${PENDING_COLUMNS}
  ) WITHOUT ROWID;
  `,
  /** A SQLite row holds at most 2 MB: larger values are stored here in pieces, keyed by their owner row. */
  payload_chunks: `
  CREATE TABLE IF NOT EXISTS payload_chunks (
    owner TEXT NOT NULL,
    chunk INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (owner, chunk)
  ) WITHOUT ROWID;
  `,
  /** Each run's latest log lines (outside history; Limits.logLinesKept per run), in the order they were kept. */
  run_logs: `
  CREATE TABLE IF NOT EXISTS run_logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, line TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS run_logs_by_run ON run_logs (run_id, seq);
  `,
  /**
   * History rows kept in the payload blob store (the claim check, docs/payloads.md): such a row has no body and no
   * chunks, and its reference is here; keys to delete from the store wait in blob_deletes until the alarm drains them.
   */
  row_blobs: `
  CREATE TABLE IF NOT EXISTS row_blobs (owner TEXT PRIMARY KEY, run_id TEXT NOT NULL, key TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS row_blobs_by_run ON row_blobs (run_id);
  CREATE INDEX IF NOT EXISTS row_blobs_by_key ON row_blobs (key);
  CREATE TABLE IF NOT EXISTS blob_deletes (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS blob_deletes_by_due ON blob_deletes (due_at);
  `,
} as const;

export type OnDemandTable = keyof typeof ON_DEMAND_TABLES;

/**
 * One entry per schema version; never change what a shipped migration makes, append a new one. Objects made before a
 * version run the ones they have not seen; a new object gets FRESH_EXECUTION_SCHEMA instead, in its first write's
 * transaction (execution-schema.ts).
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, history, chunks of large values, pending state, deadlines
  ROWID_META_AND_RUNS + HISTORY_TABLE + PENDING_TABLE + DEADLINES_TABLE + DEADLINES_BY_TIME + ON_DEMAND_TABLES.payload_chunks,
  // 2: the Visibility outbox
  COUNTED_VISIBILITY_OUTBOX_TABLE,
  // 3: run logs
  ON_DEMAND_TABLES.run_logs,
  // 4: the claim check's bookkeeping
  ON_DEMAND_TABLES.row_blobs,
  // 5: no index of deadlines by time (DEADLINES_BY_TIME)
  `
  DROP INDEX IF EXISTS deadlines_by_time;
  `,
  // 6: meta and runs WITHOUT ROWID; runs may keep their pending entries in their record
  KEYED_META_AND_RUNS,
  // 7: a run's deadline is a column of its row; this object's Visibility identity is one meta row; the outbox keeps
  // its last acknowledged row instead of a counter; a history row may hold several events
  DEADLINES_IN_RUNS + ONE_VISIBILITY_IDENTITY + UNCOUNTED_VISIBILITY_OUTBOX + HISTORY_ROWS_OF_SEVERAL,
];

/**
 * A new execution object's schema at the latest version (MIGRATIONS.length): what the migrations make, less the
 * on-demand tables. test/integration/schema.test.ts checks that the two agree once those tables exist.
 */
export const FRESH_EXECUTION_SCHEMA = keyedMetaTable('meta') + keyedRunsTable('runs', RUNS_DEADLINE_COLUMN) + historyTable(HISTORY_ROW_SPAN_COLUMN) + VISIBILITY_OUTBOX_TABLE;

/** The columns of a Visibility shard's `executions`: what lists filter and sort on in plaintext, and the sealed record. */
const VISIBILITY_EXECUTIONS_COLUMNS = `
    run_id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    workflow_type TEXT NOT NULL,
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    close_time INTEGER,
    record TEXT NOT NULL`;
const VISIBILITY_EXECUTIONS_INDEXES = `
  CREATE INDEX executions_by_start ON executions (start_time DESC, run_id DESC);
  CREATE INDEX executions_by_type ON executions (workflow_type, start_time DESC, run_id DESC);
  CREATE INDEX executions_by_status ON executions (status, start_time DESC, run_id DESC);
`;
/** The shard's other tables, as migration 1 made them (`senders` aside, which migration 3 extends). */
const VISIBILITY_OTHER_TABLES = `
  -- One row per (attribute, value) of each run: a keyword list has a row per element.
  CREATE TABLE search_index (
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    run_id TEXT NOT NULL,
    PRIMARY KEY (name, value, run_id)
  ) WITHOUT ROWID;
  CREATE INDEX search_by_run ON search_index (run_id);
  CREATE TABLE counters (series TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, value REAL NOT NULL) WITHOUT ROWID;
  CREATE TABLE histograms (series TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, buckets TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE batches (
    batch_id TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    matched INTEGER NOT NULL,
    succeeded INTEGER NOT NULL DEFAULT 0,
    failed INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    failures TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL,
    completed_at INTEGER
  );
  CREATE TABLE batch_items (
    batch_id TEXT NOT NULL,
    run_id TEXT NOT NULL,
    workflow_id TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batch_id, run_id)
  ) WITHOUT ROWID;
`;
/** What each open run waits on, for the /metrics gauges (issue 20). */
const VISIBILITY_RUN_GAUGES = `
  CREATE TABLE run_gauges (
    run_id TEXT PRIMARY KEY,
    workflow_type TEXT NOT NULL,
    pending_activities INTEGER NOT NULL,
    pending_timers INTEGER NOT NULL,
    blocked INTEGER NOT NULL
  ) WITHOUT ROWID;
`;

/** The Visibility shard: the index of executions, the /metrics series, and batch operations. */
export const VISIBILITY_MIGRATIONS: readonly string[] = [
  // 1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE executions (${VISIBILITY_EXECUTIONS_COLUMNS}
  );
  ${VISIBILITY_EXECUTIONS_INDEXES}
  -- The last message applied from each execution object (messages are numbered by their sender).
  CREATE TABLE senders (workflow_id TEXT PRIMARY KEY, applied_seq INTEGER NOT NULL) WITHOUT ROWID;
  ${VISIBILITY_OTHER_TABLES}
  `,
  // 2: what each open run waits on, for the /metrics gauges (issue 20)
  VISIBILITY_RUN_GAUGES,
  // 3: when each sender's messages were last applied, so a sender quiet for long is forgotten (sender-sweep.ts)
  `
  ALTER TABLE senders ADD COLUMN applied_at INTEGER;
  `,
];

/**
 * A new shard's schema at the latest version (VISIBILITY_MIGRATIONS.length), in one step: what the migrations make,
 * with `meta` and `executions` keyed by their text keys alone (WITHOUT ROWID). A rowid table with a text primary key
 * keeps a second index of it: one row more written on every upsert of an execution (docs/decisions/026). A shard made by
 * the migrations keeps its rowid tables: the same statements serve both.
 */
const FRESH_VISIBILITY_SCHEMA = `
  ${keyedMetaTable('meta')}
  CREATE TABLE executions (${VISIBILITY_EXECUTIONS_COLUMNS}
  ) WITHOUT ROWID;
  ${VISIBILITY_EXECUTIONS_INDEXES}
  CREATE TABLE senders (workflow_id TEXT PRIMARY KEY, applied_seq INTEGER NOT NULL, applied_at INTEGER) WITHOUT ROWID;
  ${VISIBILITY_OTHER_TABLES}
  ${VISIBILITY_RUN_GAUGES}
`;

/** A Visibility shard's schema, when it loads: a new shard's written at once, an older one's migrated. */
export function openVisibilitySchema(storage: DurableObjectStorage): void {
  if (storedSchemaVersion(storage.sql) > 0) {
    migrate(storage, VISIBILITY_MIGRATIONS);
    return;
  }
  storage.transactionSync(() => writeFreshSchema(storage.sql, FRESH_VISIBILITY_SCHEMA, VISIBILITY_MIGRATIONS.length));
}

/** The Scheduler: every schedule of the deployment, and when each next needs the alarm. */
export const SCHEDULER_MIGRATIONS: readonly string[] = [
  // 1
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE schedules (schedule_id TEXT PRIMARY KEY, body TEXT NOT NULL, wake_at INTEGER);
  CREATE INDEX schedules_by_wake ON schedules (wake_at);
  `,
  // 2: how late actions started, for /metrics (issue 20); the same shape as a Visibility shard's histograms
  `
  CREATE TABLE histograms (series TEXT PRIMARY KEY, name TEXT NOT NULL, labels TEXT NOT NULL, buckets TEXT NOT NULL, sum REAL NOT NULL, count INTEGER NOT NULL) WITHOUT ROWID;
  `,
];

/** The schema version an object holds: 0 for a new object (no `meta` table yet). */
export function storedSchemaVersion(sql: SqlStorage): number {
  const hasMeta = sql.exec(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'meta'`).one().n as number;
  return hasMeta ? Number(sql.exec(`SELECT value FROM meta WHERE key = 'schema_version'`).toArray()[0]?.value ?? 0) : 0;
}

/** Writes `fresh`, the latest schema in one step, and records it as `version`: inside the caller's transaction. */
export function writeFreshSchema(sql: SqlStorage, fresh: string, version: number): void {
  sql.exec(fresh);
  sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', ?)`, String(version));
}

/**
 * Applies the migrations this object has not seen yet, in one transaction. Synchronous: call it from
 * blockConcurrencyWhile. Returns the version found (`from`, 0 for a new object) and the one now stored.
 */
export function migrate(storage: DurableObjectStorage, migrations: readonly string[] = MIGRATIONS): { from: number; to: number } {
  const latest = migrations.length;
  return storage.transactionSync(() => {
    const current = storedSchemaVersion(storage.sql);
    if (current > latest) throw new Error(`Storage schema ${current} is newer than this code (${latest}): roll forward, not back`);
    for (let version = current; version < latest; version++) storage.sql.exec(migrations[version]!);
    if (current < latest) storage.sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, String(latest));
    return { from: current, to: latest };
  });
}
