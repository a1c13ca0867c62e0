// What Cloudflare bills, counted as the local workerd runs it (issue 22; docs/cost.md): Worker invocations,
// Durable Object requests (each RPC call, fetch and alarm) and the time objects are busy with them, SQLite rows
// read and written, and the objects' database size. Locally every object of the bench Worker lives in one isolate,
// so one set of counters on globalThis sees them all; `/bench/meter/reset` and `/bench/meter/read` bracket a run.

export interface MeterReading {
  workerInvocations: number;
  objectRequests: number;
  /** Wall time objects had at least one request in flight, summed over objects (what duration billing counts). */
  objectActiveMs: number;
  rowsRead: number;
  rowsWritten: number;
  /** The SQLite database size of every metered object (`sql.databaseSize`), summed. */
  storedBytes: number;
  /** Cloudflare Workflows `run()` invocations (each one a billed Workflow invocation). */
  workflowInvocations: number;
  /** `setAlarm()` calls, each billed as a row written. */
  alarmsSet: number;
}

interface MeterState {
  counts: Omit<MeterReading, 'storedBytes'>;
  /** Rows by statement (its first 120 characters), for finding where the rows come from (`--only cost` prints the top). */
  statements: Map<string, { calls: number; rowsRead: number; rowsWritten: number }>;
  /** Each metered object's latest database size, by its SQL handle. */
  sizes: Map<SqlStorage, number>;
}

const KEY = Symbol.for('duro.bench.meter');
const fresh = (): MeterState['counts'] => ({ workerInvocations: 0, objectRequests: 0, objectActiveMs: 0, rowsRead: 0, rowsWritten: 0, workflowInvocations: 0, alarmsSet: 0 });
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= { counts: fresh(), sizes: new Map(), statements: new Map() }) as MeterState;

export const meter = {
  reset(): void {
    state.counts = fresh();
    state.statements = new Map();
  },
  /** The statements that wrote the most rows since the reset. */
  statements(top = 15): Array<{ statement: string; calls: number; rowsRead: number; rowsWritten: number }> {
    return [...state.statements.entries()].map(([statement, counts]) => ({ statement, ...counts })).sort((a, b) => b.rowsWritten - a.rowsWritten || b.rowsRead - a.rowsRead).slice(0, top);
  },
  read(): MeterReading {
    let storedBytes = 0;
    for (const size of state.sizes.values()) storedBytes += size;
    return { ...state.counts, storedBytes };
  },
  workerInvocation(): void {
    state.counts.workerInvocations += 1;
  },
  workflowInvocation(): void {
    state.counts.workflowInvocations += 1;
  },
};

/**
 * Makes `storage.sql` count the rows of every statement (before the object's own code takes it). A cursor's counters
 * grow as it is read, and only the object's own context may touch them (workerd refuses I/O objects across
 * requests), so each object sums its cursors, and notes its database size, on a timer of its own after they ran.
 */
function meterStorage(storage: DurableObjectStorage): void {
  const sql = storage.sql;
  let cursors: Array<[string, SqlStorageCursor<Record<string, SqlStorageValue>>]> = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    for (const [query, cursor] of cursors) {
      state.counts.rowsRead += cursor.rowsRead;
      state.counts.rowsWritten += cursor.rowsWritten;
      const key = query.replace(/\s+/g, ' ').trim().slice(0, 120);
      const counts = state.statements.get(key) ?? { calls: 0, rowsRead: 0, rowsWritten: 0 };
      counts.calls += 1;
      counts.rowsRead += cursor.rowsRead;
      counts.rowsWritten += cursor.rowsWritten;
      state.statements.set(key, counts);
    }
    cursors = [];
    state.sizes.set(sql, sql.databaseSize);
  };
  const metered = new Proxy(sql, {
    get(target, property) {
      if (property === 'exec') {
        return (query: string, ...bindings: unknown[]) => {
          const cursor = target.exec(query, ...bindings);
          // The local runtime's own bookkeeping (the object's name, kept by miniflare): not there when deployed.
          if (query.includes('__miniflare')) return cursor;
          cursors.push([query, cursor]);
          if (!scheduled) {
            scheduled = true;
            setTimeout(flush, 0);
          }
          return cursor;
        };
      }
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  Object.defineProperty(storage, 'sql', { value: metered, configurable: true });
  // Cloudflare bills each setAlarm() as a row written.
  const setAlarm = storage.setAlarm.bind(storage);
  Object.defineProperty(storage, 'setAlarm', { configurable: true, value: (...args: Parameters<typeof setAlarm>) => {
    state.counts.alarmsSet += 1;
    return setAlarm(...args);
  } });
}

/** Whether this dev server counts (`BENCH_METER` set): the bench starts one server per measurement. */
let on = false;

type ObjectClass = abstract new (ctx: DurableObjectState, env: never) => object;

/**
 * The class with every public method (RPC methods, `fetch`, `alarm`) counted as a request, and the time its object
 * has a request in flight summed; its storage metered from the constructor on.
 */
export function metered<C extends ObjectClass>(Base: C): C {
  const names = new Set<string>();
  for (let proto = Base.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const descriptor = Object.getOwnPropertyDescriptor(proto, name);
      if (name !== 'constructor' && typeof descriptor?.value === 'function') names.add(name);
    }
  }
  // @ts-expect-error a mixin over an abstract constructor type: the subclass keeps Base's constructor
  const Metered = class extends Base {
    constructor(ctx: DurableObjectState, env: never) {
      // Only the cost measurement turns the meter on: its proxy and timer would otherwise weigh on the timings.
      if ((env as { BENCH_METER?: string }).BENCH_METER) {
        on = true;
        meterStorage(ctx.storage);
      }
      super(ctx, env);
    }
  };
  for (const name of names) {
    const original = (Base.prototype as Record<string, (...args: unknown[]) => unknown>)[name]!;
    Object.defineProperty(Metered.prototype, name, {
      configurable: true,
      writable: true,
      value: function (this: object, ...args: unknown[]) {
        if (!on) return original.apply(this, args);
        state.counts.objectRequests += 1;
        const done = busy(this);
        try {
          const result = original.apply(this, args);
          if (result instanceof Promise) return result.finally(done);
          done();
          return result;
        } catch (error) {
          done();
          throw error;
        }
      },
    });
  }
  return Metered as unknown as C;
}

/** Requests in flight per object, and since when it has had one. */
const activity = new WeakMap<object, { inFlight: number; activeSince: number }>();

/** Marks the object busy with one more request; the function returned marks that request done. */
function busy(object: object): () => void {
  const slot = activity.get(object) ?? { inFlight: 0, activeSince: 0 };
  activity.set(object, slot);
  if (slot.inFlight++ === 0) slot.activeSince = performance.now();
  return () => {
    if (--slot.inFlight === 0) state.counts.objectActiveMs += performance.now() - slot.activeSince;
  };
}
