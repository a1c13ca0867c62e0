// The claim check's reference (decision 019 §4): a row over the threshold leaves its table as a small reference, and
// its blob gives back exactly the stored row — JSON text, or sealed bytes as they were. A blob missing or changed is
// a PayloadUnavailableError that names it, never a wrong row.
import { describe, expect, it } from 'vitest';
import { PayloadError } from '../../../src/core/payload';
import { blobPrefixOf, checkBlobThreshold, DEFAULT_BLOB_THRESHOLD_BYTES, isOverBlobThreshold, rowOfBlob, rowOverThreshold, sha256Hex } from '../../../src/core/payloads/blob-reference';
import { PayloadUnavailableError } from '../../../src/core/payloads/payload-unavailable';
import { RowBlobs } from '../../../src/core/payloads/row-blobs';
import { RowCodecs } from '../../../src/core/payloads/row-codecs';
import { MemoryBlobStore } from '../../../src/testing/memory-blob-store';
import { aesGcmCodec } from '../../../src/protocol/aes-gcm-codec';
import { key } from '../../support/codec-keys';

describe('blob references', () => {
  it('gives back a row\'s JSON text through a store, character for character', async () => {
    const blobs = new RowBlobs(new MemoryBlobStore());
    const row = JSON.stringify({ type: 'ActivityTaskCompleted', result: `é€😀${'x'.repeat(200_000)}` });
    const prepared = await blobs.prepare('order-42', row);
    await blobs.put(prepared);
    expect(prepared.reference).toEqual({ key: `${await blobPrefixOf('order-42')}${await sha256Hex(prepared.bytes)}`, size: prepared.bytes.length, sha256: await sha256Hex(prepared.bytes) });
    expect(JSON.stringify(prepared.reference).length).toBeLessThan(300); // ~230 bytes, whatever the row's size
    expect(await blobs.read(prepared.reference)).toBe(row);
  });

  it('keeps a sealed row as its sealed bytes, so the blob is encrypted whenever the row would be', async () => {
    const codecs = new RowCodecs([aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]);
    const text = JSON.stringify({ secret: 'plaintext-marker', bulk: 'y'.repeat(200_000) });
    const sealed = await codecs.seal(text, 'h/run/7');
    const blobs = new RowBlobs(new MemoryBlobStore());
    const prepared = await blobs.prepare('wf', sealed);
    await blobs.put(prepared);
    expect(new TextDecoder().decode(prepared.bytes)).not.toContain('plaintext-marker');
    const back = await blobs.read(prepared.reference);
    expect(back).toBeInstanceOf(Uint8Array);
    expect(await codecs.open(back, 'h/run/7')).toBe(text);
  });

  it('keys a blob by its SHA-256 under a prefix per workflow id that no other id\'s prefix starts with', async () => {
    const blobs = new RowBlobs(new MemoryBlobStore());
    const a = await blobs.prepare('a', 'same text');
    const again = await blobs.prepare('a', 'same text');
    const ab = await blobs.prepare('a/b', 'same text');
    expect(a.reference.key).toMatch(/^wf\/[0-9a-f]{64}\/[0-9a-f]{64}$/);
    expect(again.reference).toEqual(a.reference);
    expect(ab.reference.key.startsWith(await blobPrefixOf('a'))).toBe(false);
    // SHA-256 of the UTF-8 id, pinned as literals (sha256sum): the key of blobs already stored must never change.
    expect(await blobPrefixOf('order-42')).toBe('wf/3bf8b157c4238eefe5ae4a66eca81c6b887d4dcedb58dd674271859f4dc2edfd/');
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('sends a row to the store only when it is over the threshold in bytes (128 KiB unless configured)', () => {
    expect(DEFAULT_BLOB_THRESHOLD_BYTES).toBe(128 * 1024);
    expect(isOverBlobThreshold(128 * 1024)).toBe(false);
    expect(isOverBlobThreshold(128 * 1024 + 1)).toBe(true);
    expect(rowOverThreshold('x'.repeat(128 * 1024))).toBe(false);
    expect(rowOverThreshold('x'.repeat(128 * 1024 + 1))).toBe(true);
    // Counted in UTF-8 bytes, not characters: 50 000 three-byte characters are 150 000 bytes.
    expect(rowOverThreshold('€'.repeat(50_000))).toBe(true);
    expect(rowOverThreshold(new Uint8Array(5_000), 4_096)).toBe(true);
    expect(() => checkBlobThreshold(undefined)).not.toThrow();
    expect(() => checkBlobThreshold(64 * 1024)).not.toThrow();
    expect(() => checkBlobThreshold(100)).toThrow(/payloads.blobThresholdBytes must be an integer from 1024 to 2097152/);
    expect(() => checkBlobThreshold(3 * 1024 * 1024)).toThrow(TypeError);
    expect(() => checkBlobThreshold('128k')).toThrow(TypeError);
    expect(() => new RowBlobs(new MemoryBlobStore(), { thresholdBytes: 10 })).toThrow(TypeError);
  });

  it('reports a blob deleted from the store as missing, naming its key and size', async () => {
    const store = new MemoryBlobStore();
    const blobs = new RowBlobs(store);
    const prepared = await blobs.prepare('order-42', 'z'.repeat(300_000));
    await blobs.put(prepared);
    await store.delete([prepared.reference.key]); // behind the engine's back

    const error = await blobs.read(prepared.reference).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadUnavailableError);
    expect(error).toMatchObject({ name: 'PayloadUnavailableError', key: prepared.reference.key, sizeBytes: 300_000, problem: 'missing' });
    expect((error as Error).message).toBe(`Payload blob ${prepared.reference.key} (300000 bytes) is missing from the blob store; the run waits until it is restored`);
  });

  it('reports a blob whose bytes changed as corrupted: another length, or the same length with another hash', async () => {
    const bytes = new TextEncoder().encode('{"text":"abc"}');
    const reference = { key: 'wf/x/y', size: bytes.length, sha256: await sha256Hex(bytes) };
    await expect(rowOfBlob(reference, bytes.subarray(1))).rejects.toMatchObject({ problem: 'corrupted', message: expect.stringContaining(`is corrupted: it holds ${bytes.length - 1} bytes`) as unknown });

    const flipped = bytes.slice();
    flipped[10] = flipped[10]! ^ 1;
    const error = await rowOfBlob(reference, flipped).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PayloadUnavailableError', problem: 'corrupted' });
    expect((error as Error).message).toContain(`(${bytes.length} bytes) is corrupted: its SHA-256 is ${await sha256Hex(flipped)}, not ${reference.sha256}`);
  });

  it('reports bytes that hash right but are neither text nor sealed as corrupted, not as a decode error', async () => {
    const bytes = new Uint8Array([0x7b, 0xff, 0xfe]); // `{` then bytes no UTF-8 text holds
    const reference = { key: 'wf/x/y', size: bytes.length, sha256: await sha256Hex(bytes) };
    await expect(rowOfBlob(reference, bytes)).rejects.toMatchObject({ name: 'PayloadUnavailableError', problem: 'corrupted', message: expect.stringContaining('neither a row\'s text nor sealed bytes') as unknown });
  });

  it('says so when a row references a blob and no store is configured', () => {
    expect(new PayloadUnavailableError('wf/a/b', 10, 'unconfigured').message).toBe('Payload blob wf/a/b (10 bytes) is in a blob store, but none is configured (payloads.blobs); the run waits until it is restored');
  });

  it('is recognised across copies of Duro by its brand, not by class identity', () => {
    const fromAnotherCopy = Object.assign(Object.create(null) as object, { [Symbol.for('duro.brand.PayloadUnavailableError')]: true });
    expect(fromAnotherCopy).toBeInstanceOf(PayloadUnavailableError);
    expect(new PayloadUnavailableError('k', 1, 'missing')).not.toBeInstanceOf(PayloadError);
  });
});
