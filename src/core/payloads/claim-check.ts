// The two moves of the claim check (decision 019 §4) over any blob store: offload a stored payload over the
// threshold, and materialise a reference back into the stored payload. The order is built in: a reference is
// returned only after its blob's put resolved, so no caller can commit a reference to a blob not yet stored.
import { isBlobReference, isOverBlobThreshold, openBlob, prepareBlob, DEFAULT_BLOB_THRESHOLD_BYTES } from './blob-reference';
import type { PayloadBlobStore } from './blob-store';

export interface OffloadOptions {
  store: PayloadBlobStore;
  workflowId: string;
  /** The stored payload's JSON size, as `checkPayload` measured it. */
  sizeBytes: number;
  thresholdBytes?: number;
}

/**
 * `stored` as history should keep it: unchanged at or under the threshold, else the reference to its blob, once the
 * blob is durable in the store. A failed put rejects with the store's error and returns no reference.
 *
 * @example
 * const kept = await offloadPayload(result, { store, workflowId, sizeBytes: checkPayload(result, 'Activity result') });
 */
export async function offloadPayload(stored: unknown, { store, workflowId, sizeBytes, thresholdBytes = DEFAULT_BLOB_THRESHOLD_BYTES }: OffloadOptions): Promise<unknown> {
  if (!isOverBlobThreshold(sizeBytes, thresholdBytes)) return stored;
  const { reference, bytes } = await prepareBlob(workflowId, stored);
  await store.put(reference.key, bytes, reference.sha256);
  return reference;
}

/**
 * The stored payload a history entry stands for: a blob reference read from `store` and checked, anything else as it
 * is. A missing or changed blob is a PayloadUnavailableError; a store that cannot be reached rejects with its own
 * error (a transient failure to retry, not a verdict on the blob).
 */
export async function materializePayload(stored: unknown, store: PayloadBlobStore): Promise<unknown> {
  if (!isBlobReference(stored)) return stored;
  return openBlob(stored, await store.get(stored.key));
}
