// The built-in encryption codec (decision 019 §3): AES-256-GCM on WebCrypto over RowCipher, so every row at rest
// names the key it was sealed with, and keys rotate without rewriting old rows.
import type { PayloadCodec } from '../core/payloads/options';
import { RowCipher, type RowKeys } from './row-cipher';

/** The id `aesGcmCodec` records in each row it sealed. */
export const AES_GCM_CODEC_ID = 'aes-gcm';

/**
 * Encrypts every stored row with AES-256-GCM. `keys` maps key ids to base64 32-byte keys (`openssl rand -base64 32`,
 * kept as Worker secrets); new rows are sealed with `current`, older rows open with any key still listed. The row's
 * place is bound as additional data, so a row copied to another place does not open. A key whose secret is not set
 * (`undefined`) is refused with what to do when it is `current`; a retired one not set leaves its rows unreadable.
 * @example
 * createDuro({ workflows, activities, payloads: {
 *   codecs: (env) => [aesGcmCodec({ current: 'k2026', keys: { k2026: env.DURO_KEY_2026 as string | undefined, k2025: env.DURO_KEY_2025 as string | undefined } })],
 * } });
 */
export function aesGcmCodec(keys: RowKeys): PayloadCodec {
  const cipher = new RowCipher(keys);
  return {
    id: AES_GCM_CODEC_ID,
    encode: (data, identity) => cipher.seal(data, identity),
    decode: (data, identity) => cipher.open(data, identity),
  };
}

export type { RowKeys as AesGcmKeys };
