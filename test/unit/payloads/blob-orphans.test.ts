// Orphan collection (decision 019 §4): a blob put before a commit that never happened is deleted once nothing
// references it and it is older than the grace period, so a step whose commit is still under way keeps its blob.
import { describe, expect, it } from 'vitest';
import { ORPHAN_GRACE_MS, selectOrphanBlobs } from '../../../src/core/payloads/blob-orphans';

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
});
