// What local R2 does not enforce, checked on a stand-in bucket: a delete carries at most 1000 keys, as R2 in
// production requires (miniflare's accepts more), and a listing follows R2's cursor until it is not truncated.
import { describe, expect, it } from 'vitest';
import { R2BlobStore } from '../../../durable-objects/r2-blob-store';

/** The slice of an R2 bucket the store calls, refusing what production R2 refuses. */
function standInBucket(keys: string[], pageSize = 1000) {
  const deletes: number[] = [];
  const bucket = {
    async delete(batch: string[]) {
      if (batch.length > 1000) throw new Error('R2 deletes at most 1000 keys a call');
      deletes.push(batch.length);
    },
    async list({ prefix, cursor }: { prefix: string; cursor?: string }) {
      const matching = keys.filter((key) => key.startsWith(prefix));
      const from = cursor === undefined ? 0 : Number(cursor);
      const objects = matching.slice(from, from + pageSize).map((key) => ({ key, size: 1, uploaded: new Date(7) }));
      const next = from + pageSize;
      return next < matching.length ? { objects, truncated: true, cursor: String(next) } : { objects, truncated: false };
    },
  };
  return { bucket: bucket as unknown as R2Bucket, deletes };
}

describe('R2BlobStore', () => {
  it('deletes 2500 keys in batches of at most 1000', async () => {
    const { bucket, deletes } = standInBucket([]);
    await new R2BlobStore(bucket).delete(Array.from({ length: 2_500 }, (_, i) => `wf/p/${i}`));
    expect(deletes).toEqual([1_000, 1_000, 500]);
  });

  it('lists every page while R2 says the listing is truncated', async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `wf/p/${i}`);
    const { bucket } = standInBucket([...keys, 'wf/q/0'], 3);
    const listed = [];
    for await (const blob of new R2BlobStore(bucket).list('wf/p/')) listed.push(blob);
    expect(listed.map(({ key }) => key)).toEqual(keys);
    expect(listed[0]).toEqual({ key: 'wf/p/0', uploadedAt: 7, size: 1 });
  });
});
