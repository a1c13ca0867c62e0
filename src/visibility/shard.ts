// Which Visibility shard indexes a workflow id. The id hashes to a shard once; the execution object keeps the
// answer, so raising the shard count later moves no existing workflow (lists read every shard).
import { hash32 } from '../core/hash';

/** Shards when `createDuro` is not told otherwise. */
export const DEFAULT_VISIBILITY_SHARDS = 8;

export function shardOf(workflowId: string, shards: number): number {
  return hash32(workflowId) % shards;
}

/** The name of a shard's Durable Object (`idFromName`). */
export function shardName(shard: number): string {
  return `visibility-${shard}`;
}
