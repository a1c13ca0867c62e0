// A key whose secret is not set (`env.DURO_KEY_1` undefined, or empty): the first thing a new deployment meets, so
// the error says the key is not set and how to set it, not that it has the wrong length.
import { describe, expect, it } from 'vitest';
import { aesGcmCodec } from '../../../src/protocol/aes-gcm-codec';
import { RowCipherError } from '../../../src/protocol/row-cipher';

const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
const unsetSecret = (env: Record<string, unknown>) => env.DURO_KEY_1 as string | undefined;

describe('aesGcmCodec with a key not set', () => {
  it('refuses a current key that is undefined, saying it is not set and how to set it', () => {
    const make = () => aesGcmCodec({ current: 'k1', keys: { k1: unsetSecret({}) } });
    expect(make).toThrow(RowCipherError);
    expect(make).toThrow(/^Key 'k1' is not set \(undefined\): its secret is missing/);
    expect(make).toThrow(/wrangler secret put DURO_KEY_/);
    expect(make).toThrow(/\.dev\.vars for `wrangler dev`/);
    expect(make).not.toThrow(/32 bytes/);
  });

  it('refuses an empty current key the same way', () => {
    expect(() => aesGcmCodec({ current: 'k1', keys: { k1: '  ' } })).toThrow(/^Key 'k1' is not set \(empty\)/);
  });

  it('keeps a key that is set but not 32 bytes a length error', () => {
    expect(() => aesGcmCodec({ current: 'k1', keys: { k1: btoa('short') } })).toThrow(/must be 32 bytes in base64/);
  });

  it('accepts a retired key not set; a row sealed with it says its secret is not set', async () => {
    const before = aesGcmCodec({ current: 'k1', keys: { k1: key(1) } });
    const row = await before.encode(new TextEncoder().encode('{"a":1}'), 'r/run-1');
    const after = aesGcmCodec({ current: 'k2', keys: { k2: key(2), k1: unsetSecret({}) } });
    expect(new TextDecoder().decode(await after.decode(await after.encode(new TextEncoder().encode('{"b":2}'), 'r/run-2'), 'r/run-2'))).toBe('{"b":2}');
    await expect(after.decode(row, 'r/run-1')).rejects.toThrow(/^Row r\/run-1 is sealed with key 'k1', whose secret is not set: set it with/);
  });
});
