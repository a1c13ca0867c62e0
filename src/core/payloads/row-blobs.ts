// The claim check as a store runs it (issue 21, decision 019 §4): rows over the threshold are put in the blob store
// before the commit that references them, and read back (checked) where the row is read. Every put and delete of one
// store's blobs takes its turn in one queue: R2's delete has no condition, so a collection that chose key K must not
// land after a step put K again and committed a reference to it; the collector re-reads the references in its turn.
import { selectOrphanBlobs } from './blob-orphans';
import { blobBytesOf, blobKeyOf, blobPrefixOf, checkBlobThreshold, DEFAULT_BLOB_THRESHOLD_BYTES, rowOfBlob, rowOverThreshold, sha256Hex, type BlobReference } from './blob-reference';
import type { ListedBlob, PayloadBlobStore } from './blob-store';
import { isOffloadable } from '../history-size';
import { Limits } from '../limits';
import { PayloadUnavailableError } from './payload-unavailable';
import type { SealedRow } from './row-codecs';

export interface RowBlobOptions {
  /** Rows larger than this many bytes (their stored form) go to the store. Default 128 KiB; 1 KiB to 2 MiB. */
  thresholdBytes?: number;
}

/** A row made ready for the store. */
export interface PreparedRowBlob {
  readonly reference: BlobReference;
  readonly bytes: Uint8Array;
}

/** What a collection decided, for the host's logs and tests. */
export interface BlobCollection {
  deleted: string[];
}

export class RowBlobs {
  readonly store: PayloadBlobStore;
  readonly thresholdBytes: number;
  #turn: Promise<unknown> = Promise.resolve();

  constructor(store: PayloadBlobStore, options: RowBlobOptions = {}) {
    checkBlobThreshold(options.thresholdBytes);
    this.store = store;
    this.thresholdBytes = options.thresholdBytes ?? DEFAULT_BLOB_THRESHOLD_BYTES;
  }

  /** Whether this row is kept in the store rather than inline. */
  isOver(row: SealedRow): boolean {
    return rowOverThreshold(row, this.thresholdBytes);
  }

  /** What a host with this store tells its runs (RunHost.blobs): payloads may be larger, and how large a row goes. */
  get limits(): { maxPayloadBytes: number; thresholdBytes: number } {
    return { maxPayloadBytes: Limits.maxBlobPayloadBytes, thresholdBytes: this.thresholdBytes };
  }

  /** The places of a commit's history rows that go to the store: over the threshold, and never a start event. */
  taken(rows: readonly SealedRow[], eventTypes: readonly string[]): number[] {
    const places: number[] = [];
    for (const [i, row] of rows.entries()) if (isOffloadable(eventTypes[i]!) && this.isOver(row)) places.push(i);
    return places;
  }

  /**
   * Puts the rows at `places` under the workflow id's prefix and gives their references by place, once every put is
   * durable. `beforePut` gets their keys before any put starts: the host queues them for deletion there, so a crash
   * between a put and the commit that references it leaves a blob that is collected, never one nothing names.
   */
  async offload(workflowId: string, rows: readonly SealedRow[], places: readonly number[], beforePut: (keys: string[]) => void | Promise<void>): Promise<Map<number, BlobReference>> {
    const prepared = await Promise.all(places.map((i) => this.prepare(workflowId, rows[i]!)));
    await beforePut(prepared.map(({ reference }) => reference.key));
    await Promise.all(prepared.map((blob) => this.put(blob)));
    return new Map(places.map((place, k) => [place, prepared[k]!.reference]));
  }

  /** The row's bytes and the reference to them under the workflow id's prefix: `put` them before committing it. */
  async prepare(workflowId: string, row: SealedRow): Promise<PreparedRowBlob> {
    const bytes = blobBytesOf(row);
    const sha256 = await sha256Hex(bytes);
    return { reference: { key: await blobKeyOf(workflowId, sha256), size: bytes.length, sha256 }, bytes };
  }

  /** Resolves once the blob is durable in the store (rejects, storing nothing, if the store refuses it). */
  put({ reference, bytes }: PreparedRowBlob): Promise<void> {
    return this.#inTurn(() => this.store.put(reference.key, bytes, reference.sha256));
  }

  /**
   * The row a reference stands for; a PayloadUnavailableError when its blob is missing or not the bytes put, or when
   * the store fails (the run then blocks and tries again, rather than counting it as its code's failure).
   */
  async read(reference: BlobReference): Promise<SealedRow> {
    let bytes: Uint8Array | undefined;
    try {
      bytes = await this.store.get(reference.key);
    } catch (error) {
      throw new PayloadUnavailableError(reference.key, reference.size, 'unreachable', error instanceof Error ? error.message : String(error));
    }
    return rowOfBlob(reference, bytes);
  }

  /**
   * Deletes the keys `unreferenced` still gives back when this takes its turn (the host re-reads its references
   * there, so a key a step re-put and referenced meanwhile is spared). Resolves with the keys deleted. A host whose
   * references are read asynchronously (IndexedDB) reads them in the turn too: no put of this store lands meanwhile.
   */
  deleteUnreferenced(unreferenced: () => string[] | Promise<string[]>): Promise<string[]> {
    return this.#inTurn(async () => {
      const keys = await unreferenced();
      if (keys.length > 0) await this.store.delete(keys);
      return keys;
    });
  }

  /**
   * Deletes the blobs under the workflow id's prefix that no row references (`referenced`, read in this turn) and
   * that are older than the grace period: a crash between a put and its commit leaves such a blob.
   */
  async collectOrphans(workflowId: string, referenced: () => ReadonlySet<string>, now: number): Promise<BlobCollection> {
    const listed: ListedBlob[] = [];
    for await (const blob of this.store.list(await blobPrefixOf(workflowId))) listed.push(blob);
    const deleted = await this.deleteUnreferenced(() => selectOrphanBlobs({ listed, referenced: referenced(), now }));
    return { deleted };
  }

  #inTurn<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#turn.then(work);
    this.#turn = result.catch(() => undefined);
    return result;
  }
}
