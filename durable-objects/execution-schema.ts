// Whether an execution object's tables exist yet. A new object (one per workflow id: most objects) writes nothing
// until its first write, whose transaction makes the schema too: a start is made durable once, not twice (schema,
// then the first commit), and an object that is only read (a describe of an id that never ran) stays empty, with no
// database to bill. Readers ask `made` first: an object without tables holds nothing.
import { FRESH_EXECUTION_SCHEMA, migrate, MIGRATIONS, storedSchemaVersion, writeFreshSchema } from './schema';

export class ExecutionSchema {
  readonly #storage: DurableObjectStorage;
  #made: boolean;

  private constructor(storage: DurableObjectStorage, made: boolean) {
    this.#storage = storage;
    this.#made = made;
  }

  /**
   * The schema of the object behind `storage`: an older one is migrated now (synchronously, before anything reads);
   * a new one's waits for {@link ensure}. `isNew`: nothing was stored before.
   */
  static open(storage: DurableObjectStorage): { schema: ExecutionSchema; isNew: boolean } {
    const from = storedSchemaVersion(storage.sql);
    if (from !== 0 && from !== MIGRATIONS.length) migrate(storage, MIGRATIONS); // throws for a schema newer than this code
    return { schema: new ExecutionSchema(storage, from > 0), isNew: from === 0 };
  }

  /**
   * Whether the tables exist: without them, every read finds nothing. Known without a query: the object's code is the
   * only writer of its storage, and makes them only through {@link ensure} (one instance per object, shared by every
   * reader and writer of it).
   */
  get made(): boolean {
    return this.#made;
  }

  /**
   * Makes the tables if they do not exist yet, inside the caller's transaction: call it first in every outermost
   * transaction that writes, and {@link reread} when such a transaction throws (its rollback takes the tables too).
   */
  ensure(): void {
    if (this.made) return;
    writeFreshSchema(this.#storage.sql, FRESH_EXECUTION_SCHEMA, MIGRATIONS.length);
    this.#made = true;
  }

  /** After a rolled-back transaction: whether the tables exist is read again. */
  reread(): void {
    this.#made = storedSchemaVersion(this.#storage.sql) > 0;
  }
}
