// Which Visibility shard indexes a workflow id. The id hashes to a shard once; the execution object keeps the
// answer, so raising the shard count later moves no existing workflow (lists read every shard).

/** Shards when `createDuro` is not told otherwise. */
export const DEFAULT_VISIBILITY_SHARDS = 8;

export function shardOf(workflowId: string, shards: number): number {
  let hash = 0x811c9dc5; // FNV-1a: cheap and stable across runtimes
  for (let i = 0; i < workflowId.length; i++) {
    hash ^= workflowId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // murmur3's finalizer: without it the low bits (all a power-of-two count uses) depend only on the characters'
  // low bits, and `job-a`, `job-i`, `job-q`, `job-y` share a shard of 8.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return (hash >>> 0) % shards;
}

/** The name of a shard's Durable Object (`idFromName`). */
export function shardName(shard: number): string {
  return `visibility-${shard}`;
}
