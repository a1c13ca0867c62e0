// Orphan collection (decision 019 §4): a blob put before a commit that never happened is deleted once nothing
// references it and it is older than the grace period, so a step whose commit is still under way keeps its blob.
import { describe, expect, it } from 'vitest';
import { ORPHAN_GRACE_MS, selectOrphanBlobs } from '../../../src/core/payloads/blob-orphans';
import { RowBlobs } from '../../../src/core/payloads/row-blobs';
import { MemoryBlobStore } from '../../../src/testing/memory-blob-store';

const now = Date.UTC(2026, 11, 7, 12);
const hour = 60 * 60 * 1000;
const blob = (key: string, ageMs: number) => ({ key, uploadedAt: now - ageMs, size: 1 });

describe('selectOrphanBlobs', () => {
  it('selects the unreferenced blobs older than the grace period, and only those', () => {
    const listed = [blob('referenced-old', 5 * hour), blob('orphan-old', 5 * hour), blob('orphan-young', hour / 2), blob('orphan-at-grace', hour)];
    expect(selectOrphanBlobs({ listed, referenced: new Set(['referenced-old']), now })).toEqual(['orphan-old', 'orphan-at-grace']);
  });

  it('waits an hour by default', () => {
    expect(ORPHAN_GRACE_MS).toBe(hour);
    expect(selectOrphanBlobs({ listed: [blob('k', hour - 1)], referenced: new Set(), now })).toEqual([]);
    expect(selectOrphanBlobs({ listed: [blob('k', hour)], referenced: new Set(), now })).toEqual(['k']);
  });

  it('takes another grace period when given, and spares a blob dated after now (the store\'s clock ahead of the host\'s)', () => {
    const listed = [blob('minute-old', 60_000), blob('from-the-future', -10 * 60_000)];
    expect(selectOrphanBlobs({ listed, referenced: new Set(), now, graceMs: 30_000 })).toEqual(['minute-old']);
    expect(selectOrphanBlobs({ listed, referenced: new Set(), now, graceMs: 0 })).toEqual(['minute-old']);
  });

  it('never selects a referenced blob, however old', () => {
    expect(selectOrphanBlobs({ listed: [blob('k', 1_000 * hour)], referenced: new Set(['k']), now, graceMs: 0 })).toEqual([]);
  });

  it('collects, through a store, the blob of a step that crashed between its put and its commit, and keeps the committed one', async () => {
    let clock = now;
    const store = new MemoryBlobStore({ now: () => clock });
    const blobs = new RowBlobs(store);
    const committed = await blobs.prepare('order-42', 'committed'.repeat(20_000));
    const crashed = await blobs.prepare('order-42', 'crashed'.repeat(20_000));
    const otherWorkflow = await blobs.prepare('order-43', 'crashed'.repeat(20_000));
    for (const blob of [committed, crashed, otherWorkflow]) await blobs.put(blob);
    const referenced = new Set([committed.reference.key]); // the crashed step's reference never reached history

    clock = now + 10 * 60_000;
    expect((await blobs.collectOrphans('order-42', () => referenced, clock)).deleted).toEqual([]); // its commit might still be under way
    clock = now + hour;
    expect((await blobs.collectOrphans('order-42', () => referenced, clock)).deleted).toEqual([crashed.reference.key]);

    expect(await store.get(crashed.reference.key)).toBeUndefined();
    expect(await store.get(committed.reference.key)).toEqual(committed.bytes);
    expect(await store.get(otherWorkflow.reference.key)).toEqual(otherWorkflow.bytes); // another id's prefix, untouched
  });
});

describe('RowBlobs: puts and deletes take turns', () => {
  it('re-reads the references in its turn, so a key put again and referenced meanwhile is not deleted', async () => {
    const store = new MemoryBlobStore();
    const blobs = new RowBlobs(store);
    const blob = await blobs.prepare('order-42', 'bulk'.repeat(50_000));
    await blobs.put(blob);
    const referenced = new Set<string>();

    // A put is under way (held), a collection that chose the key queues behind it; the put's commit references it.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slowStore = Object.assign(Object.create(store) as MemoryBlobStore, { put: async (...args: Parameters<MemoryBlobStore['put']>) => { await held; return store.put(...args); } });
    const racing = new RowBlobs(slowStore);
    const put = racing.put(blob).then(() => referenced.add(blob.reference.key));
    const deleted = racing.deleteUnreferenced(() => [blob.reference.key].filter((key) => !referenced.has(key)));
    release();
    await put;
    expect(await deleted).toEqual([]);
    expect(await store.get(blob.reference.key)).toEqual(blob.bytes);
  });

  it('goes on after a failed put: the next one in line runs', async () => {
    const store = new MemoryBlobStore();
    const blobs = new RowBlobs(store);
    const good = await blobs.prepare('wf', 'good'.repeat(1_000));
    const bad = { ...good, reference: { ...good.reference, sha256: '0'.repeat(64) } };
    await expect(blobs.put(bad)).rejects.toThrow();
    await blobs.put(good);
    expect(await store.get(good.reference.key)).toEqual(good.bytes);
  });
});
