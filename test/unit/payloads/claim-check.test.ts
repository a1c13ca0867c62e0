// The claim check's two moves over a store: a payload over the threshold leaves as a reference only once its blob is
// stored, and comes back as the value; a payload at or under it, or one whose put fails, never becomes a reference.
import { describe, expect, it } from 'vitest';
import { payloadSize } from '../../../src/core/payload';
import { readPayload, writePayload } from '../../../src/core/payloads/envelope';
import { isBlobReference } from '../../../src/core/payloads/blob-reference';
import { materializePayload, offloadPayload } from '../../../src/core/payloads/claim-check';
import { PayloadUnavailableError } from '../../../src/core/payloads/payload-unavailable';
import { MemoryBlobStore } from '../../../src/testing/memory-blob-store';

const large = () => writePayload({ at: new Date(0), rows: 'r'.repeat(200_000) }, 'rich', 'Activity result');

describe('offloadPayload and materializePayload', () => {
  it('keeps a payload over the threshold as a reference to its stored blob, and gives the value back', async () => {
    const store = new MemoryBlobStore();
    const stored = large();
    const kept = await offloadPayload(stored, { store, workflowId: 'order-42', sizeBytes: payloadSize(stored) });
    expect(isBlobReference(kept)).toBe(true);
    expect(await store.get((kept as { key: string }).key)).toBeDefined();
    expect(readPayload(await materializePayload(kept, store))).toEqual({ at: new Date(0), rows: 'r'.repeat(200_000) });
  });

  it('leaves a payload at or under the threshold as it is, storing nothing', async () => {
    const store = new MemoryBlobStore();
    const stored = { small: true };
    expect(await offloadPayload(stored, { store, workflowId: 'wf', sizeBytes: 128 * 1024 })).toBe(stored);
    expect(await offloadPayload(stored, { store, workflowId: 'wf', sizeBytes: 2_000, thresholdBytes: 4_096 })).toBe(stored);
    expect(await materializePayload(stored, store)).toBe(stored);
    const listed = [];
    for await (const blob of store.list('wf/')) listed.push(blob);
    expect(listed).toEqual([]);
  });

  it('returns no reference when the put fails: the store\'s error, and nothing to commit', async () => {
    const store = new MemoryBlobStore();
    store.put = () => Promise.reject(new Error('R2 is unavailable'));
    const stored = large();
    await expect(offloadPayload(stored, { store, workflowId: 'wf', sizeBytes: payloadSize(stored) })).rejects.toThrow('R2 is unavailable');
  });

  it('reads a reference whose blob is gone as PayloadUnavailableError, and a store that fails as its own error', async () => {
    const store = new MemoryBlobStore();
    const stored = large();
    const kept = await offloadPayload(stored, { store, workflowId: 'wf', sizeBytes: payloadSize(stored) });
    await store.delete([(kept as { key: string }).key]);
    await expect(materializePayload(kept, store)).rejects.toBeInstanceOf(PayloadUnavailableError);

    store.get = () => Promise.reject(new Error('network lost'));
    await expect(materializePayload(kept, store)).rejects.toThrow('network lost');
  });
});
