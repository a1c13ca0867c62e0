// Where payloads over the blob threshold are kept (issue 21, decision 019 §4): R2 on Workers, IndexedDB in a
// browser, memory in tests. History holds a reference (blob-reference.ts); a host hands the engine one of these.
// Every implementation passes the one contract (test/support/blob-store-contract.ts).

/** What `list` tells about a stored blob, without reading its bytes. */
export interface ListedBlob {
  readonly key: string;
  /** When the store accepted the blob (epoch ms): orphan collection keeps a blob younger than its grace period. */
  readonly uploadedAt: number;
  readonly size: number;
}

/**
 * A store of immutable, content-addressed payload blobs. Keys come from `blobKeyOf` (`wf/<id hash>/<sha256>`), so a
 * key always names the same bytes: a put repeated after a crash or by a replayed step writes what is already there.
 *
 * @example
 * const { reference, bytes } = await prepareBlob(workflowId, stored);
 * await store.put(reference.key, bytes, reference.sha256); // before the reference is committed to history
 * const value = readPayload(await openBlob(reference, await store.get(reference.key)));
 */
export interface PayloadBlobStore {
  /**
   * Stores `bytes` under `key`; resolves once they are durable, because the reference is committed right after and
   * must never name a blob that a crash lost. Rejects, storing nothing, when `sha256Hex` (lowercase hex) is not the
   * bytes' SHA-256: R2 checks it server-side, so bytes damaged on the way are refused rather than kept.
   */
  put(key: string, bytes: Uint8Array, sha256Hex: string): Promise<void>;

  /** The bytes stored under `key`, or undefined when there are none (deleted, or never written). Not verified here: `openBlob` checks size and hash. */
  get(key: string): Promise<Uint8Array | undefined>;

  /** Deletes these keys; a key not stored is no error. Retention and orphan collection call it with many keys at once. */
  delete(keys: readonly string[]): Promise<void>;

  /**
   * The blobs whose key starts with `prefix` (one workflow id's, `blobPrefixOf`), in key order, paging as the store
   * needs. Only orphan collection needs it: it deletes what is listed but not referenced, and `uploadedAt` lets it
   * spare a blob whose reference may still be on its way to a commit (selectOrphanBlobs' grace period).
   */
  list(prefix: string): AsyncIterable<ListedBlob>;
}
