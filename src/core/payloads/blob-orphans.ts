// Which blobs no history references any more (decision 019 §4). A blob is put before its reference commits, so a
// crash in between leaves a blob nothing names: harmless, but it costs storage until collected here. Pure: the
// host lists the store under one workflow id's prefix and says which keys its tables still reference.
import type { ListedBlob } from './blob-store';

/** How long a blob nothing references is kept: far longer than any step between a put and its commit. */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

export interface OrphanQuery {
  /** What the store lists under the workflow id's prefix (`PayloadBlobStore.list(blobPrefixOf(id))`). */
  listed: Iterable<ListedBlob>;
  /** The keys the workflow id's runs still reference (the host's `blob_refs` table). */
  referenced: ReadonlySet<string>;
  /** The host's clock, epoch ms. */
  now: number;
  graceMs?: number;
}

/**
 * The keys to delete: listed, not referenced, and uploaded at least `graceMs` ago. A younger unreferenced blob may
 * belong to a step whose commit is still under way (put, then commit), so it is spared until the next collection;
 * a blob dated in the future (clocks differ between the store and the host) is spared too.
 */
export function selectOrphanBlobs({ listed, referenced, now, graceMs = ORPHAN_GRACE_MS }: OrphanQuery): string[] {
  const orphans: string[] = [];
  for (const blob of listed) {
    if (!referenced.has(blob.key) && now - blob.uploadedAt >= graceMs) orphans.push(blob.key);
  }
  return orphans;
}
