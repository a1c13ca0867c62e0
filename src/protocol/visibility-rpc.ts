// What the Worker and the execution objects may ask of one Visibility shard over RPC.
import type { BatchProgress, BatchSpec } from '../visibility/batch';
import type { ListFilter } from '../visibility/filter';
import type { MetricsSnapshot } from '../visibility/metrics';
import type { ListCursor } from '../visibility/pager';
import type { ExecutionRecord, SequencedMessage } from '../visibility/record';

/** What the Worker and the execution objects call on a shard. */
export interface VisibilityRpc {
  /** The messages of one execution object; returns the last seq applied (the sender drops what is at or below it). */
  apply(sender: string, messages: SequencedMessage[]): Promise<number>;
  list(filter: ListFilter, after: ListCursor | undefined, limit: number): Promise<ExecutionRecord[]>;
  countByStatus(filter: ListFilter): Promise<Record<string, number>>;
  metrics(): Promise<MetricsSnapshot>;
  /** Takes this shard's matching executions into the batch; returns how many. Idempotent by batchId. */
  startBatch(spec: BatchSpec): Promise<number>;
  batchProgress(batchId: string): Promise<BatchProgress | undefined>;
}
