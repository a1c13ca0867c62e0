// Small helpers for the plain-data records the engine stores.

/** Drops undefined fields, so recorded JSON stays minimal and stable. */
export function definedFields<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) result[key] = value;
  return result as { [K in keyof T]?: Exclude<T[K], undefined> };
}

/** `record` with `changes` set on it, a key whose change is `null` removed: how search attributes and memos are upserted. */
export function upserted<V>(record: Readonly<Record<string, V>>, changes: Readonly<Record<string, V | null>>): Record<string, V> {
  const result: Record<string, V> = { ...record };
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete result[key];
    else result[key] = value;
  }
  return result;
}
