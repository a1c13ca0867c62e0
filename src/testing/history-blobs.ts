// The claim check of the memory store (docs/payloads.md, "Large payloads"): history rows over the threshold are put
// in the blob store before the commit that references them, read back (checked) on every read, and deleted with the
// last run of the workflow id that references them, as the Durable Object's store does (sql-run-store.ts).
import type { BlobReference } from '../core/payloads/blob-reference';
import type { RowBlobs } from '../core/payloads/row-blobs';
import type { SealedRow } from '../core/payloads/row-codecs';

/** A history row as the memory store keeps it: its stored form, or the reference to the blob holding it. */
export type KeptRow = SealedRow | BlobReference;

export function isBlobReference(row: KeptRow): row is BlobReference {
  return typeof row === 'object' && !(row instanceof Uint8Array);
}

export class HistoryBlobs {
  readonly #rows: RowBlobs;
  /** Whether a committed row of any run references `key`. */
  readonly #isReferenced: (key: string) => boolean;
  /** Keys put for a commit not written yet, with how many commits put each: a deletion spares them. */
  readonly #pending = new Map<string, number>();

  constructor(rows: RowBlobs, isReferenced: (key: string) => boolean) {
    this.#rows = rows;
    this.#isReferenced = isReferenced;
  }

  /** The places of the rows that go to the blob store (RowBlobs.taken): none, and the commit stays synchronous. */
  taken(rows: readonly SealedRow[], types: readonly string[]): number[] {
    return this.#rows.taken(rows, types);
  }

  /**
   * Puts the rows over the threshold, then calls `write` with each of those replaced by its reference. When a put
   * fails, nothing is written: the commit rejects, and the blobs it did put are deleted unless something references them.
   */
  async offload(workflowId: string, rows: readonly SealedRow[], places: readonly number[], write: (kept: KeptRow[]) => void): Promise<void> {
    let keys: string[] = [];
    let references: Map<number, BlobReference>;
    try {
      references = await this.#rows.offload(workflowId, rows, places, (held) => this.#hold((keys = held)));
    } catch (error) {
      this.#release(keys);
      void this.deleteUnreferenced(keys);
      throw error;
    }
    try {
      write(rows.map((row, i) => references.get(i) ?? row));
    } finally {
      this.#release(keys);
    }
  }

  /** The row a reference stands for; a PayloadUnavailableError when its blob is missing or changed. */
  read(reference: BlobReference): Promise<SealedRow> {
    return this.#rows.read(reference);
  }

  /**
   * Deletes those of `keys` that no committed row and no commit under way references, decided in the store's turn
   * (a put of the same key queued before it has landed by then). A store that refuses is reported, not thrown: the
   * run is gone either way, and the blob is an orphan.
   */
  async deleteUnreferenced(keys: readonly string[]): Promise<void> {
    const candidates = [...new Set(keys)];
    if (candidates.length === 0) return;
    try {
      await this.#rows.deleteUnreferenced(() => candidates.filter((key) => !this.#pending.has(key) && !this.#isReferenced(key)));
    } catch (error) {
      console.error('duro: deleting payload blobs failed; they stay in the blob store', error);
    }
  }

  #hold(keys: readonly string[]): void {
    for (const key of keys) this.#pending.set(key, (this.#pending.get(key) ?? 0) + 1);
  }

  #release(keys: readonly string[]): void {
    for (const key of keys) {
      const count = this.#pending.get(key)! - 1;
      if (count === 0) this.#pending.delete(key);
      else this.#pending.set(key, count);
    }
  }
}
