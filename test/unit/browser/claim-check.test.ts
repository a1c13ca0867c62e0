// The claim check in the browser host (docs/browser.md, "Large payloads"), on fake-indexeddb: with `payloads.blobs`, an
// event row over the threshold goes to the blob database (`<dbName>-blobs`) before the commit that keeps its
// reference in the row's place. Workflow code sees the value, live and on replay; a blob lost behind Duro's back
// blocks the run until it is back; a put whose commit never happened leaves no reference and is deleted later; a
// deleted run takes its blobs with it.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineQuery, defineWorkflow } from 'duro/workflow';
import { aesGcmCodec, createBrowserDuro, IndexedDbBlobStore, type BrowserDuro, type BrowserDuroOptions, type PayloadBlobStore } from 'duro/browser';
import { ORPHAN_GRACE_MS } from '../../../src/core/payloads/blob-orphans';
import { Limits } from '../../../src/core/limits';
import type { IdbDatabase } from '../../../src/browser/indexeddb-types';
import { key, SECRET, tell } from '../../support/codec-keys';

const MiB = 1024 * 1024;

/** `size` characters that start with the marker the plaintext checks look for. */
const pattern = (size: number) => `${SECRET}-abcdefg`.repeat(Math.ceil(size / 27)).slice(0, size);

const activities = { produce: async (size: number) => pattern(size) };
type Acts = typeof activities;

const measured = defineQuery<{ length: number; intact: boolean }>('measured');
/** Takes a large activity result, answers what it measured of it, and returns once told. */
const large = defineWorkflow('large', async (ctx, input: { size: number; taskQueue?: string }) => {
  const { produce } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '10s', retry: { initialInterval: 10, maximumAttempts: 5 }, ...(input.taskQueue && { taskQueue: input.taskQueue }) });
  const data = await produce(input.size);
  const measure = { length: data.length, intact: data === pattern(input.size) };
  const told: string[] = [];
  ctx.setHandler(measured, () => measure);
  ctx.setHandler(tell, (text) => void told.push(text));
  await ctx.condition(() => told.length > 0);
  return { ...measure, told };
});

let databases = 0;
const newDbName = () => `claim-check-${++databases}`;
const opened: BrowserDuro[] = [];

afterEach(() => {
  for (const duro of opened.splice(0)) duro.close();
  vi.restoreAllMocks();
});

async function open(dbName: string, extra: Partial<BrowserDuroOptions> = {}): Promise<BrowserDuro> {
  const duro = await createBrowserDuro({ workflows: { large }, activities, dbName, indexedDB, IDBKeyRange, onError: () => undefined, payloads: { blobs: true }, ...extra });
  opened.push(duro);
  return duro;
}

/** Polls until `check` gives a value, failing after `ms` (the browser host runs on real time). */
async function until<T>(check: () => Promise<T | undefined | false>, ms = 5_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// ---- raw IndexedDB, as someone with the disk sees it ----

function rawDb(name: string): Promise<IdbDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onsuccess = () => resolve(request.result as unknown as IdbDatabase);
    request.onerror = () => reject(request.error);
  });
}

async function rawRows<T>(name: string, store: string): Promise<T[]> {
  const db = await rawDb(name);
  try {
    return await new Promise<T[]>((resolve) => {
      const request = db.transaction([store], 'readonly').objectStore(store).getAll();
      request.onsuccess = () => resolve(request.result as T[]);
    });
  } finally {
    db.close();
  }
}

async function rawWrite(name: string, store: string, write: (store: { put(row: unknown): unknown; delete(key: string): unknown }) => void): Promise<void> {
  const db = await rawDb(name);
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction([store], 'readwrite');
    write(tx.objectStore(store));
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error);
  });
  db.close();
}

type EventRow = { runId: string; eventId: number; event?: unknown; sealed?: Uint8Array; blob?: { key: string; size: number; sha256: string } };
type BlobRow = { key: string; bytes: Uint8Array; size: number };

const eventRows = (dbName: string) => rawRows<EventRow>(dbName, 'events');
const referencing = async (dbName: string) => (await eventRows(dbName)).filter((row) => row.blob !== undefined);
const blobRows = (dbName: string) => rawRows<BlobRow>(`${dbName}-blobs`, 'blobs');
const queued = (dbName: string) => rawRows<{ key: string; dueAt: number }>(dbName, 'blobDeletes');

async function startLarge(duro: BrowserDuro, workflowId: string, size: number, taskQueue?: string) {
  const handle = await duro.start(large, { workflowId, input: { size, ...(taskQueue && { taskQueue }) } });
  await until(async () => handle.query(measured).catch(() => undefined));
  return handle;
}

describe('the claim check in the browser host', () => {
  it('keeps a 3 MiB activity result (over the 2 MiB inline limit) in the blob database, the event row holding its reference', async () => {
    const dbName = newDbName();
    const duro = await open(dbName);
    const size = 3 * MiB;
    const handle = await startLarge(duro, 'three', size);
    expect(await handle.query(measured)).toEqual({ length: size, intact: true });

    const [row, ...others] = await referencing(dbName);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ blob: { key: expect.stringMatching(/^wf\/[0-9a-f]{64}\/[0-9a-f]{64}$/) } });
    expect(row!.event).toBeUndefined();
    expect(row!.sealed).toBeUndefined();
    const history = await handle.fetchHistory();
    expect(history.find((event) => event.eventId === row!.eventId)?.type).toBe('ActivityTaskCompleted');
    const [blob] = await blobRows(dbName);
    expect(blob!.key).toBe(row!.blob!.key);
    expect(blob!.bytes.length).toBe(row!.blob!.size);
    expect(new TextDecoder().decode(blob!.bytes)).toContain(pattern(1000));

    // A reload replays from the reference: the workflow measures the same value again and completes.
    duro.close();
    const reopened = await open(dbName);
    await reopened.resumeAll();
    const again = reopened.getHandle<typeof large>('three');
    expect(await again.query(measured)).toEqual({ length: size, intact: true });
    await again.signal(tell, 'done');
    expect(await again.result()).toEqual({ length: size, intact: true, told: ['done'] });
    expect(await queued(dbName)).toEqual([]);
  }, 30_000);

  it('without payloads.blobs keeps every event inline and refuses the same result as over 2 MiB', async () => {
    const dbName = newDbName();
    const duro = await open(dbName, { payloads: {} });
    const handle = await duro.start(large, { workflowId: 'inline', input: { size: 300_000 } });
    await until(async () => handle.query(measured).catch(() => undefined));
    expect(await referencing(dbName)).toEqual([]);
    const over = await duro.start(large, { workflowId: 'over', input: { size: 3 * MiB } });
    const failed = await until(async () => (await over.fetchHistory()).find((event) => event.type === 'ActivityTaskFailed'));
    expect(JSON.stringify(failed)).toMatch(/payload limit/);
  }, 30_000);

  it('with payload codecs, the blob holds the sealed row: no plaintext in either database', async () => {
    const dbName = newDbName();
    const duro = await open(dbName, { payloads: { blobs: true, codecs: [aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })] } });
    const handle = await startLarge(duro, 'sealed', 200_000);
    expect(await handle.query(measured)).toEqual({ length: 200_000, intact: true });
    const [blob, ...others] = await blobRows(dbName);
    expect(others).toEqual([]);
    expect(blob!.size).toBeGreaterThan(200_000);
    expect(new TextDecoder().decode(blob!.bytes)).not.toContain(SECRET);
    expect(JSON.stringify(await eventRows(dbName), (_key, value: unknown) => (value instanceof Uint8Array ? new TextDecoder().decode(value) : value))).not.toContain(SECRET);
    await handle.signal(tell, 'done');
    expect(await handle.result()).toMatchObject({ length: 200_000, intact: true });
  }, 30_000);

  it('blocks a run whose blob was deleted behind its back, naming the blob, and goes on once it is restored', async () => {
    const dbName = newDbName();
    const first = await open(dbName);
    await startLarge(first, 'lost', 300_000);
    const [blob] = await blobRows(dbName);
    first.close();
    await rawWrite(`${dbName}-blobs`, 'blobs', (store) => store.delete(blob!.key));

    // A new page replays the run when the next input arrives, and finds the blob missing.
    const second = await open(dbName);
    await second.resumeAll();
    const handle = second.getHandle<typeof large>('lost');
    await handle.signal(tell, 'after');
    const blocked = await until(async () => {
      const description = await handle.describe();
      return description.blockedReason ? description : undefined;
    });
    expect(blocked.status).toBe('running');
    expect(blocked.blockedReason).toContain(blob!.key);
    expect(blocked.blockedReason).toMatch(/missing from the blob store; the run waits until it is restored/);

    await rawWrite(`${dbName}-blobs`, 'blobs', (store) => store.put(blob));
    expect(await handle.result()).toEqual({ length: 300_000, intact: true, told: ['after'] });
  }, 30_000);

  it('leaves no reference when the page closes between the put and its commit, and deletes the orphan once its grace period is over', async () => {
    const dbName = newDbName();
    const blobs = await IndexedDbBlobStore.open(dbName, indexedDB, IDBKeyRange);
    let first: BrowserDuro | undefined;
    const orphans: string[] = [];
    // The page goes away the moment the blob is durable: the commit that would reference it never happens.
    const closingAfterPut: PayloadBlobStore = {
      put: async (key, bytes, sha256) => {
        await blobs.put(key, bytes, sha256);
        orphans.push(key);
        first?.close();
      },
      get: (key) => blobs.get(key),
      delete: (keys) => blobs.delete(keys),
      list: (prefix) => blobs.list(prefix),
    };
    first = await open(dbName, { payloads: { blobs: closingAfterPut } });
    await first.start(large, { workflowId: 'orphan', input: { size: 300_000 } });
    await until(async () => orphans.length > 0);
    await until(async () => (await queued(dbName)).length > 0);
    expect(await referencing(dbName)).toEqual([]);
    expect((await blobRows(dbName)).map((row) => row.key)).toEqual(orphans);
    expect((await queued(dbName)).map((row) => row.key)).toEqual(orphans);

    // Opened within the grace period, the orphan stays (a commit might still be on its way).
    const early = await open(dbName);
    await early.resumeAll();
    const handle = early.getHandle<typeof large>('orphan');
    await until(async () => handle.query(measured).catch(() => undefined));
    expect((await blobRows(dbName)).map((row) => row.key)).toContain(orphans[0]);
    early.close();

    // An hour later, the next page deletes it; the blob the retried attempt put is referenced, and stays.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ORPHAN_GRACE_MS + 60_000);
    const later = await open(dbName);
    await later.resumeAll();
    await until(async () => !(await blobRows(dbName)).some((row) => row.key === orphans[0]));
    const kept = await referencing(dbName);
    expect(kept).toHaveLength(1);
    expect((await blobRows(dbName)).map((row) => row.key)).toEqual([kept[0]!.blob!.key]);
    expect(await queued(dbName)).toEqual([]);
    const reopened = later.getHandle<typeof large>('orphan');
    await reopened.signal(tell, 'done');
    expect(await reopened.result()).toEqual({ length: 300_000, intact: true, told: ['done'] });
    blobs.close();
  }, 30_000);

  it("deletes a deleted run's blobs, and no other run's", async () => {
    const dbName = newDbName();
    const duro = await open(dbName);
    for (const workflowId of ['gone', 'stays']) {
      const handle = await startLarge(duro, workflowId, 200_000);
      await handle.signal(tell, 'done');
      await handle.result();
    }
    const [gone] = await duro.store.runsOf('gone');
    const [stays] = await duro.store.runsOf('stays');
    const keyOf = async (runId: string) => (await referencing(dbName)).filter((row) => row.runId === runId).map((row) => row.blob!.key);
    const goneKeys = await keyOf(gone!.runId);
    const staysKeys = await keyOf(stays!.runId);
    expect(goneKeys.length).toBeGreaterThan(0);
    expect((await blobRows(dbName)).map((row) => row.key).sort()).toEqual([...goneKeys, ...staysKeys].sort());

    await duro.store.deleteRun(gone!.runId);
    expect((await blobRows(dbName)).map((row) => row.key)).toEqual(staysKeys);
    expect(await queued(dbName)).toEqual([]);
    expect((await duro.getHandle('stays').fetchHistory()).some((event) => JSON.stringify(event).includes(pattern(1000)))).toBe(true);
  }, 30_000);

  it('tells remote activities the raised payload limit, and takes a reply that large', async () => {
    const sent: Array<{ maxPayloadBytes?: number }> = [];
    const fakeFetch = (async (_url: string, init: RequestInit) => {
      const request = JSON.parse(init.body as string) as { input: number; maxPayloadBytes?: number };
      sent.push({ ...(request.maxPayloadBytes !== undefined && { maxPayloadBytes: request.maxPayloadBytes }) });
      return new Response(JSON.stringify({ result: pattern(request.input) }), { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const remote = { taskQueues: { far: { url: 'https://activities.example/run' } }, fetch: fakeFetch };

    const duro = await open(newDbName(), remote);
    const handle = await startLarge(duro, 'remote', 3 * MiB, 'far');
    expect(await handle.query(measured)).toEqual({ length: 3 * MiB, intact: true });
    expect(sent).toEqual([{ maxPayloadBytes: Limits.maxBlobPayloadBytes }]);

    // Without a blob store, the task says nothing and the same reply is over the limit.
    sent.length = 0;
    const inline = await open(newDbName(), { ...remote, payloads: {} });
    const over = await inline.start(large, { workflowId: 'remote-inline', input: { size: 3 * MiB, taskQueue: 'far' } });
    const failed = await until(async () => (await over.fetchHistory()).find((event) => event.type === 'ActivityTaskFailed'));
    expect(JSON.stringify(failed)).toMatch(/payload limit/);
    expect(sent[0]).toEqual({});
  }, 30_000);

  it('refuses a blob threshold out of range, naming the option', async () => {
    await expect(open(newDbName(), { payloads: { blobs: true, blobThresholdBytes: 10 } })).rejects.toThrow(/payloads\.blobThresholdBytes/);
  });
});
