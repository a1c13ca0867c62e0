// Payload blobs in R2 inside workerd (miniflare's local R2, the fixture's DURO_BLOBS binding): the store keeps the
// contract every blob store keeps, carries a 50 MiB activity result intact, and a blob deleted or replaced behind
// its back reads as missing or corrupted, never as a wrong value (decision 019 §4).
import { env as workerEnv } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { readPayload, writePayload } from '../../src/core/payloads/envelope';
import { PayloadUnavailableError } from '../../src/core/payloads/payload-unavailable';
import { RowBlobs } from '../../src/core/payloads/row-blobs';
import { R2BlobStore } from '../../durable-objects/r2-blob-store';
import { runBlobStoreContract } from '../support/blob-store-contract';
import { uniqueId } from './helpers';

const MiB = 1024 * 1024;
/** The fixture Worker's bindings. */
const env = workerEnv as unknown as { DURO_BLOBS: R2Bucket };
const store = () => new R2BlobStore(env.DURO_BLOBS);
const rows = () => new RowBlobs(store());

runBlobStoreContract('R2BlobStore', store);

describe('R2BlobStore in workerd', () => {
  it('carries a 50 MiB activity result through R2 and back, checked by SHA-256 on the way in and out', async () => {
    const report = '0123456789abcdef'.repeat((50 * MiB) / 16);
    const result = { report, at: new Date(0) };
    const blob = await rows().prepare(uniqueId('big'), JSON.stringify(writePayload(result, 'rich', 'Activity result')));
    expect(blob.reference.size).toBeGreaterThan(50 * MiB);

    await rows().put(blob);
    const back = readPayload(JSON.parse(await rows().read(blob.reference) as string)) as typeof result;
    // Compared as values, not through toEqual, whose diff of 50 MiB strings would be unreadable.
    expect(back.report.length).toBe(report.length);
    expect(back.report === report).toBe(true);
    expect(back.at).toEqual(new Date(0));
  }, 30_000);

  it('reads a blob deleted behind its back as missing, naming the blob and its size', async () => {
    const { reference, bytes } = await rows().prepare(uniqueId('deleted'), 'y'.repeat(200_000));
    await store().put(reference.key, bytes, reference.sha256);
    await env.DURO_BLOBS.delete(reference.key); // not through Duro

    const error = await rows().read(reference).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadUnavailableError);
    expect((error as Error).message).toBe(`Payload blob ${reference.key} (${bytes.length} bytes) is missing from the blob store; the run waits until it is restored`);
  });

  it('reads a blob replaced behind its back as corrupted', async () => {
    const { reference, bytes } = await rows().prepare(uniqueId('replaced'), 'z'.repeat(200_000));
    await store().put(reference.key, bytes, reference.sha256);
    const other = bytes.slice();
    other[20] = 'q'.charCodeAt(0);
    await env.DURO_BLOBS.put(reference.key, other); // same length, other bytes, no checksum given

    await expect(rows().read(reference)).rejects.toMatchObject({ name: 'PayloadUnavailableError', problem: 'corrupted', key: reference.key });
  });
});
