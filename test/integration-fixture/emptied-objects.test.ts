// An execution object whose last run retention deleted, and which owes nothing, deletes its whole database and its
// alarm (decision 025): nothing of the workflow id stays stored for good. A later start of the id works as on a new
// object, in the same instance or a new one, and is indexed under a new Visibility sender.
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { api, eventually, executionStub, post, result, uniqueId } from './helpers';

async function startTagged(workflowId: string, suite: string, outcome: 'complete' | 'wait'): Promise<string> {
  const res = await post('/v1/workflows', { workflowType: 'visible', workflowId, input: { outcome }, searchAttributes: { suite } });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { runId: string }).runId;
}

async function indexedCount(suite: string): Promise<number> {
  const res = await api(`/v1/workflows/count?search.suite=${suite}`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { count: number }).count;
}

/** Ends the retention of the runs given (all, by default), then runs the object's alarm once, as the platform would. */
async function retentionEnds(workflowId: string, runIds?: string[]): Promise<void> {
  await runInDurableObject(executionStub(workflowId), async (_instance, state) => {
    if (runIds) for (const runId of runIds) state.storage.sql.exec('UPDATE runs SET retain_until = ? WHERE run_id = ?', Date.now() - 1, runId);
    else state.storage.sql.exec('UPDATE runs SET retain_until = ? WHERE retain_until IS NOT NULL', Date.now() - 1);
    await state.storage.setAlarm(Date.now() + 3_600_000); // run by the test alone
  });
  await abortAllDurableObjects();
  expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true);
}

/** What the object stores: its tables (none once emptied), its alarm and its database's size. */
function storedBy(workflowId: string) {
  return runInDurableObject(executionStub(workflowId), async (_instance, state) => ({
    tables: state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name").toArray().map((row) => row.name),
    alarm: await state.storage.getAlarm(),
    bytes: state.storage.sql.databaseSize,
  }));
}

describe('an object whose last run retention deleted', () => {
  it('deletes its database and alarm once the removal reached the index, and starts the id again as a new object', async () => {
    const suite = uniqueId('emptied');
    const workflowId = uniqueId('emptied-wf');
    await startTagged(workflowId, suite, 'complete');
    await eventually(async () => (await indexedCount(suite)) === 1, 10_000, 'the run indexed');
    const before = await storedBy(workflowId);
    expect(before.tables).toEqual(expect.arrayContaining(['history', 'meta', 'runs', 'visibility_outbox']));

    await retentionEnds(workflowId);
    await eventually(async () => (await indexedCount(suite)) === 0, 10_000, 'the run gone from the index');
    const after = await eventually(async () => {
      const stored = await storedBy(workflowId);
      return stored.tables.length === 0 ? stored : undefined;
    }, 10_000, 'the database emptied');
    expect(after.alarm).toBeNull();
    expect(after.bytes).toBeLessThan(before.bytes);

    // The same instance (no reset since it emptied itself) runs the id again: its run is indexed, and the alarm is
    // set for its retention.
    await runInDurableObject(executionStub(workflowId), (instance) => {
      (instance as unknown as { marker?: string }).marker = 'the emptied instance';
    });
    await startTagged(workflowId, suite, 'complete');
    expect((await result(workflowId)).status).toBe(200);
    await eventually(async () => (await indexedCount(suite)) === 1, 10_000, 'the new run indexed');
    const again = await runInDurableObject(executionStub(workflowId), async (instance, state) => ({
      marker: (instance as unknown as { marker?: string }).marker,
      alarm: await state.storage.getAlarm(),
    }));
    expect(again.marker).toBe('the emptied instance');
    expect(again.alarm).not.toBeNull();
    // And a new instance reads it back.
    await abortAllDurableObjects();
    expect((await result(workflowId)).status).toBe(200);
  }, 40_000);

  it('empties itself once loaded again when the instance that deleted the run went away first', async () => {
    const workflowId = uniqueId('left-wf');
    const suite = uniqueId('left');
    await startTagged(workflowId, suite, 'complete');
    expect((await result(workflowId)).status).toBe(200);
    await eventually(async () => (await indexedCount(suite)) === 1, 10_000, 'the run indexed');
    // What an instance leaves when it goes away right after retention deleted the run: no run, the rest still there.
    await runInDurableObject(executionStub(workflowId), (_instance, state) => {
      for (const table of ['history', 'runs']) state.storage.sql.exec(`DELETE FROM ${table}`);
    });
    await abortAllDurableObjects();
    expect((await api(`/v1/workflows/${workflowId}`)).status).toBe(404); // any request loads it
    await eventually(async () => (await storedBy(workflowId)).tables.length === 0, 10_000, 'the database emptied');
  }, 40_000);

  it('keeps everything while another run of the id remains', async () => {
    const suite = uniqueId('kept');
    const workflowId = uniqueId('kept-wf');
    const first = await startTagged(workflowId, suite, 'complete');
    expect((await result(workflowId)).status).toBe(200);
    await startTagged(workflowId, suite, 'wait');
    await eventually(async () => (await indexedCount(suite)) === 2, 10_000, 'both runs indexed');

    await retentionEnds(workflowId, [first]);
    await eventually(async () => (await indexedCount(suite)) === 1, 10_000, 'the first run gone from the index');
    const stored = await storedBy(workflowId);
    expect(stored.tables).toEqual(expect.arrayContaining(['history', 'meta', 'runs', 'visibility_outbox']));
    expect((await api(`/v1/workflows/${workflowId}`)).status).toBe(200);
  }, 40_000);
});
