// Payload encoding and the 2 MiB limit. Payloads are JSON; size is what storage and the wire see.
import { Limits } from './limits';

/** A payload larger than the limit, or one that JSON cannot encode. Never stored. */
export class PayloadError extends Error {
  constructor(
    message: string,
    readonly sizeBytes?: number,
  ) {
    super(message);
    this.name = 'PayloadError';
  }
}

const encoder = new TextEncoder();

/** Encoded size in bytes of a JSON value (`undefined` counts as 0). */
export function payloadSize(value: unknown): number {
  if (value === undefined) return 0;
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/** Throws a {@link PayloadError} naming `what` when the value cannot be encoded or is over the limit; returns its size. */
export function checkPayload(value: unknown, what: string): number {
  let size: number;
  try {
    size = payloadSize(value);
  } catch (error) {
    throw new PayloadError(`${what} cannot be encoded as JSON: ${(error as Error).message}`);
  }
  if (size > Limits.maxPayloadBytes) {
    throw new PayloadError(`${what} is ${size} bytes, over the ${Limits.maxPayloadBytes}-byte (2 MiB) payload limit; store large data elsewhere and pass a reference`, size);
  }
  return size;
}

/** Search attributes are indexed for list and count: all of a run's together stay small (Limits.maxSearchAttributesBytes). */
export function checkSearchAttributes(attributes: Record<string, unknown>): void {
  const size = checkPayload(attributes, 'Search attributes');
  if (size > Limits.maxSearchAttributesBytes) {
    throw new PayloadError(`Search attributes are ${size} bytes together, over the ${Limits.maxSearchAttributesBytes}-byte limit: they are indexed for list and count; keep large data in the memo`, size);
  }
}
