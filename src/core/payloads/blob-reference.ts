// The claim check's reference (issue 21, docs/decisions/019-payloads.md §4): a stored row over the threshold is kept
// in a blob store, and the row's table keeps `{ key, size, sha256 }` in its place. The blob holds the row's stored
// form exactly: its JSON text in UTF-8, or its sealed bytes when payload codecs are configured (so a blob is
// encrypted whenever the row would have been). Reading checks size and hash before anything is believed.
import { Limits } from '../limits';
import { utf8Length } from '../payload';
import { PayloadUnavailableError } from './payload-unavailable';
import { SEALED_ROW_MAGIC, type SealedRow } from './row-codecs';

// WebCrypto and TextDecoder, which Workers, browsers and Node all have; the core is typed without their libs (base64.ts).
const web = globalThis as unknown as {
  crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } };
  TextDecoder: new (label: 'utf-8', options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };
};

/** Stored rows larger than this (in bytes) go to the blob store when one is configured. */
export const DEFAULT_BLOB_THRESHOLD_BYTES = 128 * 1024;

/** Below this, a reference and a round trip to the store would cost more than the row. */
const MIN_BLOB_THRESHOLD_BYTES = 1024;

/** A row kept in a blob store, as its table records it in the row's place. JSON-safe. */
export interface BlobReference {
  /** `wf/<sha256 of the workflow id>/<sha256 of the bytes>` (blobKeyOf). */
  readonly key: string;
  /** The blob's length in bytes. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the blob, checked on every read. */
  readonly sha256: string;
}

/** Throws a TypeError naming the option unless `thresholdBytes` is an integer from 1 KiB to the 2 MiB inline limit. */
export function checkBlobThreshold(thresholdBytes: unknown): asserts thresholdBytes is number | undefined {
  if (thresholdBytes === undefined) return;
  if (typeof thresholdBytes !== 'number' || !Number.isInteger(thresholdBytes) || thresholdBytes < MIN_BLOB_THRESHOLD_BYTES || thresholdBytes > Limits.maxPayloadBytes) {
    throw new TypeError(`payloads.blobThresholdBytes must be an integer from ${MIN_BLOB_THRESHOLD_BYTES} to ${Limits.maxPayloadBytes} (the inline payload limit), not ${String(thresholdBytes)}`);
  }
}

/** Whether a row of `sizeBytes` goes to the blob store. A row exactly at the threshold stays inline. */
export function isOverBlobThreshold(sizeBytes: number, thresholdBytes = DEFAULT_BLOB_THRESHOLD_BYTES): boolean {
  return sizeBytes > thresholdBytes;
}

/** A stored row's size in bytes, measuring text only when its length alone cannot decide against `thresholdBytes`. */
export function rowOverThreshold(row: SealedRow, thresholdBytes = DEFAULT_BLOB_THRESHOLD_BYTES): boolean {
  if (typeof row !== 'string') return isOverBlobThreshold(row.length, thresholdBytes);
  if (row.length > thresholdBytes) return true; // each UTF-16 unit is at least one byte
  if (row.length * 3 <= thresholdBytes) return false; // and at most three
  return isOverBlobThreshold(utf8Length(row), thresholdBytes);
}

/**
 * The key prefix of one workflow id's blobs. Per workflow id, because one Durable Object owns every run of that id:
 * it alone writes, references and collects what is under the prefix, with no count of references across objects.
 * The id is hashed because it is the user's text: up to 1000 characters of anything, where `a` would be a prefix of
 * `a/b`'s keys and orphan collection under `wf/a/` would delete blobs that `a/b` still references. SHA-256 is stable
 * across versions and hosts, and fixed-length.
 */
export async function blobPrefixOf(workflowId: string): Promise<string> {
  return `wf/${await sha256Hex(new TextEncoder().encode(workflowId))}/`;
}

/** Content-addressed: the same bytes under one workflow id always get the same key, so a repeated put is harmless. */
export async function blobKeyOf(workflowId: string, sha256: string): Promise<string> {
  return `${await blobPrefixOf(workflowId)}${sha256}`;
}

/** The bytes a row is kept as in the store: its text in UTF-8, or its sealed bytes as they are. */
export function blobBytesOf(row: SealedRow): Uint8Array {
  return typeof row === 'string' ? new TextEncoder().encode(row) : row;
}

/**
 * The row a blob holds, once its size and SHA-256 match the reference; `bytes` is what the store returned (undefined:
 * nothing). Sealed bytes start with a byte no JSON text starts with (row-codecs.ts), so they come back as bytes and
 * anything else as text. Throws a PayloadUnavailableError saying which blob, how large, and whether it is missing or
 * corrupted.
 */
export async function rowOfBlob(reference: BlobReference, bytes: Uint8Array | undefined): Promise<SealedRow> {
  const unavailable = (detail?: string) => new PayloadUnavailableError(reference.key, reference.size, detail === undefined ? 'missing' : 'corrupted', detail);
  if (bytes === undefined) throw unavailable();
  if (bytes.length !== reference.size) throw unavailable(`it holds ${bytes.length} bytes`);
  const actual = await sha256Hex(bytes);
  if (actual !== reference.sha256) throw unavailable(`its SHA-256 is ${actual}, not ${reference.sha256}`);
  if (bytes[0] === SEALED_ROW_MAGIC) return bytes;
  try {
    return new web.TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    // The hash matched, so these are the bytes that were put: a writer stored something that is not a row.
    throw unavailable(`its bytes are neither a row's text nor sealed bytes (${(error as Error).message})`);
  }
}

/** Lowercase hex SHA-256 (WebCrypto: the same in Workers, browsers and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await web.crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
