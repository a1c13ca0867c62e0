// What an event adds to a history's size as stored (issue 21, docs/payloads.md "Large payloads"). Workflow code sees
// every event whole (`historySizeBytes`, the same live and on replay); the history limit checks what is stored, where
// an event kept in the blob store is only its reference.

/** A row's reference in the blob store's bookkeeping (key, size, SHA-256), counted generously. */
export const BLOB_REFERENCE_BYTES = 256;

/**
 * Whether a store may keep this event in the blob store. Never the start event: every load of a run reads it (its
 * start parameters), and a run must load to be described, blocked or terminated even when a blob is missing.
 */
export function isOffloadable(eventType: string): boolean {
  return eventType !== 'WorkflowExecutionStarted';
}

/** The stored size of an event of `bytes` (its JSON in UTF-8), when rows over `thresholdBytes` go to a blob store. */
export function storedEventBytes(eventType: string, bytes: number, thresholdBytes: number | undefined): number {
  return thresholdBytes !== undefined && bytes > thresholdBytes && isOffloadable(eventType) ? BLOB_REFERENCE_BYTES : bytes;
}
