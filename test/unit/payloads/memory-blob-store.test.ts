// The test environment's blob store keeps the contract every host's store keeps (test/support/blob-store-contract.ts).
import { describe, expect, it } from 'vitest';
import { MemoryBlobStore } from '../../../src/testing/memory-blob-store';
import { putText, runBlobStoreContract } from '../../support/blob-store-contract';

runBlobStoreContract('MemoryBlobStore', () => new MemoryBlobStore());

describe('MemoryBlobStore', () => {
  it('dates uploads by the clock it is given, so orphan collection follows a virtual clock', async () => {
    let now = 1_000;
    const store = new MemoryBlobStore({ now: () => now });
    await putText(store, 'wf/p/a', 'a');
    now = 5_000;
    await putText(store, 'wf/p/b', 'b');
    const listed = [];
    for await (const blob of store.list('wf/p/')) listed.push(blob);
    expect(listed).toEqual([{ key: 'wf/p/a', uploadedAt: 1_000, size: 1 }, { key: 'wf/p/b', uploadedAt: 5_000, size: 1 }]);
  });
});
