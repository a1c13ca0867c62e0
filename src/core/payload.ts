// Payload encoding and the 2 MiB limit. Payloads are JSON; size is what storage and the wire see.
import { brandClass } from './brand';
import { Limits } from './limits';

/** A payload larger than the limit, or one that JSON cannot encode. Never stored. */
export class PayloadError extends Error {
  static {
    brandClass(this, 'PayloadError');
  }

  constructor(
    message: string,
    readonly sizeBytes?: number,
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

export interface PayloadCheckOptions {
  /**
   * Check depth and numbers too (default). Workflow code's values skip it until their run records
   * `EngineFlag.PayloadShape`: a history written before stored NaN as null and must replay the same.
   */
  shape?: boolean;
  /** The limit in bytes: Limits.maxPayloadBytes (2 MiB) unless the host keeps large rows in a blob store (Limits.maxBlobPayloadBytes). */
  maxBytes?: number;
}

/** Encoded size in bytes of a JSON value (`undefined` counts as 0). */
export function payloadSize(value: unknown): number {
  if (value === undefined) return 0;
  return utf8Length(JSON.stringify(value));
}

/**
 * The UTF-8 length of a string without encoding it (every step measures its events: no buffer per event). A lone
 * surrogate counts 3 bytes, as TextEncoder writes it (U+FFFD).
 */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: 4 bytes for 2 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

/**
 * Throws a {@link PayloadError} naming `what` when the value cannot be encoded as it is (nested deeper than
 * `Limits.maxPayloadDepth`, or holding NaN or ±Infinity, which JSON would turn into null) or is over the limit;
 * returns its size.
 */
export function checkPayload(value: unknown, what: string, options: PayloadCheckOptions = {}): number {
  const shape = options.shape === false ? undefined : payloadShapeProblem(value);
  if (shape !== undefined) throw new PayloadError(`${what} ${shape}`);
  let size: number;
  try {
    size = payloadSize(value);
  } catch (error) {
    throw new PayloadError(`${what} cannot be encoded as JSON: ${(error as Error).message}`);
  }
  const maxBytes = options.maxBytes ?? Limits.maxPayloadBytes;
  if (size > maxBytes) {
    const hint = maxBytes < Limits.maxBlobPayloadBytes ? '; configure a blob store (payloads.blobs, docs/payloads.md) or store large data elsewhere and pass a reference' : '';
    throw new PayloadError(`${what} is ${size} bytes, over the ${maxBytes}-byte (${mebibytes(maxBytes)}) payload limit${hint}`, size);
  }
  return size;
}

/**
 * The limit of a payload that leaves its workflow's object (a result, a failure, a child's input, heartbeat details)
 * on a host whose limit is `maxBytes`: it crosses an RPC, so never more than Limits.maxMessagePayloadBytes.
 */
export function leavingLimit(maxBytes: number = Limits.maxPayloadBytes): number {
  return Math.min(maxBytes, Limits.maxMessagePayloadBytes);
}

function mebibytes(bytes: number): string {
  return `${Number((bytes / (1024 * 1024)).toFixed(2))} MiB`;
}

/** Search attributes are indexed for list and count: all of a run's together stay small (Limits.maxSearchAttributesBytes). */
export function checkSearchAttributes(attributes: Record<string, unknown>, options: PayloadCheckOptions = {}): void {
  const size = checkPayload(attributes, 'Search attributes', options);
  if (size > Limits.maxSearchAttributesBytes) {
    throw new PayloadError(`Search attributes are ${size} bytes together, over the ${Limits.maxSearchAttributesBytes}-byte limit: they are indexed for list and count; keep large data in the memo`, size);
  }
}

/**
 * What makes a value from outside unfit to store, or undefined: nesting deeper than `maxDepth` (objects and arrays;
 * a scalar is 0 deep), a number JSON cannot carry (NaN, ±Infinity) or a bigint, which it cannot encode. Walks with
 * its own stack and stops at the first problem, so a value 100 000 deep is measured without overflowing the stack
 * that JSON.stringify would (activity-reply.test.ts).
 */
export function payloadShapeProblem(value: unknown, maxDepth: number = Limits.maxPayloadDepth): string | undefined {
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current === 'number') {
      if (!Number.isFinite(current)) return `holds the number ${current}, which JSON cannot carry`;
    } else if (typeof current === 'bigint') {
      return 'holds a bigint, which JSON cannot encode'; // functions and symbols JSON leaves out, as it always did
    } else if (typeof current === 'object' && current !== null) {
      if (depth + 1 > maxDepth) return `nests deeper than ${maxDepth} levels of objects and arrays`;
      for (const child of Array.isArray(current) ? current : Object.values(current)) pending.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * A fresh copy of a payload as history stores it (JSON): what a handler is given, so nothing it does to its
 * arguments reaches the recorded event, and a live run sees what a replay will (an `undefined` in an array is null).
 */
export function copyPayload<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
