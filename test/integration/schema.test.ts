// A new execution object is made from one fresh schema (durable-objects/schema.ts) without the tables most runs never
// use, which the store makes on first use; an older object got them from the migrations. Both must end up alike, and
// a new object must be smaller for it (docs/cost.md).
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS, ON_DEMAND_TABLES } from '../../durable-objects/schema';

function freshObject() {
  const namespace = env.WORKFLOW_EXECUTION as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(`schema-${crypto.randomUUID()}`));
}

/** Every table and index of Duro's (not SQLite's, workerd's or miniflare's), with its columns, in a stable order. */
function schemaOf(sql: SqlStorage): Array<{ type: string; name: string; table: string; columns: unknown[] }> {
  const objects = sql.exec<{ type: string; name: string; tbl_name: string }>(
    "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '__miniflare%' ORDER BY name",
  ).toArray();
  return objects.map((object) => ({
    type: object.type,
    name: object.name,
    table: object.tbl_name,
    columns: object.type === 'table'
      ? sql.exec(`PRAGMA table_info("${object.name}")`).toArray()
      : sql.exec(`PRAGMA index_info("${object.name}")`).toArray(),
  }));
}

/** Drops every table of Duro's, so the migrations can run on this storage as on an object made before them. */
function dropAll(sql: SqlStorage): void {
  for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '__miniflare%'").toArray()) {
    sql.exec(`DROP TABLE "${name}"`);
  }
}

describe('the execution object\'s schema', () => {
  it('is, once the on-demand tables are made, what the migrations make', async () => {
    const fresh = await runInDurableObject(freshObject(), (_instance, state) => {
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

  it('leaves the on-demand tables out of a new object, which is the smaller for it, at the latest version', async () => {
    await runInDurableObject(freshObject(), (_instance, state) => {
      const sql = state.storage.sql;
      const names = schemaOf(sql).map((object) => object.name);
      for (const table of Object.keys(ON_DEMAND_TABLES)) expect(names).not.toContain(table);
      expect(sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").one().value).toBe(String(MIGRATIONS.length));
      const freshSize = sql.databaseSize;
      for (const statements of Object.values(ON_DEMAND_TABLES)) sql.exec(statements);
      expect(sql.databaseSize - freshSize).toBeGreaterThanOrEqual(8 * 4096); // four tables and four indexes, a page each
    });
  });
});
