// The WorkflowExecution class of the bench Worker: Duro's own, plus three methods the replay measurement needs
// (evict the object, read its history rows raw, time a query). Timing inside the object keeps RPC out of the figure.
import type { DuroDurableObjectClass } from 'duro/worker';
import type { createWorkflowExecutionClass } from '../../durable-objects/workflow-execution';

/** The class createDuro builds, with its RPC methods: the public type names only its constructor. */
type WorkflowExecutionClass = ReturnType<typeof createWorkflowExecutionClass>;

export function withBenchMethods(PublicBase: DuroDurableObjectClass) {
  const Base = PublicBase as WorkflowExecutionClass;
  return class BenchWorkflowExecution extends Base {
    constructor(ctx: DurableObjectState, env: Record<string, unknown>) {
      // `--no-visibility` (bench/run.mjs): the same engine with no Visibility binding, to measure what reporting costs.
      super(ctx, env.BENCH_NO_VISIBILITY ? { ...env, VISIBILITY: undefined } : env);
    }

    /** Resets the object as an eviction would: the next request gets a fresh instance that must replay. */
    benchEvict(): void {
      this.ctx.abort('bench: evicted on purpose');
    }

    /** Answers once the constructor (migrations, loading run records, no replay) is done. */
    benchPing(): boolean {
      return true;
    }

    /** The floor of a replay: SELECT every history row of the object and JSON.parse it, nothing else; `rows` counts events. */
    benchRawRead(): { ms: number; rows: number; bytes: number } {
      const startedAt = performance.now();
      let rows = 0;
      let bytes = 0;
      for (const row of this.ctx.storage.sql.exec<{ body: string | null }>('SELECT body FROM history ORDER BY run_id, event_id')) {
        if (row.body === null) continue;
        const parsed: unknown = JSON.parse(row.body);
        rows += Array.isArray(parsed) ? parsed.length : 1; // a row may hold several events (durable-objects/history-rows.ts)
        bytes += row.body.length;
      }
      return { ms: performance.now() - startedAt, rows, bytes };
    }

    /** A query timed inside the object: after an eviction it includes reading and replaying the history. */
    async benchTimedQuery(name: string): Promise<{ ms: number; result: unknown }> {
      const startedAt = performance.now();
      const reply = await this.query({ name, args: [] });
      const ms = performance.now() - startedAt;
      if (!reply.ok) throw new Error(`query ${name} failed: ${reply.problem.detail}`);
      return { ms, result: reply.value.result };
    }
  };
}
