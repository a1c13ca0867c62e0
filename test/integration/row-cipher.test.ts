// The row cipher in workerd itself (WebCrypto as a Durable Object has it): what the Node test checks, sealed and
// opened where rows will be stored.
import { describe, expect, it } from 'vitest';
import { RowCipher } from '../../src/protocol/row-cipher';

describe('RowCipher in workerd', () => {
  it('seals and opens a row, and rotates keys', async () => {
    const enc = (value: string) => new TextEncoder().encode(value);
    const dec = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
    const old = await new RowCipher({ current: 'a', keys: { a: key(1) } }).seal(enc('{"secret":"s3"}'), 'p/run/activities/1');
    const cipher = new RowCipher({ current: 'b', keys: { a: key(1), b: key(2) } });
    expect(dec(await cipher.open(old, 'p/run/activities/1'))).toBe('{"secret":"s3"}');
    expect(dec(await cipher.open(await cipher.seal(enc('x'), 'r/run'), 'r/run'))).toBe('x');
    await expect(cipher.open(old, 'p/run/activities/2')).rejects.toThrow(/moved/);
  });
});
