// Encryption at rest (decision 019): AES-256-GCM on WebCrypto, one call per stored row. A row written under a key
// names that key, so keys rotate: new rows use the current key, older rows still open with a retired one. The row's
// identity is the additional data, so a row moved to another place (another run, another event) does not open.
//
// Sealed form: 0x01 | key id length (1 byte) | key id (UTF-8) | IV (12 bytes) | ciphertext and tag.

import { fromBase64, fromUtf8, utf8 } from './encoding';

const VERSION = 1;
const IV_BYTES = 12;
const KEY_BYTES = 32;

/** Raw keys by id (base64, 32 bytes each, as `wrangler secret put` holds them) and the id new rows are sealed with. */
export interface RowKeys {
  current: string;
  /** A key read from a secret that is not set is `undefined`: fine for a retired key, refused for `current`. */
  keys: Record<string, string | undefined>;
}

/** Why a row does not open: a key not configured here, or a row changed, moved or not sealed by Duro. */
export class RowCipherError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RowCipherError';
  }
}

export class RowCipher {
  readonly #current: string;
  readonly #raw: Record<string, string>;
  /** Retired keys listed with no value (their secret not set). */
  readonly #unset = new Set<string>();
  /** Imported once per id and isolate: importKey costs more than a small row's encryption. */
  readonly #imported = new Map<string, Promise<CryptoKey>>();

  constructor(keys: RowKeys) {
    if (!Object.hasOwn(keys.keys, keys.current)) throw new RowCipherError(`The current key '${keys.current}' is not among the keys given (${Object.keys(keys.keys).join(', ') || 'none'})`);
    const raw: Record<string, string> = {};
    for (const [id, value] of Object.entries(keys.keys)) {
      if (utf8(id).length > 255 || id === '') throw new RowCipherError(`Key id '${id.slice(0, 40)}' must be 1 to 255 bytes`);
      if (value === undefined || value.trim() === '') {
        // A secret not set reads as undefined: the usual first-run mistake, so say what to do, not what a key is.
        if (id === keys.current) throw new RowCipherError(notSet(id, value));
        this.#unset.add(id); // a retired key not set: rows sealed with it say so when read
        continue;
      }
      if (decodedLength(value) !== KEY_BYTES) throw new RowCipherError(`Key '${id}' must be ${KEY_BYTES} bytes in base64 (openssl rand -base64 32)`);
      raw[id] = value;
    }
    this.#current = keys.current;
    this.#raw = raw;
  }

  /** `data` sealed under the current key, bound to `identity` (what names the row: `h/<runId>/<eventId>`…). */
  async seal(data: Uint8Array, identity: string): Promise<Uint8Array> {
    const id = utf8(this.#current);
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: utf8(identity) }, await this.#key(this.#current), data);
    const row = new Uint8Array(2 + id.length + IV_BYTES + sealed.byteLength);
    row[0] = VERSION;
    row[1] = id.length;
    row.set(id, 2);
    row.set(iv, 2 + id.length);
    row.set(new Uint8Array(sealed), 2 + id.length + IV_BYTES);
    return row;
  }

  /** The data of a row `seal` wrote for `identity`; a RowCipherError when it does not open. */
  async open(row: Uint8Array, identity: string): Promise<Uint8Array> {
    if (row.length < 2 + 1 + IV_BYTES + 16 || row[0] !== VERSION) throw new RowCipherError(`Row ${identity} is not sealed by this version of Duro`);
    const idLength = row[1]!;
    const id = fromUtf8(row.subarray(2, 2 + idLength));
    if (this.#unset.has(id)) throw new RowCipherError(`Row ${identity} is sealed with key '${id}', whose secret is not set: ${SET_IT}`);
    if (!Object.hasOwn(this.#raw, id)) throw new RowCipherError(`Row ${identity} is sealed with key '${id}', which is not configured: add it to the keys (retired keys stay until no row needs them)`);
    const iv = row.subarray(2 + idLength, 2 + idLength + IV_BYTES);
    try {
      const data = await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: utf8(identity) }, await this.#key(id), row.subarray(2 + idLength + IV_BYTES));
      return new Uint8Array(data);
    } catch {
      throw new RowCipherError(`Row ${identity} does not open with key '${id}': it was changed, or moved from another row`);
    }
  }

  #key(id: string): Promise<CryptoKey> {
    let key = this.#imported.get(id);
    if (!key) {
      key = crypto.subtle.importKey('raw', fromBase64(this.#raw[id]!.trim()), 'AES-GCM', false, ['encrypt', 'decrypt']);
      this.#imported.set(id, key);
    }
    return key;
  }
}

const SET_IT = 'set it with `openssl rand -base64 32 | npx wrangler secret put DURO_KEY_…` in production (the same value as before, '
  + 'for a key rows were sealed with), or as `DURO_KEY_…=<base64>` in .dev.vars for `wrangler dev` (docs/payloads.md, "Encryption at rest")';

function notSet(id: string, value: string | undefined): string {
  return `Key '${id}' is not set (${value === undefined ? 'undefined' : 'empty'}): its secret is missing from the Worker's environment; ${SET_IT}`;
}

function decodedLength(base64: string): number {
  try {
    return fromBase64(base64.trim()).length;
  } catch {
    return -1;
  }
}
