// The browser host's blob store on fake-indexeddb: the contract every blob store keeps, in a database of its own
// beside the run store's, which it leaves as it is.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { blobDatabaseName, IndexedDbBlobStore } from '../../../src/browser/indexeddb-blob-store';
import { IndexedDbRunStore } from '../../../src/browser/indexeddb-store';
import { putText, runBlobStoreContract } from '../../support/blob-store-contract';

let databases = 0;
/** A fresh database name per store: fake-indexeddb keeps databases for the whole file, as a browser profile does. */
const newDbName = () => `duro-blob-test-${++databases}`;

runBlobStoreContract('IndexedDbBlobStore', () => IndexedDbBlobStore.open(newDbName(), indexedDB, IDBKeyRange));

describe('IndexedDbBlobStore', () => {
  it('keeps its blobs in <dbName>-blobs, beside the run store of that name, and across reopening', async () => {
    const dbName = newDbName();
    const runs = await IndexedDbRunStore.open(dbName, indexedDB, IDBKeyRange);
    const blobs = await IndexedDbBlobStore.open(dbName, indexedDB, IDBKeyRange);
    const bytes = await putText(blobs, 'wf/p/a', 'kept');
    blobs.close();

    const names = (await indexedDB.databases()).map((db: { name?: string }) => db.name);
    expect(names).toEqual(expect.arrayContaining([dbName, blobDatabaseName(dbName)]));
    expect(blobDatabaseName(dbName)).toBe(`${dbName}-blobs`);
    expect(await runs.listRuns()).toEqual([]);
    runs.close();

    const reopened = await IndexedDbBlobStore.open(dbName, indexedDB, IDBKeyRange);
    expect(await reopened.get('wf/p/a')).toEqual(bytes);
    reopened.close();
  });

  it('dates uploads by the clock it is given', async () => {
    const store = await IndexedDbBlobStore.open(newDbName(), indexedDB, IDBKeyRange, () => 42);
    await putText(store, 'wf/p/a', 'a');
    const listed = [];
    for await (const blob of store.list('wf/p/')) listed.push(blob);
    expect(listed).toEqual([{ key: 'wf/p/a', uploadedAt: 42, size: 1 }]);
  });
});
