// The claim check's reference (decision 019 §4): a payload over the threshold leaves history as a small reference,
// and its blob gives back exactly the stored payload, which readPayload decodes as if it had been inline. A blob
// missing or changed is a PayloadUnavailableError that names it, never a wrong value.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/core/payload';
import { readPayload, writePayload } from '../../../src/core/payloads/envelope';
import { blobPrefixOf, checkBlobThreshold, DEFAULT_BLOB_THRESHOLD_BYTES, isBlobReference, isOverBlobThreshold, openBlob, prepareBlob, sha256Hex } from '../../../src/core/payloads/blob-reference';
import { PayloadUnavailableError } from '../../../src/core/payloads/payload-unavailable';
import { MemoryBlobStore } from '../../../src/testing/memory-blob-store';
import { richSample } from '../../support/rich-values';

/** Through JSON text, as a history row carries it. */
const throughJson = <T>(value: T) => JSON.parse(JSON.stringify(value)) as T;

describe('blob references', () => {
  it('gives back the stored payload through a store, rich values included, and readPayload decodes it', async () => {
    const store = new MemoryBlobStore();
    const value = { ...richSample(), padding: 'x'.repeat(200_000) };
    const stored = writePayload(value, 'rich', 'Activity result');

    const { reference, bytes } = await prepareBlob('order-42', stored);
    await store.put(reference.key, bytes, reference.sha256);
    const kept = throughJson(reference); // what history holds in place of the payload

    expect(isBlobReference(kept)).toBe(true);
    expect(kept).toMatchObject({ $duro: 'blob', size: bytes.length, enc: 'rich' });
    expect(JSON.stringify(kept).length).toBeLessThan(300); // ~260 bytes, whatever the payload's size
    expect(readPayload(await openBlob(kept, await store.get(kept.key)))).toEqual(value);
  });

  it('round-trips any JSON payload, and marks it json', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
        const stored = throughJson(writePayload(value, 'json', 'Input'));
        const { reference, bytes } = await prepareBlob('wf', stored);
        expect(reference.enc).toBe('json');
        expect(await openBlob(reference, bytes)).toEqual(stored);
      }),
      { numRuns: 50 },
    );
  });

  it('keys a blob by its SHA-256 under a prefix per workflow id that no other id\'s prefix starts with', async () => {
    const stored = { text: 'y'.repeat(10) };
    const a = await prepareBlob('a', stored);
    const again = await prepareBlob('a', stored);
    const ab = await prepareBlob('a/b', stored);
    expect(a.reference.key).toBe(`${await blobPrefixOf('a')}${await sha256Hex(a.bytes)}`);
    expect(a.reference.key).toMatch(/^wf\/[0-9a-f]{64}\/[0-9a-f]{64}$/);
    expect(again.reference).toEqual(a.reference);
    expect(ab.reference.key.startsWith(await blobPrefixOf('a'))).toBe(false);
    // SHA-256 of the UTF-8 id, pinned as literals (sha256sum): the key of blobs already stored must never change.
    expect(await blobPrefixOf('order-42')).toBe('wf/3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd/');
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('sends a payload to the store only when its stored JSON is over the threshold (128 KiB unless configured)', () => {
    expect(DEFAULT_BLOB_THRESHOLD_BYTES).toBe(128 * 1024);
    expect(isOverBlobThreshold(128 * 1024)).toBe(false);
    expect(isOverBlobThreshold(128 * 1024 + 1)).toBe(true);
    expect(isOverBlobThreshold(5_000, 4_096)).toBe(true);
    expect(() => checkBlobThreshold(undefined)).not.toThrow();
    expect(() => checkBlobThreshold(64 * 1024)).not.toThrow();
    expect(() => checkBlobThreshold(100)).toThrow(/payloads.blobThresholdBytes must be an integer from 1024 to 2097152/);
    expect(() => checkBlobThreshold(3 * 1024 * 1024)).toThrow(TypeError);
    expect(() => checkBlobThreshold('128k')).toThrow(TypeError);
  });

  it('recognises only a well-formed reference; a value with its own $duro key is stored wrapped, so it is never taken for one', async () => {
    const { reference } = await prepareBlob('wf', { a: 1 });
    expect(isBlobReference(reference)).toBe(true);
    for (const bad of [null, [], 'blob', { ...reference, $duro: 'rich' }, { ...reference, size: -1 }, { ...reference, size: 1.5 }, { ...reference, sha256: 'ABC' }, { ...reference, enc: 'xml' }, { ...reference, key: '' }]) {
      expect(isBlobReference(bad)).toBe(false);
    }
    // A later version's field (a codec): not read as a reference, so readPayload refuses it as written by a newer Duro.
    const newer = { ...reference, codec: 'aes:k1' };
    expect(isBlobReference(newer)).toBe(false);
    expect(() => readPayload(newer)).toThrow(PayloadError);
    // A user's value that looks like a reference is stored under the json mark, and reads back as data.
    const lookalike = writePayload({ ...reference }, 'json', 'Input');
    expect(isBlobReference(lookalike)).toBe(false);
    expect(readPayload(lookalike)).toEqual(reference);
  });

  it('reports a blob deleted from the store as missing, naming its key and size', async () => {
    const store = new MemoryBlobStore();
    const { reference, bytes } = await prepareBlob('order-42', { text: 'z'.repeat(300_000) });
    await store.put(reference.key, bytes, reference.sha256);
    await store.delete([reference.key]); // behind the engine's back

    const error = await openBlob(reference, await store.get(reference.key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadUnavailableError);
    expect(error).toMatchObject({ name: 'PayloadUnavailableError', key: reference.key, sizeBytes: bytes.length, problem: 'missing' });
    expect((error as Error).message).toBe(`Payload blob ${reference.key} (${bytes.length} bytes) is missing from the blob store; the run waits until it is restored`);
  });

  it('reports a blob whose bytes changed as corrupted: another length, or the same length with another hash', async () => {
    const { reference, bytes } = await prepareBlob('order-42', { text: 'abc' });
    await expect(openBlob(reference, bytes.subarray(1))).rejects.toMatchObject({ problem: 'corrupted', message: expect.stringContaining(`is corrupted: it holds ${bytes.length - 1} bytes`) as unknown });

    const flipped = bytes.slice();
    flipped[10] = flipped[10]! ^ 1;
    const error = await openBlob(reference, flipped).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PayloadUnavailableError', problem: 'corrupted' });
    expect((error as Error).message).toContain(`(${bytes.length} bytes) is corrupted: its SHA-256 is ${await sha256Hex(flipped)}, not ${reference.sha256}`);
  });

  it('reports bytes that hash right but are not a payload\'s JSON as corrupted, not as a parse error', async () => {
    const bytes = new TextEncoder().encode('{"half":');
    const reference = { $duro: 'blob' as const, key: 'wf/x/y', size: bytes.length, sha256: await sha256Hex(bytes), enc: 'json' as const };
    await expect(openBlob(reference, bytes)).rejects.toMatchObject({ name: 'PayloadUnavailableError', problem: 'corrupted', message: expect.stringContaining('not a payload\'s JSON') as unknown });
  });

  it('is recognised across copies of Duro by its brand, not by class identity', () => {
    const fromAnotherCopy = Object.assign(Object.create(null) as object, { [Symbol.for('duro.brand.PayloadUnavailableError')]: true });
    expect(fromAnotherCopy).toBeInstanceOf(PayloadUnavailableError);
    expect(new PayloadUnavailableError('k', 1, 'missing')).not.toBeInstanceOf(PayloadError);
  });
});
