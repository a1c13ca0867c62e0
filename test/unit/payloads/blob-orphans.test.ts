// Orphan collection (decision 019 §4): a blob put before a commit that never happened is deleted once nothing
// references it and it is older than the grace period, so a step whose commit is still under way keeps its blob.
import { describe, expect, it } from 'vitest';
import { ORPHAN_GRACE_MS, selectOrphanBlobs } from '../../../src/core/payloads/blob-orphans';
import { blobPrefixOf, prepareBlob } from '../../../src/core/payloads/blob-reference';
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
    const committed = await prepareBlob('order-42', { text: 'committed'.repeat(20_000) });
    const crashed = await prepareBlob('order-42', { text: 'crashed'.repeat(20_000) });
    const otherWorkflow = await prepareBlob('order-43', { text: 'crashed'.repeat(20_000) });
    for (const { reference, bytes } of [committed, crashed, otherWorkflow]) await store.put(reference.key, bytes, reference.sha256);
    const referenced = new Set([committed.reference.key]); // the crashed step's reference never reached history

    const orphansAt = async (at: number) => {
      clock = at;
      const listed = [];
      for await (const blob of store.list(await blobPrefixOf('order-42'))) listed.push(blob);
      return selectOrphanBlobs({ listed, referenced, now: at });
    };
    expect(await orphansAt(now + 10 * 60_000)).toEqual([]); // its commit might still be under way
    const orphans = await orphansAt(now + hour);
    expect(orphans).toEqual([crashed.reference.key]);

    await store.delete(orphans);
    expect(await store.get(crashed.reference.key)).toBeUndefined();
    expect(await store.get(committed.reference.key)).toEqual(committed.bytes);
    expect(await store.get(otherWorkflow.reference.key)).toEqual(otherWorkflow.bytes); // another id's prefix, untouched
  });
});
