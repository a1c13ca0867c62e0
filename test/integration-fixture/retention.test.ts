// Retention: a closed run keeps a retention deadline, and removing it deletes everything stored for it.
import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SqlRunStore } from '../../durable-objects/sql-run-store';
import { api, start, uniqueId } from './helpers';

const THIRTY_DAYS = 30 * 86_400_000;

describe('retention', () => {
  it('gives a closed run a retention deadline 30 days after its close, and deletes it with its history then', async () => {
    const workflowId = uniqueId('retained');
    const runId = await start('visible', workflowId, { outcome: 'complete' });
    expect((await api(`/v1/workflows/${workflowId}/result?wait=10s`)).status).toBe(200);
    const namespace = (env as unknown as { WORKFLOW_EXECUTION: DurableObjectNamespace }).WORKFLOW_EXECUTION;
    const stub = namespace.get(namespace.idFromName(workflowId));
    await runInDurableObject(stub, async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      const closeTime = (await store.loadState(runId))!.closeTime!;
      expect(store.expiredRuns(closeTime + THIRTY_DAYS - 1)).toEqual([]);
      expect(store.expiredRuns(closeTime + THIRTY_DAYS)).toEqual([runId]);
      expect(store.earliestDeadline()).toBe(closeTime + THIRTY_DAYS);
      expect((await store.readHistory(runId)).length).toBeGreaterThan(0);

      store.deleteRun(runId);
      expect(await store.readHistory(runId)).toEqual([]);
      expect(await store.loadState(runId)).toBeUndefined();
      expect(store.earliestDeadline()).toBeUndefined();
      // `pending` is made on first use: a run that kept its few entries in its record never made it.
      const tables = state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").toArray().map((row) => row.name);
      for (const table of ['history', 'pending', 'runs'].filter((name) => tables.includes(name))) {
        expect(state.storage.sql.exec(`SELECT count(*) AS n FROM ${table} WHERE run_id = ?`, runId).one().n).toBe(0);
      }
    });
  });
});
