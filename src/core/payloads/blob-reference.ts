// The claim check (issue 21, decision 019 §4): a stored payload over the threshold is written to a blob store, and
// history keeps `{"$duro":"blob","key":…,"size":…,"sha256":…,"enc":…}` in its place. The blob holds the stored
// payload's JSON exactly (marks included), so opening it gives back what `readPayload` decodes as if inline.
import { Limits } from '../limits';
import { PayloadUnavailableError } from './payload-unavailable';

// WebCrypto and TextDecoder, which Workers, browsers and Node all have; the core is typed without their libs (base64.ts).
const web = globalThis as unknown as {
  crypto: { subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> } };
  TextDecoder: new (label: 'utf-8', options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };
};

/** Stored payloads larger than this (their JSON, in bytes) go to the blob store when one is configured. */
export const DEFAULT_BLOB_THRESHOLD_BYTES = 128 * 1024;

/** Below this, a reference and a round trip to the store would cost more than the payload. */
const MIN_BLOB_THRESHOLD_BYTES = 1024;

/** A payload kept in a blob store, as history stores it in place of the payload. JSON-safe. */
export interface BlobReference {
  readonly $duro: 'blob';
  /** `wf/<sha256 of the workflow id>/<sha256 of the bytes>` (blobKeyOf). */
  readonly key: string;
  /** The blob's length in bytes: the stored payload's JSON in UTF-8. */
  readonly size: number;
  /** Lowercase hex SHA-256 of the blob, checked on every read. */
  readonly sha256: string;
  /** How the payload inside was written (`rich` when marked so), for readers that show a reference without fetching it. */
  readonly enc: 'json' | 'rich';
}

/** A payload made ready for the store: put `bytes` under `reference.key`, then commit `reference` in its place. */
export interface PreparedBlob {
  readonly reference: BlobReference;
  readonly bytes: Uint8Array;
}

/** Throws a TypeError naming the option unless `thresholdBytes` is an integer from 1 KiB to the 2 MiB inline limit. */
export function checkBlobThreshold(thresholdBytes: unknown): asserts thresholdBytes is number | undefined {
  if (thresholdBytes === undefined) return;
  if (typeof thresholdBytes !== 'number' || !Number.isInteger(thresholdBytes) || thresholdBytes < MIN_BLOB_THRESHOLD_BYTES || thresholdBytes > Limits.maxPayloadBytes) {
    throw new TypeError(`payloads.blobThresholdBytes must be an integer from ${MIN_BLOB_THRESHOLD_BYTES} to ${Limits.maxPayloadBytes} (the inline payload limit), not ${String(thresholdBytes)}`);
  }
}

/**
 * Whether a stored payload of `sizeBytes` (its JSON, as `checkPayload` returns it: measured once, never re-encoded)
 * goes to the blob store. A payload exactly at the threshold stays inline.
 */
export function isOverBlobThreshold(sizeBytes: number, thresholdBytes = DEFAULT_BLOB_THRESHOLD_BYTES): boolean {
  return sizeBytes > thresholdBytes;
}

/**
 * The key prefix of one workflow id's blobs. Per workflow id, because one Durable Object owns every run of that id:
 * it alone writes, references and collects what is under the prefix, with no count of references across objects,
 * and a chain's runs (continue-as-new with the same large input) share one blob. The id is hashed because it is
 * the user's text: up to 1000 characters of anything, where `a` would be a prefix of `a/b`'s keys and orphan
 * collection under `wf/a/` would delete blobs that `a/b` still references. SHA-256 is stable across versions and
 * hosts, and fixed-length.
 */
export async function blobPrefixOf(workflowId: string): Promise<string> {
  return `wf/${await sha256Hex(new TextEncoder().encode(workflowId))}/`;
}

/** Content-addressed: the same bytes under one workflow id always get the same key, so a repeated put is harmless. */
export async function blobKeyOf(workflowId: string, sha256: string): Promise<string> {
  return `${await blobPrefixOf(workflowId)}${sha256}`;
}

/** The bytes, hash and reference of a stored payload (`stored`: the JSON-safe form `writePayload` returned). */
export async function prepareBlob(workflowId: string, stored: unknown): Promise<PreparedBlob> {
  const text = JSON.stringify(stored) as string | undefined;
  if (text === undefined) throw new TypeError('An undefined payload has no JSON to store as a blob');
  const bytes = new TextEncoder().encode(text);
  const sha256 = await sha256Hex(bytes);
  const reference: BlobReference = { $duro: 'blob', key: await blobKeyOf(workflowId, sha256), size: bytes.length, sha256, enc: isRichMarked(stored) ? 'rich' : 'json' };
  return { reference, bytes };
}

const REFERENCE_FIELDS = new Set(['$duro', 'key', 'size', 'sha256', 'enc']);

/**
 * Whether a stored payload is a blob reference this version reads. Only in runs that write marks (payloadFormat 1):
 * there a user value with its own `$duro` key is stored wrapped (envelope.ts), so it never looks like a reference.
 * A `blob` mark with fields this version does not know (a later one's codec) is not one: `readPayload` then refuses
 * it as written by a newer Duro, rather than this version misreading the bytes.
 */
export function isBlobReference(value: unknown): value is BlobReference {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { $duro, key, size, sha256, enc } = value as Record<string, unknown>;
  return (
    $duro === 'blob' && typeof key === 'string' && key !== '' && typeof size === 'number' && Number.isSafeInteger(size) && size >= 0
    && typeof sha256 === 'string' && /^[0-9a-f]{64}$/.test(sha256) && (enc === 'json' || enc === 'rich')
    && Object.keys(value).every((field) => REFERENCE_FIELDS.has(field))
  );
}

/**
 * The stored payload a blob holds, once its size and SHA-256 match the reference; `bytes` is what the store returned
 * for `reference.key` (undefined: nothing). Throws a PayloadUnavailableError saying which blob, how large, and
 * whether it is missing or corrupted.
 */
export async function openBlob(reference: BlobReference, bytes: Uint8Array | undefined): Promise<unknown> {
  const unavailable = (detail?: string) => new PayloadUnavailableError(reference.key, reference.size, detail === undefined ? 'missing' : 'corrupted', detail);
  if (bytes === undefined) throw unavailable();
  if (bytes.length !== reference.size) throw unavailable(`it holds ${bytes.length} bytes`);
  const actual = await sha256Hex(bytes);
  if (actual !== reference.sha256) throw unavailable(`its SHA-256 is ${actual}, not ${reference.sha256}`);
  try {
    return JSON.parse(new web.TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)) as unknown;
  } catch (error) {
    // The hash matched, so these are the bytes that were put: a writer stored something that is not a payload.
    throw unavailable(`its bytes are not a payload's JSON (${(error as Error).message})`);
  }
}

/** Lowercase hex SHA-256 (WebCrypto: the same in Workers, browsers and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await web.crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function isRichMarked(stored: unknown): boolean {
  return typeof stored === 'object' && stored !== null && !Array.isArray(stored) && (stored as Record<string, unknown>).$duro === 'rich';
}
