// Encryption at rest (docs/payloads.md): with an AES-GCM codec configured, no table of an execution object, a
// Visibility shard or the Scheduler holds a payload in plaintext (read straight from SQLite), while the API shows
// the values decoded; keys rotate (old rows replay under a retired key), and a row that does not open leaves the
// run unloadable with a reason that names the row and the key, never a broken workflow id.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, describe as group, expect, it } from 'vitest';
import { aesGcmCodec } from 'duro/worker';
import { RowCodecs } from '../../src/core/payloads/row-codecs';
import { VisibilityOutbox } from '../../durable-objects/visibility-outbox';
import { probe } from '../fixtures/integration-worker/probe';
import { api, describe, eventually, executionStub, history, historyReaches, post, result, signal, start, uniqueId } from './helpers';

const BULK = 300 * 1024; // over a row's 256 KiB: the activity's input and result are stored in chunks

/** Configures the fixture's codec (keys DURO_KEY_K1, DURO_KEY_K2 from its wrangler.toml) and resets every object. */
async function useKeys(keys: { current: string; ids: string[] } | undefined): Promise<void> {
  probe.set('payloadKeys', keys);
  await abortAllDurableObjects(); // objects read their codecs when they are made
}

afterAll(() => useKeys(undefined));

/** Every `table.column` of an object's SQLite whose value (text, or bytes read as UTF-8) contains `marker`. */
function plaintextIn(storage: DurableObjectStorage, marker: string): string[] {
  const found = new Set<string>();
  const tables = storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").toArray();
  for (const { name } of tables) {
    for (const row of storage.sql.exec<Record<string, SqlStorageValue>>(`SELECT * FROM "${name}"`)) {
      for (const [column, value] of Object.entries(row)) {
        const text = value instanceof ArrayBuffer ? new TextDecoder().decode(value) : String(value);
        if (text.includes(marker)) found.add(`${name}.${column}`);
      }
    }
  }
  return [...found].sort();
}

const countOf = (storage: DurableObjectStorage, table: string) => storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM ${table}`).one().n;

const namespaceOf = (binding: string) => (env as unknown as Record<string, DurableObjectNamespace>)[binding]!;
const shardStubs = () => [0, 1, 2, 3].map((shard) => namespaceOf('VISIBILITY').get(namespaceOf('VISIBILITY').idFromName(`visibility-${shard}`)));
const schedulerStub = () => namespaceOf('SCHEDULER').get(namespaceOf('SCHEDULER').idFromName('schedules'));

/** Starts a secretKeeper, waits until its activity's result is recorded, and has it remember `secret` (an update). */
async function keepSecret(secret: string): Promise<{ workflowId: string; runId: string }> {
  const workflowId = uniqueId('secret');
  const runId = await start('secretKeeper', workflowId, { secret, bulk: BULK });
  await historyReaches(workflowId, 'ActivityTaskCompleted');
  const update = await post(`/v1/workflows/${workflowId}/updates/remember`, { args: [secret] });
  expect(await update.json()).toMatchObject({ outcome: { result: secret } });
  return { workflowId, runId };
}

/** The key id a sealed row was written with: after the pipeline header (`aes-gcm`) and the cipher's version byte. */
function keyIdOf(row: ArrayBuffer): string {
  const bytes = new Uint8Array(row);
  const cipher = bytes.subarray(3 + bytes[2]!); // 0xD5, 1 codec, its id's length and id
  return new TextDecoder().decode(cipher.subarray(2, 2 + cipher[1]!));
}

const keysOfHistory = (workflowId: string, runId: string) =>
  runInDurableObject(executionStub(workflowId), (_instance, state) =>
    state.storage.sql.exec<{ event_id: number; body: SqlStorageValue }>('SELECT event_id, body FROM history WHERE run_id = ? AND body IS NOT NULL ORDER BY event_id', runId).toArray()
      .map((row) => keyIdOf(row.body as ArrayBuffer)));

group('encryption at rest', () => {
  it('without codecs the tables hold payloads in plaintext (what the scans below would find)', async () => {
    await useKeys(undefined);
    const secret = `plain-${crypto.randomUUID()}`;
    const { workflowId } = await keepSecret(secret);
    const found = await runInDurableObject(executionStub(workflowId), (_instance, state) => plaintextIn(state.storage, secret));
    expect(found).toEqual(expect.arrayContaining(['history.body', 'payload_chunks.data', 'pending.value', 'run_logs.line', 'runs.record']));
  });

  it('with an AES-GCM codec no table holds a payload in plaintext, while the API shows them decoded', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const secret = `s3cr3t-${crypto.randomUUID()}`;
    const { workflowId, runId } = await keepSecret(secret);

    await runInDurableObject(executionStub(workflowId), (_instance, state) => {
      expect(plaintextIn(state.storage, secret)).toEqual([]);
      // Not an empty scan: every table that holds payloads has rows, the large ones in chunks.
      for (const table of ['history', 'runs', 'pending', 'payload_chunks', 'run_logs']) expect(countOf(state.storage, table), table).toBeGreaterThan(0);
      const types = state.storage.sql.exec<{ t: string }>("SELECT DISTINCT typeof(body) AS t FROM history WHERE body IS NOT NULL").toArray().map((row) => row.t);
      expect(types).toEqual(['blob']);
    });

    // The API decodes: history, logs, the description's memo, the list (filtered on the plaintext search index).
    expect(JSON.stringify(await history(workflowId))).toContain(secret);
    expect(await (await api(`/v1/workflows/${workflowId}/logs`)).text()).toContain(secret);
    expect((await describe(workflowId)) as unknown).toMatchObject({ memo: { note: secret } });
    const listed = await eventually(async () => {
      const res = await api(`/v1/workflows?search.stage=${secret}`);
      const body = (await res.json()) as { executions: Array<{ runId: string; memo: Record<string, unknown> }> };
      return body.executions.find((execution) => execution.runId === runId);
    }, 5_000, 'the run listed');
    expect(listed.memo).toEqual({ note: secret });

    // A batch whose spec carries the secret (signal args): the spec is sealed too.
    const batch = (await (await post('/v1/batch/signal', { search: { stage: secret }, signalName: 'tell', args: [secret] })).json()) as { batchId: string };
    await eventually(async () => ((await (await api(`/v1/batch/${batch.batchId}`)).json()) as { status: string }).status === 'completed', 10_000, 'the batch');
    expect(await result(workflowId)).toMatchObject({ status: 200, body: { status: 'completed', result: { echoed: secret.length + BULK, told: [secret] } } });

    // Visibility: only the search index holds the value, as documented (lists filter on it).
    await eventually(async () => {
      const res = await api(`/v1/workflows?search.stage=${secret}&status=completed`);
      return ((await res.json()) as { executions: unknown[] }).executions.length === 1;
    }, 5_000, 'the close indexed');
    const inShards = (await Promise.all(shardStubs().map((stub) => runInDurableObject(stub, (_instance, state) => plaintextIn(state.storage, secret))))).flat();
    expect([...new Set(inShards)]).toEqual(['search_index.value']);
  });

  it('seals Visibility outbox rows and opens them on the way to the shard', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const secret = `outbox-${crypto.randomUUID()}`;
    const workflowId = uniqueId('outbox');
    const runId = crypto.randomUUID();
    const codecs = new RowCodecs([aesGcmCodec({ current: 'k1', keys: { k1: (env as unknown as Record<string, string>).DURO_KEY_K1! } })]);
    await runInDurableObject(executionStub(workflowId), async (_instance, state) => {
      const outbox = new VisibilityOutbox(state.storage, codecs);
      const execution = { workflowId, runId, workflowType: 'secretKeeper', status: 'completed' as const, startTime: Date.now(), closeTime: Date.now(), memo: { note: secret }, searchAttributes: {} };
      const rows = await outbox.seal(workflowId, [{ kind: 'upsert', execution }]);
      state.storage.transactionSync(() => outbox.enqueue(workflowId, rows, 4));
      expect(countOf(state.storage, 'visibility_outbox')).toBe(1);
      expect(plaintextIn(state.storage, secret)).toEqual([]);
      await outbox.flush({ namespace: namespaceOf('VISIBILITY'), shards: 4 });
      expect(outbox.hasPending()).toBe(false);
    });
    const res = await api(`/v1/workflows?workflowType=secretKeeper&status=completed&pageSize=1000`);
    expect(((await res.json()) as { executions: Array<{ runId: string; memo: unknown }> }).executions.find((e) => e.runId === runId)?.memo).toEqual({ note: secret });
  });

  it('seals a schedule, whose action input the API shows decoded', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const secret = `schedule-${crypto.randomUUID()}`;
    const scheduleId = uniqueId('sealed-schedule');
    const created = await post('/v1/schedules', { scheduleId, every: '1h', workflowType: 'visible', input: { note: secret }, paused: true });
    expect(created.status, await created.clone().text()).toBe(201);
    expect(await runInDurableObject(schedulerStub(), (_instance, state) => plaintextIn(state.storage, secret))).toEqual([]);
    expect(await (await api(`/v1/schedules/${scheduleId}`)).text()).toContain(secret);
    expect((await api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('answers a schedule sealed with a key no longer configured with payload-unreadable, lists it as unreadable, and still removes it', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const scheduleId = uniqueId('lost-key-schedule');
    expect((await post('/v1/schedules', { scheduleId, every: '1h', workflowType: 'visible', input: { note: 'x' }, paused: true })).status).toBe(201);
    await useKeys({ current: 'k2', ids: ['k2'] });
    const described = await api(`/v1/schedules/${scheduleId}`);
    expect(described.status).toBe(500);
    expect(await described.json()).toMatchObject({ type: 'duro:payload-unreadable', detail: expect.stringContaining(`Schedule ${scheduleId} cannot be read: Row s/${scheduleId} is sealed with key 'k1'`) });
    for (const action of ['pause', 'unpause', 'trigger']) {
      const reply = await post(`/v1/schedules/${scheduleId}/${action}`, {});
      expect({ action, status: reply.status, type: ((await reply.json()) as { type: string }).type }).toEqual({ action, status: 500, type: 'duro:payload-unreadable' });
    }
    const again = await post('/v1/schedules', { scheduleId, every: '1h', workflowType: 'visible', paused: true });
    expect(again.status).toBe(409); // it exists, readable or not
    const listed = (await (await api('/v1/schedules')).json()) as { schedules: Array<{ scheduleId: string }>; unreadable?: Array<{ scheduleId: string; reason: string }> };
    expect(listed.schedules.map((schedule) => schedule.scheduleId)).not.toContain(scheduleId);
    expect(listed.unreadable).toContainEqual({ scheduleId, reason: expect.stringContaining("sealed with key 'k1'") });
    expect((await api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/v1/schedules/${scheduleId}`)).status).toBe(404);
    expect(((await (await api('/v1/schedules')).json()) as { unreadable?: unknown[] }).unreadable ?? []).not.toContainEqual(expect.objectContaining({ scheduleId }));
  });

  it('rotates keys: a history written under k1 replays after k2 becomes current, and new rows are under k2', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const secret = `rotate-${crypto.randomUUID()}`;
    const { workflowId, runId } = await keepSecret(secret);
    const before = await keysOfHistory(workflowId, runId);
    expect(new Set(before)).toEqual(new Set(['k1']));

    await useKeys({ current: 'k2', ids: ['k2', 'k1'] }); // k1 retired: reads only
    expect((await signal(workflowId, 'tell', [secret])).status).toBeLessThan(300);
    expect(await result(workflowId)).toMatchObject({ status: 200, body: { status: 'completed', result: { told: [secret] } } });
    const after = await keysOfHistory(workflowId, runId);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.length).toBeGreaterThan(before.length);
    expect(new Set(after.slice(before.length))).toEqual(new Set(['k2']));
    const recordKey = await runInDurableObject(executionStub(workflowId), (_instance, state) =>
      keyIdOf(state.storage.sql.exec<{ record: ArrayBuffer }>('SELECT record FROM runs WHERE run_id = ?', runId).one().record));
    expect(recordKey).toBe('k2');

    // With k1 removed, the closed run still describes (its record is under k2); its history, partly under k1, is refused clearly.
    await useKeys({ current: 'k2', ids: ['k2'] });
    expect(await describe(workflowId)).toMatchObject({ runId, status: 'completed' });
    const refused = await api(`/v1/workflows/${workflowId}/history`);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(await refused.json()).toMatchObject({ type: 'duro:payload-unreadable', status: 500, detail: expect.stringMatching(new RegExp(`Row h/${runId}/1 is sealed with key 'k1', which is not configured`)) });
  });

  it('with the old key removed, a run written under it is unloadable with a reason naming the key, and the id still answers', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const { workflowId, runId } = await keepSecret(`removed-${crypto.randomUUID()}`);
    await useKeys({ current: 'k2', ids: ['k2'] });

    const described = await describe(workflowId);
    expect(described).toMatchObject({ runId, status: 'running' });
    expect(described.blockedReason).toMatch(new RegExp(`its stored state cannot be opened: Row r/${runId} is sealed with key 'k1', which is not configured.*\\(payload codec 'aes-gcm'\\)`));
    // Every call on the run answers the row that does not open, never "not found" (the run exists, and loads again
    // once the key is back): the result, a query, messages, and the same with the run named.
    const unreadable = { type: 'duro:payload-unreadable', status: 500, detail: expect.stringMatching(new RegExp(`^Run ${runId} cannot be loaded: its stored state cannot be opened: Row r/${runId} is sealed with key 'k1', which is not configured`)) };
    const calls: Array<[string, () => Promise<Response>]> = [
      ['result', () => api(`/v1/workflows/${workflowId}/result`)],
      ['result of the run', () => api(`/v1/workflows/${workflowId}/result?runId=${runId}`)],
      ['query', () => post(`/v1/workflows/${workflowId}/queries/anything`, { args: [] })],
      ['signal', () => signal(workflowId, 'tell', ['x'])],
      ['update', () => post(`/v1/workflows/${workflowId}/updates/remember`, { args: ['x'] })],
      ['cancel', () => post(`/v1/workflows/${workflowId}/cancel`, {})],
      ['pause', () => post(`/v1/workflows/${workflowId}/pause`, {})],
      ['unpause', () => post(`/v1/workflows/${workflowId}/unpause`, {})],
      ['signal-with-start', () => post('/v1/workflows/signal-with-start', { workflowType: 'secretKeeper', workflowId, input: { secret: 'x', bulk: 0 }, signalName: 'tell', signalArgs: ['x'] })],
    ];
    for (const [what, call] of calls) {
      const refused = await call();
      expect(refused.headers.get('content-type'), what).toContain('application/problem+json');
      expect(await refused.json(), what).toMatchObject(unreadable);
    }
    // The same in a fresh instance, where nothing has tried to load the run before the request.
    await abortAllDurableObjects();
    expect(await (await api(`/v1/workflows/${workflowId}/result`)).json()).toMatchObject(unreadable);

    // Terminate deletes it (nothing can be recorded in its history), and the id starts again.
    await abortAllDurableObjects();
    const terminated = await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'key removed' });
    expect(terminated.status, await terminated.clone().text()).toBeLessThan(300);
    expect((await api(`/v1/workflows/${workflowId}/result`)).status).toBe(404);
    const again = await start('secretKeeper', workflowId, { secret: 'new', bulk: 0 });
    expect(again).not.toBe(runId);
    expect(await describe(workflowId)).toMatchObject({ runId: again, status: 'running' });
  });

  it('a Visibility record that does not open is listed by its plaintext columns, and does not hide the others', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const old = await keepSecret(`listed-k1-${crypto.randomUUID()}`);
    await eventually(async () => {
      const res = await api(`/v1/workflows?workflowType=secretKeeper&pageSize=1000`);
      return ((await res.json()) as { executions: Array<{ runId: string }> }).executions.some((execution) => execution.runId === old.runId);
    }, 5_000, 'the k1 run listed');
    await useKeys({ current: 'k2', ids: ['k2'] });
    const secret = `listed-k2-${crypto.randomUUID()}`;
    const fresh = await keepSecret(secret);

    const listed = await eventually(async () => {
      const res = await api(`/v1/workflows?workflowType=secretKeeper&pageSize=1000`);
      expect(res.status, await res.clone().text()).toBe(200);
      const { executions } = (await res.json()) as { executions: Array<Record<string, unknown>> };
      return executions.some((execution) => execution.runId === fresh.runId) ? executions : undefined;
    }, 5_000, 'the k2 run listed');
    expect(listed.find((execution) => execution.runId === fresh.runId)).toMatchObject({ memo: { note: secret } });
    expect(listed.find((execution) => execution.runId === old.runId)).toEqual({
      workflowId: old.workflowId, runId: old.runId, workflowType: 'secretKeeper', status: 'running', startTime: expect.any(Number),
      memo: { unreadable: expect.stringMatching(new RegExp(`^Row e/${old.runId} is sealed with key 'k1', which is not configured`)) }, searchAttributes: {},
    });
    const count = await api(`/v1/workflows/count?workflowType=secretKeeper`);
    expect(count.status, await count.clone().text()).toBe(200);
  });

  it('a sealed row changed or moved to another run: unloadable with the reason, not a crash', async () => {
    await useKeys({ current: 'k1', ids: ['k1'] });
    const changed = await keepSecret(`changed-${crypto.randomUUID()}`);
    await runInDurableObject(executionStub(changed.workflowId), (_instance, state) => {
      const record = new Uint8Array(state.storage.sql.exec<{ record: ArrayBuffer }>('SELECT record FROM runs WHERE run_id = ?', changed.runId).one().record);
      record[record.length - 1]! ^= 1;
      state.storage.sql.exec('UPDATE runs SET record = ? WHERE run_id = ?', record.buffer, changed.runId);
    });
    // Moved: the run record of a second run of the same id, put in place of the first's.
    const moved = await keepSecret(`moved-${crypto.randomUUID()}`);
    expect((await post(`/v1/workflows/${moved.workflowId}/terminate`, { reason: 'make room' })).status).toBeLessThan(300);
    const second = await start('secretKeeper', moved.workflowId, { secret: 'second', bulk: 0 });
    await runInDurableObject(executionStub(moved.workflowId), (_instance, state) => {
      const { record } = state.storage.sql.exec<{ record: ArrayBuffer }>('SELECT record FROM runs WHERE run_id = ?', moved.runId).one();
      state.storage.sql.exec('UPDATE runs SET record = ? WHERE run_id = ?', record, second);
    });
    await abortAllDurableObjects();

    expect((await describe(changed.workflowId)).blockedReason).toMatch(new RegExp(`Row r/${changed.runId} does not open with key 'k1': it was changed, or moved`));
    expect((await describe(moved.workflowId)).blockedReason).toMatch(new RegExp(`Row r/${second} does not open with key 'k1': it was changed, or moved`));
    expect((await post(`/v1/workflows/${changed.workflowId}/terminate`, { reason: 'tampered' })).status).toBeLessThan(300);
  });
});
