// Issue 15: no stored row can brick a workflow id. Bad rows are planted straight into an execution object's SQLite,
// the object is restarted, and the id still answers: described (with the reason), terminated, started again.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe as group, expect, it } from 'vitest';
import { ON_DEMAND_TABLES } from '../../durable-objects/schema';
import { api, post, start, uniqueId, type Description } from './helpers';

const HUNDRED_YEARS = 100 * 365.25 * 86_400_000;

function stubOf(workflowId: string) {
  const namespace = (env as unknown as { WORKFLOW_EXECUTION: DurableObjectNamespace }).WORKFLOW_EXECUTION;
  return namespace.get(namespace.idFromName(workflowId));
}

async function plant(workflowId: string, sql: (storage: DurableObjectStorage) => void): Promise<void> {
  await runInDurableObject(stubOf(workflowId), (_instance, state) => sql(state.storage));
  await abortAllDurableObjects(); // the next request loads the object from these rows
}

async function describeOk(workflowId: string): Promise<Description> {
  const res = await api(`/v1/workflows/${workflowId}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Description;
}

async function terminateThenStartAgain(workflowId: string, oldRunId: string): Promise<void> {
  const terminated = await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'bad row' });
  expect(terminated.status, await terminated.clone().text()).toBeLessThan(300);
  const again = await post('/v1/workflows', { workflowType: 'sleeper', workflowId, input: { duration: '1h' } });
  expect(again.status, await again.clone().text()).toBe(201);
  const runId = ((await again.json()) as { runId: string }).runId;
  expect(runId).not.toBe(oldRunId);
  expect(await describeOk(workflowId)).toMatchObject({ runId, status: 'running' });
}

group('bad rows in an execution object', () => {
  it('an unparsable run record: described as corrupt (not 500), terminated, and the id started again', async () => {
    const workflowId = uniqueId('bad-record');
    const runId = await start('sleeper', workflowId, { duration: '1h' });
    await plant(workflowId, (storage) => storage.sql.exec("UPDATE runs SET record = '{not json' WHERE run_id = ?", runId));

    const described = await describeOk(workflowId);
    expect(described).toMatchObject({ runId, status: 'running', workflowType: 'sleeper', blockedReason: expect.stringContaining('corrupt') });
    expect((await describeOk(workflowId)).workflowId).toBe(workflowId);
    await terminateThenStartAgain(workflowId, runId);
  });

  it('an unparsable pending entry: the same', async () => {
    const workflowId = uniqueId('bad-pending');
    const runId = await start('sleeper', workflowId, { duration: '1h' });
    await plant(workflowId, (storage) => {
      // A run keeps a few pending entries in its record: made one that keeps them in rows, with a bad one among them.
      storage.sql.exec('UPDATE runs SET pending_inline = 0 WHERE run_id = ?', runId);
      storage.sql.exec(ON_DEMAND_TABLES.pending); // a new object makes the table on first use
      const changed = storage.sql.exec("UPDATE pending SET value = '{\"oops' WHERE run_id = ?", runId).rowsWritten;
      if (changed === 0) storage.sql.exec("INSERT INTO pending (run_id, collection, key, value) VALUES (?, 'timers', 'x', '{\"oops')", runId);
    });
    expect(await describeOk(workflowId)).toMatchObject({ runId, blockedReason: expect.stringContaining('corrupt') });
    await terminateThenStartAgain(workflowId, runId);
  });

  it('a start with terminateExisting replaces a run that cannot be loaded', async () => {
    const workflowId = uniqueId('bad-replace');
    const runId = await start('sleeper', workflowId, { duration: '1h' });
    await plant(workflowId, (storage) => storage.sql.exec("UPDATE runs SET record = 'null garbage' WHERE run_id = ?", runId));
    const refused = await post('/v1/workflows', { workflowType: 'sleeper', workflowId, input: { duration: '1h' } });
    expect(refused.status).toBe(409);
    const replaced = await post('/v1/workflows', { workflowType: 'sleeper', workflowId, input: { duration: '1h' }, idConflictPolicy: 'terminateExisting' });
    expect(replaced.status, await replaced.clone().text()).toBe(201);
    expect(await describeOk(workflowId)).toMatchObject({ status: 'running', pendingTimers: [expect.anything()] });
  });

  it('a deadline of 1e20 and one that is no number: the object loads, the alarm is clamped to 100 years at most', async () => {
    const workflowId = uniqueId('bad-deadline');
    const runId = await start('sleeper', workflowId, { duration: '1h' });
    await plant(workflowId, (storage) => {
      storage.sql.exec("UPDATE runs SET wake_at = 1e20, retain_until = 'not a time' WHERE run_id = ?", runId);
    });
    expect(await describeOk(workflowId)).toMatchObject({ runId, status: 'running' });
    const alarm = await runInDurableObject(stubOf(workflowId), (_instance, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(alarm!).toBeLessThanOrEqual(Date.now() + HUNDRED_YEARS);
    await terminateThenStartAgain(workflowId, runId);
  });

  it('a timer stored 1e20 ahead in the run state: the object loads and the alarm is clamped', async () => {
    const workflowId = uniqueId('bad-timer');
    const runId = await start('sleeper', workflowId, { duration: '1h' });
    await plant(workflowId, (storage) => {
      // The run's one timer is kept in its record (a run with few pending entries keeps them there).
      const { record } = storage.sql.exec<{ record: string }>('SELECT record FROM runs WHERE run_id = ?', runId).one();
      const stored = JSON.parse(record) as { inlinePending: { timers: Record<string, { fireAt: number }> } };
      const timers = Object.values(stored.inlinePending.timers);
      expect(timers).toHaveLength(1);
      for (const timer of timers) timer.fireAt = 1e20;
      storage.sql.exec('UPDATE runs SET record = ? WHERE run_id = ?', JSON.stringify(stored), runId);
      storage.sql.exec('UPDATE runs SET wake_at = 1e20 WHERE run_id = ?', runId);
    });
    expect(await describeOk(workflowId)).toMatchObject({ runId, status: 'running' });
    const alarm = await runInDurableObject(stubOf(workflowId), (_instance, state) => state.storage.getAlarm());
    expect(alarm!).toBeLessThanOrEqual(Date.now() + HUNDRED_YEARS);
    await terminateThenStartAgain(workflowId, runId);
  });
});
