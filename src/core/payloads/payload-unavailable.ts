// A payload whose blob cannot be read: the run is blocked with this reason, not failed (decision 019 §4), since the
// value exists somewhere (a restored bucket, a fixed binding) and failing would lose the run for an operator's slip.
import { brandClass } from '../brand';

/**
 * Why a blob does not give back its payload: `missing` (nothing under its key), `corrupted` (other bytes),
 * `unconfigured` (a row references a blob, but this host has no blob store: `payloads.blobs` was removed), or
 * `unreachable` (the store failed: the run waits and tries again, as for a missing blob).
 */
export type BlobProblem = 'missing' | 'corrupted' | 'unconfigured' | 'unreachable';

const PROBLEM_TEXT: Record<BlobProblem, (detail: string | undefined) => string> = {
  missing: () => 'is missing from the blob store',
  corrupted: (detail) => `is corrupted: ${detail ?? 'its bytes are not the ones referenced'}`,
  unconfigured: () => 'is in a blob store, but none is configured (payloads.blobs)',
  unreachable: (detail) => `could not be read from the blob store (${detail ?? 'it failed'})`,
};

/**
 * A payload stored as a blob that the blob store does not give back intact. Not a PayloadError on purpose: that one
 * means "this value can never be stored" and fails what wrote it; this one is about storage, and blocks the run
 * until the blob is back (`unblock`, or a retry with backoff).
 */
export class PayloadUnavailableError extends Error {
  static {
    brandClass(this, 'PayloadUnavailableError');
  }

  constructor(
    /** The blob's key in the store: `wf/<workflow id hash>/<sha256>`. */
    readonly key: string,
    /** The payload's size as the reference records it. */
    readonly sizeBytes: number,
    readonly problem: BlobProblem,
    /** What was found instead, for `corrupted` ("it holds 12 bytes"). */
    readonly detail?: string,
  ) {
    super(`Payload blob ${key} (${sizeBytes} bytes) ${PROBLEM_TEXT[problem](detail)}; the run waits until it is restored`);
    this.name = 'PayloadUnavailableError';
  }
}
