// The claim check in workerd (docs/payloads.md, "Large payloads"): with an R2 bucket bound, a history row over the
// threshold goes to R2 before the commit that references it, and the table keeps only its key, size and hash.
// Workflow code sees the value, live and on replay; a blob deleted behind Duro's back blocks the run with a reason
// that names it (never fails it), and the run goes on by itself once the blob is back.
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterAll, beforeAll, describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { api, describe, eventually, executionStub, post, result, signal, start, uniqueId } from './helpers';

const bucket = () => env.DURO_BLOBS;

/** Switches the fixture's blob store on or off; objects read their configuration when they are made. */
async function useBlobs(on: boolean): Promise<void> {
  probe.set('blobs', on);
  await abortAllDurableObjects();
}

beforeAll(() => useBlobs(true));
afterAll(() => useBlobs(false));

type RowBlob = { owner: string; key: string; size: number; sha256: string };

/** The rows of `workflowId`'s object kept in the blob store, and the history rows left without a body. */
function rowBlobsOf(workflowId: string): Promise<{ blobs: RowBlob[]; bodiless: Array<{ event_id: number; type: string }> }> {
  return runInDurableObject(executionStub(workflowId), (_instance, state) => ({
    blobs: state.storage.sql.exec<RowBlob>('SELECT owner, key, size, sha256 FROM row_blobs').toArray(),
    bodiless: state.storage.sql.exec<{ event_id: number; type: string }>('SELECT event_id, type FROM history WHERE body IS NULL AND chunks = 0').toArray(),
  }));
}

const measured = (workflowId: string) => post(`/v1/workflows/${workflowId}/queries/measured`, { args: [] });

group('claim check through R2', () => {
  it('keeps a 50 MiB activity result in R2, history holding its reference; the workflow sees the value live and on replay', async () => {
    const workflowId = uniqueId('large');
    const size = 50 * 1024 * 1024;
    await start('largeResult', workflowId, { size, fill: 'abcdefg' });
    const live = await eventually(async () => {
      const res = await measured(workflowId);
      return res.ok ? ((await res.json()) as { result: { length: number; checksum: number; last: string } }).result : undefined;
    }, 60_000, 'the large result measured');
    expect(live.length).toBe(size);

    const { blobs, bodiless } = await rowBlobsOf(workflowId);
    expect(bodiless.map((row) => row.type)).toEqual(['ActivityTaskCompleted']);
    expect(blobs).toHaveLength(1);
    expect(blobs[0]!.owner).toMatch(new RegExp(`^h/[^/]+/${bodiless[0]!.event_id}$`));
    expect(blobs[0]!.size).toBeGreaterThan(size);
    const object = await bucket().head(blobs[0]!.key);
    expect(object?.size).toBe(blobs[0]!.size);

    // History pages cross an RPC: the pages stop before the large event, and its own page is refused clearly.
    const eventId = bodiless[0]!.event_id;
    const before = await api(`/v1/workflows/${workflowId}/history`);
    expect(before.status).toBe(200);
    expect(((await before.json()) as { events: Array<{ eventId: number }> }).events.at(-1)!.eventId).toBe(eventId - 1);
    const page = await api(`/v1/workflows/${workflowId}/history?after=${eventId - 1}`);
    expect(page.status).toBe(413);
    expect(await page.json()).toMatchObject({ type: 'duro:payload-too-large', detail: expect.stringContaining(`Event ${eventId} (ActivityTaskCompleted)`) as unknown });

    // A fresh object replays the run: the result comes back from R2, checked, and the workflow measures it again.
    await abortAllDurableObjects();
    const replayed = await measured(workflowId);
    expect(replayed.status).toBe(200);
    expect(((await replayed.json()) as { result: unknown }).result).toEqual(live);

    expect((await signal(workflowId, 'tell', ['done'])).status).toBe(202);
    const { status, body } = await result(workflowId, 'wait=20s');
    expect(status).toBe(200);
    expect(body.result).toEqual({ ...live, told: ['done'] });
  }, 120_000);

  it('blocks a run whose blob was deleted behind its back, with the blob named, and goes on once it is restored', async () => {
    const workflowId = uniqueId('lost-blob');
    await start('largeResult', workflowId, { size: 300_000, fill: 'xyz' });
    await eventually(async () => (await measured(workflowId)).ok, 10_000, 'the result measured');
    const [blob] = (await rowBlobsOf(workflowId)).blobs;
    expect(blob).toBeDefined();
    const bytes = await (await bucket().get(blob!.key))!.arrayBuffer();
    await bucket().delete(blob!.key);

    // The next input needs the workflow again: a fresh object replays, and finds the blob missing.
    await abortAllDurableObjects();
    expect((await signal(workflowId, 'tell', ['after'])).status).toBe(202);
    const blocked = await eventually(async () => {
      const description = await describe(workflowId);
      return description.blockedReason ? description : undefined;
    }, 10_000, 'the run blocked');
    expect(blocked.status).toBe('running');
    expect(blocked.blockedReason).toContain(blob!.key);
    expect(blocked.blockedReason).toMatch(/missing from the blob store; the run waits until it is restored/);
    const query = await measured(workflowId);
    expect(query.status).toBe(503);
    expect(await query.json()).toMatchObject({ type: 'duro:payload-unavailable', blobKey: blob!.key });

    await bucket().put(blob!.key, bytes);
    const { status, body } = await result(workflowId, 'wait=20s');
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ length: 300_000, told: ['after'] });
  }, 60_000);

  it('deletes a run\'s blob from R2 when retention removes the run (the alarm drains the queue)', async () => {
    const workflowId = uniqueId('retained-blob');
    await start('largeResult', workflowId, { size: 200_000, fill: 'r' });
    await eventually(async () => (await measured(workflowId)).ok, 10_000, 'the result measured');
    expect((await signal(workflowId, 'tell', ['bye'])).status).toBe(202);
    expect((await result(workflowId, 'wait=10s')).status).toBe(200);
    const [blob] = (await rowBlobsOf(workflowId)).blobs;
    expect(await bucket().head(blob!.key)).not.toBeNull();

    // Retention is due now (30 days in the fixture): the next alarm deletes the run, then its blob.
    const stub = executionStub(workflowId);
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec("UPDATE runs SET retain_until = 1");
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await bucket().head(blob!.key)).toBeNull();
    // With no run, blob or message left, the object deletes its whole database (decision 025), the blob queue with it.
    await eventually(async () => (await runInDurableObject(executionStub(workflowId), (_instance, state) => state.storage.sql.exec("SELECT name FROM sqlite_master WHERE name IN ('row_blobs', 'blob_deletes', 'history')").toArray())).length === 0, 10_000, 'the object emptied');
  }, 30_000);

  it('holds a result that leaves the object to what a Durable Object RPC carries (15 MiB), however large payloads may be inside', async () => {
    const fits = uniqueId('return-fits');
    await start('largeReturn', fits, 3 * 1024 * 1024); // over the 2 MiB limit without a blob store
    const ok = await result(fits, 'wait=20s');
    expect(ok.status).toBe(200);
    expect((ok.body.result as string).length).toBe(3 * 1024 * 1024);

    const over = uniqueId('return-over');
    await start('largeReturn', over, 16 * 1024 * 1024);
    const failed = await result(over, 'wait=20s');
    expect(failed.status).toBe(200);
    expect(failed.body.status).toBe('failed');
    expect(failed.body.failure.message).toMatch(/Workflow result is \d+ bytes, over the 15728640-byte \(15 MiB\) payload limit/);
  }, 60_000);
});
