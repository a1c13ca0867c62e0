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
  return (hash >>> 0) % shards;
}

/** The name of a shard's Durable Object (`idFromName`). */
export function shardName(shard: number): string {
  return `visibility-${shard}`;
}
