// Encryption at rest, one row at a time (decision 019): a sealed row holds no plaintext, opens only where it was
// written and with a configured key, and keys rotate: new rows under the current key, older rows with retired ones.
import { describe, expect, it } from 'vitest';
import { RowCipher, RowCipherError } from '../../../src/protocol/row-cipher';

const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
const enc = (value: string) => new TextEncoder().encode(value);
const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const text = JSON.stringify({ type: 'ActivityTaskCompleted', result: { card: '4242 4242 4242 4242' } });

describe('RowCipher', () => {
  it('seals a row that holds no plaintext and opens it where it was written', async () => {
    const cipher = new RowCipher({ current: 'k1', keys: { k1: key(1) } });
    const row = await cipher.seal(enc(text), 'h/run-1/7');
    expect(new TextDecoder().decode(row)).not.toContain('4242');
    expect(dec(await cipher.open(row, 'h/run-1/7'))).toBe(text);
    // A fresh IV each time: the same text never seals the same.
    expect(await cipher.seal(enc(text), 'h/run-1/7')).not.toEqual(row);
  });

  it('does not open a row moved to another place, or changed', async () => {
    const cipher = new RowCipher({ current: 'k1', keys: { k1: key(1) } });
    const row = await cipher.seal(enc(text), 'h/run-1/7');
    await expect(cipher.open(row, 'h/run-2/7')).rejects.toThrow(/does not open with key 'k1': it was changed, or moved/);
    const changed = row.slice();
    changed[changed.length - 1]! ^= 1;
    await expect(cipher.open(changed, 'h/run-1/7')).rejects.toBeInstanceOf(RowCipherError);
    await expect(cipher.open(new TextEncoder().encode('{"plain":true}'), 'h/run-1/7')).rejects.toThrow(/not sealed by this version/);
  });

  it('rotates: new rows under the current key, older rows with a retired one, a key not configured named', async () => {
    const before = new RowCipher({ current: 'k2025', keys: { k2025: key(1) } });
    const old = await before.seal(enc(text), 'r/run-1');
    const after = new RowCipher({ current: 'k2026', keys: { k2026: key(2), k2025: key(1) } });
    expect(dec(await after.open(old, 'r/run-1'))).toBe(text);
    const fresh = await after.seal(enc(text), 'r/run-1');
    expect(new TextDecoder().decode(fresh.subarray(2, 2 + fresh[1]!))).toBe('k2026');
    await expect(before.open(fresh, 'r/run-1')).rejects.toThrow(/sealed with key 'k2026', which is not configured/);
  });

  it('refuses keys that are not 32 bytes of base64, and a current key not given', () => {
    expect(() => new RowCipher({ current: 'k1', keys: { k1: btoa('short') } })).toThrow(/must be 32 bytes/);
    expect(() => new RowCipher({ current: 'k1', keys: { k1: '!!not base64!!' } })).toThrow(/must be 32 bytes/);
    expect(() => new RowCipher({ current: 'k3', keys: { k1: key(1) } })).toThrow(/current key 'k3' is not among/);
  });
});
