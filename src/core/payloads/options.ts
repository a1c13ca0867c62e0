// How a host writes payloads (docs/payloads.md): the converter that turns values into stored JSON, and the codecs
// applied to every row at rest. One shape for every host; on Workers, codecs are made from the env (secrets).
import type { PayloadBlobStore } from './blob-store';
import type { PayloadConverter } from './envelope';

/**
 * A stage of the at-rest pipeline: bytes in, bytes out, bound to the row's identity. `id` is recorded with each row
 * it wrote, so a row stays readable after the pipeline changes (while the codec is still configured).
 */
export interface PayloadCodec {
  readonly id: string;
  encode(data: Uint8Array, identity: string): Promise<Uint8Array>;
  decode(data: Uint8Array, identity: string): Promise<Uint8Array>;
}

export interface PayloadOptions {
  /** How new payloads are written: `json` (default) or `rich` (Date, Map, Set, BigInt, bytes, undefined…). */
  converter?: PayloadConverter;
  /** Applied, in order, to every stored row holding payloads (history, state, logs, Visibility…); read in reverse. */
  codecs?: readonly PayloadCodec[];
  /**
   * Where history rows over `blobThresholdBytes` are kept, history holding a reference (the claim check,
   * docs/payloads.md "Large payloads"); payloads may then be up to 100 MiB. Default: none, every row inline.
   */
  blobs?: PayloadBlobStore;
  /** Rows larger than this many bytes go to `blobs`. Default 128 KiB; 1 KiB to 2 MiB. */
  blobThresholdBytes?: number;
}
