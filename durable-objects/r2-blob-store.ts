// Payload blobs in R2 through a Worker binding (`[[r2_buckets]]` DURO_BLOBS; decision 019 §4). Local development and
// the workerd tests get miniflare's R2 from the same config, with no account.
import type { ListedBlob, PayloadBlobStore } from '../src/core/payloads/blob-store';

/** R2 deletes at most 1000 keys a call. */
const DELETE_BATCH = 1000;

/**
 * @example
 * const blobs = new R2BlobStore(env.DURO_BLOBS);
 */
export class R2BlobStore implements PayloadBlobStore {
  constructor(private readonly bucket: R2Bucket) {}

  async put(key: string, bytes: Uint8Array, sha256: string): Promise<void> {
    // R2 hashes what it received and rejects the put on a mismatch ("The SHA-256 checksum you specified did not
    // match"): no damaged bytes are kept under a content address.
    await this.bucket.put(key, bytes, { sha256 });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const object = await this.bucket.get(key);
    return object === null ? undefined : new Uint8Array(await object.arrayBuffer());
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += DELETE_BATCH) await this.bucket.delete(keys.slice(i, i + DELETE_BATCH));
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    // `uploaded` comes with every listed object; `include` would only add metadata (and shorten pages).
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor });
      for (const object of page.objects) yield { key: object.key, uploadedAt: object.uploaded.getTime(), size: object.size };
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
  }
}
