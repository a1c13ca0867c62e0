// What every payload blob store promises (src/core/payloads/blob-store.ts), written once and run by each store's
// test: memory and IndexedDB under Node (test/unit/payloads, test/unit/browser), R2 inside workerd
// (test/integration-fixture/r2-blob-store.test.ts). Each case writes under a prefix of its own: stores persist
// across cases, as a bucket does.
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/core/payloads/blob-reference';
import type { ListedBlob, PayloadBlobStore } from '../../src/core/payloads/blob-store';

/** More than one page of an R2 listing and one batch of R2's delete (1000 each). */
const MANY = 1001;

export function bytesOf(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Puts `text` under `key` with its true hash. */
export async function putText(store: PayloadBlobStore, key: string, text: string): Promise<Uint8Array> {
  const bytes = bytesOf(text);
  await store.put(key, bytes, await sha256Hex(bytes));
  return bytes;
}

async function listAll(store: PayloadBlobStore, prefix: string): Promise<ListedBlob[]> {
  const listed: ListedBlob[] = [];
  for await (const blob of store.list(prefix)) listed.push(blob);
  return listed;
}

export function runBlobStoreContract(name: string, newStore: () => PayloadBlobStore | Promise<PayloadBlobStore>): void {
  describe(`${name} as a payload blob store`, () => {
    const prefixOf = () => `wf/${crypto.randomUUID()}/`;

    it('gives back the bytes put under a key, and undefined for a key never put', async () => {
      const store = await newStore();
      const prefix = prefixOf();
      const bytes = await putText(store, `${prefix}a`, '{"order":"ü€😀"}');
      expect(await store.get(`${prefix}a`)).toEqual(bytes);
      expect(await store.get(`${prefix}never`)).toBeUndefined();
    });

    it('refuses bytes whose SHA-256 is not the one given, and stores nothing under the key', async () => {
      const store = await newStore();
      const key = `${prefixOf()}damaged`;
      const wrongHash = await sha256Hex(bytesOf('other bytes'));
      await expect(store.put(key, bytesOf('the bytes'), wrongHash)).rejects.toThrow();
      expect(await store.get(key)).toBeUndefined();
    });

    it('takes the same blob put again without an error (a step repeated after a crash)', async () => {
      const store = await newStore();
      const key = `${prefixOf()}same`;
      const bytes = await putText(store, key, 'same bytes');
      await putText(store, key, 'same bytes');
      expect(await store.get(key)).toEqual(bytes);
    });

    it('is not changed by the caller reusing the buffer it put', async () => {
      const store = await newStore();
      const key = `${prefixOf()}buffer`;
      const bytes = await putText(store, key, 'kept as put');
      bytes.fill(0);
      expect(await store.get(key)).toEqual(bytesOf('kept as put'));
    });

    it('lists only the blobs under a prefix, in key order, with their size and upload time', async () => {
      const store = await newStore();
      const prefix = prefixOf();
      const before = Date.now();
      await putText(store, `${prefix}b`, 'bb');
      await putText(store, `${prefix}a`, 'a');
      // A longer prefix that starts like this one: its blobs are not this prefix's (blobPrefixOf ends in '/').
      await putText(store, `${prefix.slice(0, -1)}x/c`, 'ccc');
      const after = Date.now();
      const listed = await listAll(store, prefix);
      expect(listed.map(({ key, size }) => ({ key, size }))).toEqual([{ key: `${prefix}a`, size: 1 }, { key: `${prefix}b`, size: 2 }]);
      for (const { uploadedAt } of listed) {
        // R2 dates uploads on its own clock (to the millisecond or the second): a little slack either way.
        expect(uploadedAt).toBeGreaterThanOrEqual(before - 2_000);
        expect(uploadedAt).toBeLessThanOrEqual(after + 2_000);
      }
    });

    it(`lists and deletes ${MANY} blobs (more than a page, more than a batch); deleting keys not stored is no error`, async () => {
      const store = await newStore();
      const prefix = prefixOf();
      const keys = Array.from({ length: MANY }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
      for (let i = 0; i < keys.length; i += 500) await Promise.all(keys.slice(i, i + 500).map((key) => putText(store, key, key)));
      expect((await listAll(store, prefix)).map(({ key }) => key)).toEqual(keys);

      await store.delete([...keys, `${prefix}never-stored`]);
      await store.delete([]);
      expect(await listAll(store, prefix)).toEqual([]);
      expect(await store.get(keys[0]!)).toBeUndefined();
    }, 60_000);
  });
}
