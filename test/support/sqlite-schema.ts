// What a Durable Object's SQLite holds of Duro's schema, to compare a schema written at once with the one the
// migrations make (test/integration/schema.test.ts, test/integration-fixture/visibility-schema.test.ts).

/** Duro's tables and indexes (not SQLite's, workerd's or miniflare's), with their columns, in a stable order. */
export function schemaOf(sql: SqlStorage): Array<{ type: string; name: string; table: string; columns: unknown[] }> {
  const objects = sql.exec<{ type: string; name: string; tbl_name: string }>(
    "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '__miniflare%' ORDER BY name",
  ).toArray();
  return objects.map((object) => ({
    type: object.type,
    name: object.name,
    table: object.tbl_name,
    columns: object.type === 'table'
      // A keyed table's primary key is NOT NULL by itself; a rowid table's text key only by Duro never writing NULL.
      ? sql.exec<{ pk: number; notnull: number }>(`PRAGMA table_info("${object.name}")`).toArray().map((column) => ({ ...column, notnull: column.pk ? 1 : column.notnull }))
      : sql.exec(`PRAGMA index_info("${object.name}")`).toArray(),
  }));
}

/** Duro's tables stored WITHOUT ROWID (one row written per row, no second index of a text key). */
export function keyedTables(sql: SqlStorage): string[] {
  return sql.exec<{ name: string; wr: number }>('PRAGMA table_list').toArray().filter((table) => table.wr === 1 && !table.name.startsWith('_cf_')).map((table) => table.name).sort();
}

/** Drops every table of Duro's, so the migrations can run on this storage as on an object made before them. */
export function dropAll(sql: SqlStorage): void {
  for (const { name } of sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '__miniflare%'").toArray()) {
    sql.exec(`DROP TABLE "${name}"`);
  }
}
