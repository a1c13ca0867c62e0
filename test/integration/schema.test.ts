// A new execution object writes nothing until its first commit, which makes one fresh schema (durable-objects/schema.ts)
// without the tables most runs never use, which the store makes on first use; an older object got them from the
// migrations. Both must end up alike, and a new object must be smaller for it (docs/cost.md).
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ExecutionSchema } from '../../durable-objects/execution-schema';
import { migrate, MIGRATIONS, ON_DEMAND_TABLES } from '../../durable-objects/schema';
import { SqlRunStore } from '../../durable-objects/sql-run-store';
import type { RunState } from '../../src/core/internals';
import { dropAll, keyedTables, schemaOf } from '../support/sqlite-schema';

function freshObject() {
  const namespace = env.WORKFLOW_EXECUTION as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(`schema-${crypto.randomUUID()}`));
}

/** Makes a new object's schema as its first commit does. */
function makeSchema(storage: DurableObjectStorage): void {
  const { schema } = ExecutionSchema.open(storage);
  storage.transactionSync(() => schema.ensure());
}

const runOf = (runId: string) => ({
  workflowId: `wf-${runId}`, runId, workflowType: 'hello', status: 'running', startTime: 1, nextEventId: 1, historySizeBytes: 0,
  memo: {}, searchAttributes: {}, activities: {}, timers: {}, children: {}, externals: {}, inFlightUpdates: [], signalRequestIds: {},
  cancelRequested: false, activationFailures: 0, completedUpdates: {},
}) as RunState;
const startOf = (runId: string) => ({ events: [{ type: 'WorkflowExecutionStarted', eventId: 1, timestamp: 1 }] as never, state: runOf(runId), changes: [], wakeAt: undefined, attempts: [] });

describe('the execution object\'s schema', () => {
  it('is not written by a new object until its first commit, which writes it in its own transaction', async () => {
    const stub = freshObject();
    // Read first: an id that never ran answers "not found" and leaves no tables behind.
    const describe = await (stub as unknown as { describe(options: unknown): Promise<{ ok: boolean; problem?: { type: string } }> }).describe({});
    expect(describe.problem?.type).toBe('duro:workflow-not-found');
    await runInDurableObject(stub, async (_instance, state) => {
      expect(schemaOf(state.storage.sql)).toEqual([]);
      const store = new SqlRunStore(state.storage);
      expect(store.listRuns()).toEqual([]);
      expect(store.earliestDeadline()).toBeUndefined();
      expect(await store.readHistory('r1')).toEqual([]);
      // A first commit that fails takes the tables with it; the next one makes them again.
      expect(() => store.commit('r1', 0, startOf('r1'), undefined, () => { throw new Error('refused'); })).toThrow('refused');
      expect(schemaOf(state.storage.sql)).toEqual([]);
      store.commit('r1', 0, startOf('r1'));
      expect(store.listRuns()).toEqual([{ runId: 'r1', chainIndex: 0, status: 'running' }]);
      expect(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").one().value).toBe(String(MIGRATIONS.length));
    });
  });

  it('is, once the on-demand tables are made, what the migrations make', async () => {
    const fresh = await runInDurableObject(freshObject(), (_instance, state) => {
      makeSchema(state.storage);
      for (const statements of Object.values(ON_DEMAND_TABLES)) state.storage.sql.exec(statements);
      return schemaOf(state.storage.sql);
    });
    const migrated = await runInDurableObject(freshObject(), (_instance, state) => {
      dropAll(state.storage.sql);
      expect(migrate(state.storage, MIGRATIONS)).toEqual({ from: 0, to: MIGRATIONS.length });
      return schemaOf(state.storage.sql);
    });
    expect(fresh.map((object) => object.name)).toEqual(migrated.map((object) => object.name));
    expect(fresh).toEqual(migrated);
    // Migration 5 dropped the index of deadlines by time (a row written per step that moves a deadline).
    expect(migrated.map((object) => object.name)).not.toContain('deadlines_by_time');
  });

  it('keys meta and runs by their text keys alone, in a new object and after migration 6, which keeps their rows', async () => {
    await runInDurableObject(freshObject(), (_instance, state) => {
      makeSchema(state.storage);
      expect(keyedTables(state.storage.sql)).toEqual(['history', 'meta', 'runs']); // pending: on first use
    });
    await runInDurableObject(freshObject(), (_instance, state) => {
      const sql = state.storage.sql;
      dropAll(sql);
      // An object made at version 5, holding a run and its Visibility identity.
      state.storage.transactionSync(() => {
        for (const statements of MIGRATIONS.slice(0, 5)) sql.exec(statements);
        sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', '5'), ('visibility_sender', 'wf:1#abc'), ('visibility_shard', '3')`);
        sql.exec(`INSERT INTO runs (run_id, chain_index, workflow_type, status, start_time, close_time, retain_until, record, chunks) VALUES ('r1', 0, 'hello', 'completed', 1, 2, 3, '{}', 0)`);
        sql.exec(`INSERT INTO runs (run_id, chain_index, workflow_type, status, start_time, close_time, retain_until, record, chunks) VALUES ('r2', 1, 'hello', 'running', 4, NULL, NULL, '{}', 0)`);
        sql.exec(`INSERT INTO deadlines (run_id, kind, wake_at) VALUES ('r1', 'retention', 3), ('r2', 'run', 9)`);
      });
      expect(keyedTables(sql)).not.toContain('runs');
      expect(migrate(state.storage, MIGRATIONS)).toEqual({ from: 5, to: MIGRATIONS.length });
      expect(keyedTables(sql)).toEqual(expect.arrayContaining(['meta', 'runs']));
      // Migration 7: the Visibility identity in one row, each run's deadline in its row, no deadlines table.
      expect(sql.exec('SELECT key, value FROM meta ORDER BY key').toArray()).toEqual([{ key: 'schema_version', value: String(MIGRATIONS.length) }, { key: 'visibility', value: '3:wf:1#abc' }]);
      expect(sql.exec('SELECT * FROM runs ORDER BY run_id').toArray()).toEqual([
        { run_id: 'r1', chain_index: 0, workflow_type: 'hello', status: 'completed', start_time: 1, close_time: 2, retain_until: 3, record: '{}', chunks: 0, pending_inline: 0, wake_at: null },
        { run_id: 'r2', chain_index: 1, workflow_type: 'hello', status: 'running', start_time: 4, close_time: null, retain_until: null, record: '{}', chunks: 0, pending_inline: 0, wake_at: 9 },
      ]);
      expect(schemaOf(sql).map((object) => object.name)).not.toContain('deadlines');
      expect(new SqlRunStore(state.storage).earliestDeadline()).toBe(3);
    });
  });

  it('leaves the on-demand tables out of a new object, which is the smaller for it, at the latest version', async () => {
    await runInDurableObject(freshObject(), (_instance, state) => {
      makeSchema(state.storage);
      const sql = state.storage.sql;
      const names = schemaOf(sql).map((object) => object.name);
      for (const table of Object.keys(ON_DEMAND_TABLES)) expect(names).not.toContain(table);
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").one().value).toBe(String(MIGRATIONS.length));
      const freshSize = sql.databaseSize;
      for (const statements of Object.values(ON_DEMAND_TABLES)) sql.exec(statements);
      expect(sql.databaseSize - freshSize).toBeGreaterThanOrEqual(8 * 4096); // four tables and four indexes, a page each
    });
  });

  it('keeps the outbox counting after migration 7, which drops its AUTOINCREMENT counter for a bodiless last row', async () => {
    await runInDurableObject(freshObject(), (_instance, state) => {
      const sql = state.storage.sql;
      dropAll(sql);
      // An object made at version 6 whose outbox has drained: only sqlite_sequence remembers message 2.
      state.storage.transactionSync(() => {
        for (const statements of MIGRATIONS.slice(0, 6)) sql.exec(statements);
        sql.exec(`INSERT INTO meta (key, value) VALUES ('schema_version', '6')`);
        sql.exec(`INSERT INTO visibility_outbox (body) VALUES ('{}'), ('{}')`);
        sql.exec('DELETE FROM visibility_outbox');
      });
      migrate(state.storage, MIGRATIONS);
      expect(sql.exec('SELECT seq, body FROM visibility_outbox').toArray()).toEqual([{ seq: 2, body: null }]);
      sql.exec(`INSERT INTO visibility_outbox (body) VALUES ('{}')`);
      expect(sql.exec('SELECT max(seq) AS seq FROM visibility_outbox').one().seq).toBe(3);
    });
  });
});
