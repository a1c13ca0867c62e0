// A new Visibility shard writes its schema in one step (durable-objects/schema.ts, FRESH_VISIBILITY_SCHEMA) with
// `meta` and `executions` keyed by their text keys alone; a shard made by the migrations keeps its rowid tables.
// Both must hold the same columns and indexes, answer alike, and the new one writes a row fewer per upsert.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { migrate, VISIBILITY_MIGRATIONS } from '../../durable-objects/schema';
import { VisibilityStore } from '../../durable-objects/visibility-store';
import type { ExecutionRecord, SequencedMessage } from '../../src/visibility/record';
import { dropAll, keyedTables, schemaOf } from '../support/sqlite-schema';
import { uniqueId } from './helpers';

function freshShard() {
  const namespace = env.VISIBILITY as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(uniqueId('schema-shard')));
}

/** Makes this storage a shard of the old layout: every table dropped, then the migrations run from the first. */
function migratedFromTheFirst(storage: DurableObjectStorage): void {
  dropAll(storage.sql);
  expect(migrate(storage, VISIBILITY_MIGRATIONS)).toEqual({ from: 0, to: VISIBILITY_MIGRATIONS.length });
}

const record = (runId: string, status: string): ExecutionRecord => ({
  workflowId: `wf-${runId}`, runId, workflowType: 'probe', status, startTime: 1_000, ...(status !== 'running' && { closeTime: 3_500 }), memo: {}, searchAttributes: { tag: runId },
}) as ExecutionRecord;
const deliveries = (): SequencedMessage[] => [
  { kind: 'upsert', execution: record('r1', 'running'), seq: 1 },
  { kind: 'upsert', execution: record('r2', 'completed'), seq: 2 },
  { kind: 'upsert', execution: record('r1', 'failed'), seq: 3 },
  { kind: 'remove', workflowId: 'wf-r2', runId: 'r2', seq: 4 },
  { kind: 'upsert', execution: record('r3', 'running'), seq: 5 },
] as SequencedMessage[];

async function appliedOn(storage: DurableObjectStorage) {
  const store = new VisibilityStore(storage);
  for (const message of deliveries()) await store.apply('sender', [message]);
  return {
    listed: (await store.list({}, undefined, 10)).map((execution) => [execution.runId, execution.status]),
    failed: (await store.list({ statuses: ['failed'] }, undefined, 10)).map((execution) => execution.runId),
    counts: store.countByStatus({}),
  };
}

/** Rows written by a delivery's upsert of a new run, on the `executions` table and its indexes. */
function rowsOfANewRunsUpsert(sql: SqlStorage): number {
  return sql.exec(
    'INSERT INTO executions (run_id, workflow_id, workflow_type, status, start_time, close_time, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
    'counted', 'wf-counted', 'probe', 'running', 1, null, '{}',
  ).rowsWritten;
}

describe("a Visibility shard's schema", () => {
  it('is written at once by a new shard, keyed, with the columns and indexes the migrations make', async () => {
    const fresh = await runInDurableObject(freshShard(), (_instance, state) => ({ schema: schemaOf(state.storage.sql), keyed: keyedTables(state.storage.sql), rows: rowsOfANewRunsUpsert(state.storage.sql) }));
    const migrated = await runInDurableObject(freshShard(), (_instance, state) => {
      migratedFromTheFirst(state.storage);
      return { schema: schemaOf(state.storage.sql), keyed: keyedTables(state.storage.sql), rows: rowsOfANewRunsUpsert(state.storage.sql) };
    });
    expect(fresh.schema).toEqual(migrated.schema);
    expect(fresh.keyed).toEqual([...migrated.keyed, 'executions', 'meta'].sort());
    // The row and its three indexes; a rowid table with a text key keeps a fourth B-tree of that key.
    expect(fresh.rows).toBe(4);
    expect(migrated.rows).toBe(5);
  });

  it('answers list and count alike in a new shard and in one the migrations made', async () => {
    const fresh = await runInDurableObject(freshShard(), (_instance, state) => appliedOn(state.storage));
    const migrated = await runInDurableObject(freshShard(), (_instance, state) => {
      migratedFromTheFirst(state.storage);
      return appliedOn(state.storage);
    });
    expect(fresh).toEqual(migrated);
    expect(fresh.listed).toEqual([['r3', 'running'], ['r1', 'failed']]);
    expect(fresh.failed).toEqual(['r1']);
  });
});
