// The floors: a bare SQLite-backed Durable Object doing what one workflow step must at least do — two inserts
// (an event row and a state row) — chained three ways (DESIGN §3 "one commit per activation").
import { DurableObject, WorkerEntrypoint } from 'cloudflare:workers';

export type FloorMode = 'macrotask' | 'microtask' | 'fetch' | 'fetch-durable' | 'rpc-durable';

/** The other end of the RPC floor: an entrypoint of this Worker answering at once, as `/bench/echo` does a fetch. */
export class BenchEcho extends WorkerEntrypoint {
  echo(body: unknown): { ok: true; body: unknown } {
    return { ok: true, body };
  }
}

interface FloorEnv {
  DURO_SELF: Fetcher;
}

/** About the size of a Duro history row of a step (a marker with a small result). */
const ROW = JSON.stringify({ type: 'MarkerRecorded', markerName: 'LocalActivity', seq: 0, data: { activityType: 'benchStep', attempt: 1, outcome: { result: { i: 0 } } } });

export class BenchFloor extends DurableObject<FloorEnv> {
  /**
   * n steps of two inserts each. `macrotask`: a setTimeout(0) between steps, so every step ends the implicit
   * transaction (a commit and an fsync each). `microtask`: steps chained through promises only (one commit).
   * `fetch`: one fetch to this Worker through the service binding per step (what a remote activity costs at least).
   * `fetch-durable`: the fetch, then one insert made durable (`sync()`) before the next step: a step recorded as done
   * before anything else happens, which every durable engine must do at least (issue 22's floor for remote steps).
   * `rpc-durable`: the same with a Workers RPC call to an entrypoint of this Worker (`ctx.exports`) instead of the fetch:
   * the floor of the transport 'self' activities use when the Worker exports Duro's entrypoint (decision 027).
   */
  async steps(mode: FloorMode, n: number): Promise<{ ms: number; steps: number }> {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    await this.ctx.storage.sync();
    const startedAt = Date.now();
    for (let i = 0; i < n; i++) {
      if (mode === 'fetch' || mode === 'fetch-durable') {
        const response = await this.env.DURO_SELF.fetch('https://bench.internal/bench/echo', { method: 'POST', body: JSON.stringify({ i }) });
        await response.arrayBuffer();
      }
      if (mode === 'rpc-durable') await (this.ctx as unknown as { exports: { BenchEcho: { echo(body: unknown): Promise<unknown> } } }).exports.BenchEcho.echo({ i });
      if (mode === 'fetch-durable' || mode === 'rpc-durable') {
        sql.exec('INSERT INTO events (body) VALUES (?)', ROW);
        await this.ctx.storage.sync();
        continue;
      }
      sql.exec('INSERT INTO events (body) VALUES (?)', ROW);
      sql.exec('INSERT OR REPLACE INTO state (k, v) VALUES (?, ?)', 'run', `{"steps":${i + 1}}`);
      if (mode === 'macrotask') await new Promise((resolve) => setTimeout(resolve, 0));
      else await Promise.resolve();
    }
    await this.ctx.storage.sync(); // durable, as a workflow step is before anything leaves
    return { ms: Date.now() - startedAt, steps: n };
  }

  /** What a start must at least do: a new object with a table, one row written and made durable. */
  async start(id: string): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)');
    sql.exec('INSERT INTO events (body) VALUES (?)', JSON.stringify({ type: 'WorkflowExecutionStarted', workflowId: id }));
    await this.ctx.storage.sync();
    return true;
  }

  /** Whether Date.now() moves during pure CPU work here (it does not in deployed Workers until I/O). */
  async clock(): Promise<{ busyMs: number; observedMs: number }> {
    const startedAt = Date.now();
    const perfStart = performance.now();
    let x = 0;
    while (performance.now() - perfStart < 20 && x < 1e9) x++;
    return { busyMs: performance.now() - perfStart, observedMs: Date.now() - startedAt };
  }
}
