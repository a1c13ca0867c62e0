// The payload blob store of the test environment: a Map, on the environment's clock so orphan collection's grace
// period moves with time skipping. Checks hashes as R2 does, so a test catches what production would refuse.
import { sha256Hex } from '../core/payloads/blob-reference';
import type { ListedBlob, PayloadBlobStore } from '../core/payloads/blob-store';

interface MemoryBlob {
  bytes: Uint8Array;
  uploadedAt: number;
}

/**
 * @example
 * const blobs = new MemoryBlobStore({ now: () => clock.now() });
 * await blobs.put(reference.key, bytes, reference.sha256);
 */
export class MemoryBlobStore implements PayloadBlobStore {
  readonly #blobs = new Map<string, MemoryBlob>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async put(key: string, bytes: Uint8Array, sha256: string): Promise<void> {
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) throw new Error(`Blob ${key} not stored: its SHA-256 is ${actual}, not the ${sha256} given`);
    // A copy: the caller's buffer may change after the put, a stored blob never does.
    this.#blobs.set(key, { bytes: bytes.slice(), uploadedAt: this.#now() });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.#blobs.get(key)?.bytes.slice();
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) this.#blobs.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ListedBlob> {
    const keys = [...this.#blobs.keys()].filter((key) => key.startsWith(prefix)).sort();
    for (const key of keys) {
      const blob = this.#blobs.get(key);
      if (blob) yield { key, uploadedAt: blob.uploadedAt, size: blob.bytes.length };
    }
  }
}
