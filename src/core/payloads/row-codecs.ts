// The at-rest pipeline every store runs its payload rows through (docs/payloads.md, "Encryption at rest"). Without
// codecs a row is its JSON text, byte for byte what was stored before codecs existed. With codecs a row is bytes: a
// header naming the codecs applied, in order, then their output; reading decodes through the recorded codecs in
// reverse, so a row stays readable after the pipeline changes, as long as its codecs are still configured.
//
// Sealed form: 0xD5 | codec count (1 byte) | for each codec: id length (1 byte), id (UTF-8) | data.
import { brandClass } from '../brand';
import type { PayloadCodec } from './options';

/** A stored row: JSON text (written without codecs, or before them) or sealed bytes. */
export type SealedRow = string | Uint8Array;

/** Not a JSON text's first byte (`{`, `[`, `"`, a digit…), so a sealed row is never taken for text. */
export const SEALED_ROW_MAGIC = 0xd5;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Why a stored row does not open: a codec not configured, a key removed, a row changed or moved. Names the row. */
export class RowOpenError extends Error {
  static {
    brandClass(this, 'RowOpenError'); // hosts tell it apart by brand, never by its name (STYLE.md)
  }

  readonly identity: string;
  constructor(identity: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RowOpenError';
    this.identity = identity;
  }
}

/** What a store holds of its codecs: `seal` before the write's transaction, `open` after a read. */
export class RowCodecs {
  readonly #codecs: readonly PayloadCodec[];
  readonly #header: Uint8Array;

  constructor(codecs: readonly PayloadCodec[] = []) {
    const ids = codecs.map((codec) => encoder.encode(codec.id));
    for (const [i, id] of ids.entries()) if (id.length === 0 || id.length > 255) throw new TypeError(`Payload codec id '${codecs[i]!.id}' must be 1 to 255 bytes`);
    if (new Set(codecs.map((codec) => codec.id)).size !== codecs.length) throw new TypeError('Payload codec ids must differ from each other');
    this.#codecs = codecs;
    this.#header = new Uint8Array([SEALED_ROW_MAGIC, ids.length, ...ids.flatMap((id) => [id.length, ...id])]);
  }

  /** Whether rows are sealed (a store without codecs stays synchronous, writing text as it always did). */
  get isSealing(): boolean {
    return this.#codecs.length > 0;
  }

  /** `text` as it is stored at `identity` (the row's place, e.g. `h/<runId>/<eventId>`: bound, so rows cannot swap). */
  async seal(text: string, identity: string): Promise<SealedRow> {
    if (!this.isSealing) return text;
    let data = encoder.encode(text);
    for (const codec of this.#codecs) data = await codec.encode(data, identity);
    const row = new Uint8Array(this.#header.length + data.length);
    row.set(this.#header);
    row.set(data, this.#header.length);
    return row;
  }

  /** Rows sealed together (one commit's), in order; without codecs, the texts themselves, synchronously. */
  sealAll(rows: ReadonlyArray<readonly [text: string, identity: string]>): SealedRow[] | Promise<SealedRow[]> {
    if (!this.isSealing) return rows.map(([text]) => text);
    return Promise.all(rows.map(([text, identity]) => this.seal(text, identity)));
  }

  /** The JSON text of a row stored at `identity`: text as it is, sealed bytes through their recorded codecs. */
  open(stored: unknown, identity: string): string | Promise<string> {
    if (typeof stored === 'string') return stored;
    const bytes = bytesOf(stored);
    if (!bytes) throw new RowOpenError(identity, `Row ${identity} holds neither text nor sealed bytes`);
    return this.#open(bytes, identity);
  }

  /** Several rows; synchronous when every one is text. */
  openAll(rows: ReadonlyArray<readonly [stored: unknown, identity: string]>): string[] | Promise<string[]> {
    const opened = rows.map(([stored, identity]) => this.open(stored, identity));
    return opened.every((text) => typeof text === 'string') ? (opened as string[]) : Promise.all(opened);
  }

  async #open(row: Uint8Array, identity: string): Promise<string> {
    const { ids, offset } = headerOf(row, identity);
    let data = row.subarray(offset);
    for (const id of [...ids].reverse()) {
      const codec = this.#codecs.find((candidate) => candidate.id === id);
      if (!codec) throw new RowOpenError(identity, `Row ${identity} was written with payload codec '${id}', which is not configured: add it to payloads.codecs`);
      try {
        data = await codec.decode(data, identity);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        // The built-in codec's reasons already name the row; others get it here.
        throw new RowOpenError(identity, reason.includes(identity) ? `${reason} (payload codec '${id}')` : `Row ${identity} does not decode with payload codec '${id}': ${reason}`, { cause: error });
      }
    }
    return decoder.decode(data);
  }
}

/** A row as SQLite binds it: text as TEXT, sealed bytes as a BLOB (an ArrayBuffer of its own; a TEXT column keeps it as is). */
export function sqlValueOf(row: SealedRow): string | ArrayBuffer {
  if (typeof row === 'string') return row;
  // A row `seal` made spans its own buffer: bound as it is, without a copy (up to 2 MiB a row).
  return row.byteOffset === 0 && row.byteLength === row.buffer.byteLength ? (row.buffer as ArrayBuffer) : (row.slice().buffer as ArrayBuffer);
}

/** Bytes as SQLite (ArrayBuffer), IndexedDB and memory (Uint8Array) hand them back. */
export function bytesOf(stored: unknown): Uint8Array | undefined {
  if (stored instanceof Uint8Array) return stored;
  if (stored instanceof ArrayBuffer) return new Uint8Array(stored);
  if (ArrayBuffer.isView(stored)) return new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
  return undefined;
}

function headerOf(row: Uint8Array, identity: string): { ids: string[]; offset: number } {
  const malformed = () => new RowOpenError(identity, `Row ${identity} is not a row sealed by Duro's payload codecs`);
  if (row[0] !== SEALED_ROW_MAGIC || row.length < 2) throw malformed();
  const ids: string[] = [];
  let offset = 2;
  for (let i = 0; i < row[1]!; i++) {
    const length = row[offset];
    if (length === undefined || offset + 1 + length > row.length) throw malformed();
    ids.push(decoder.decode(row.subarray(offset + 1, offset + 1 + length)));
    offset += 1 + length;
  }
  return { ids, offset };
}

/**
 * `next(value)` at once when `value` is not a promise: a store without codecs stays synchronous (one SQLite
 * transaction within the step, as before codecs existed); with codecs, after the seal settles.
 */
export function afterSealing<T, R>(value: T | Promise<T>, next: (value: T) => R): R | Promise<Awaited<R>> {
  return value instanceof Promise ? value.then(next) as Promise<Awaited<R>> : next(value);
}
