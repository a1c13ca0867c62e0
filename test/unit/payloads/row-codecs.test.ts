// The at-rest pipeline (docs/payloads.md, "Encryption at rest"): text stays text without codecs; with them a row is
// bytes naming its codecs, opened through them in reverse; rows from before, unknown codecs and moved rows are clear.
import { describe, expect, it } from 'vitest';
import { RowCodecs, RowOpenError } from '../../../src/core/payloads/row-codecs';
import type { PayloadCodec } from '../../../src/core/payloads/options';
import { aesGcmCodec } from '../../../src/protocol/aes-gcm-codec';

const key = (fill: number) => btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
const text = JSON.stringify({ type: 'ActivityTaskCompleted', result: { card: '4242 4242 4242 4242' } });
const plain = (bytes: unknown) => new TextDecoder().decode(bytes as Uint8Array);
/** A codec that reverses bytes: shows the order codecs are applied and undone in. */
const reversing: PayloadCodec = { id: 'reverse', encode: async (data) => data.slice().reverse(), decode: async (data) => data.slice().reverse() };

describe('RowCodecs', () => {
  it('without codecs stores the JSON text unchanged, synchronously', () => {
    const rows = new RowCodecs([]);
    expect(rows.isSealing).toBe(false);
    expect(rows.sealAll([[text, 'h/run/1']])).toEqual([text]);
    expect(rows.openAll([[text, 'h/run/1']])).toEqual([text]);
  });

  it('seals with every codec in order, records them, and opens in reverse', async () => {
    const rows = new RowCodecs([reversing, aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]);
    const [row] = await rows.sealAll([[text, 'h/run/1']]);
    expect(row).toBeInstanceOf(Uint8Array);
    expect(plain(row)).not.toContain('4242');
    expect(plain(row)).toContain('reverse'); // the header names the codecs
    expect(await rows.open(row, 'h/run/1')).toBe(text);
    // Rows written before codecs were configured are text, and stay readable.
    expect(rows.open(text, 'h/run/2')).toBe(text);
  });

  it('opens rows written under an older pipeline while its codecs stay configured', async () => {
    const before = new RowCodecs([aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]);
    const row = await before.seal(text, 'r/run');
    const after = new RowCodecs([reversing, aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]);
    expect(await after.open(row, 'r/run')).toBe(text);
  });

  it('names the row and the codec or key when a row does not open', async () => {
    const sealed = await new RowCodecs([aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]).seal(text, 'h/run/3');
    await expect(new RowCodecs([]).open(sealed, 'h/run/3')).rejects.toThrow(/Row h\/run\/3 was written with payload codec 'aes-gcm', which is not configured/);
    const rotated = new RowCodecs([aesGcmCodec({ current: 'k2', keys: { k2: key(2) } })]);
    await expect(rotated.open(sealed, 'h/run/3')).rejects.toThrow(/Row h\/run\/3 is sealed with key 'k1', which is not configured.*\(payload codec 'aes-gcm'\)/);
    const same = new RowCodecs([aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })]);
    await expect(same.open(sealed, 'h/run/4')).rejects.toThrow(/Row h\/run\/4 does not open with key 'k1': it was changed, or moved.*\(payload codec 'aes-gcm'\)/);
    const failing: PayloadCodec = { ...reversing, id: 'failing', decode: async () => { throw new Error('no'); } };
    const other = await new RowCodecs([failing]).seal(text, 'h/run/5');
    await expect(new RowCodecs([failing]).open(other, 'h/run/5')).rejects.toThrow(/Row h\/run\/5 does not decode with payload codec 'failing': no/);
    await expect(same.open(new Uint8Array([1, 2, 3]), 'h/run/3')).rejects.toBeInstanceOf(RowOpenError);
  });

  it('refuses codec ids that repeat or are empty', () => {
    expect(() => new RowCodecs([reversing, reversing])).toThrow(/must differ/);
    expect(() => new RowCodecs([{ ...reversing, id: '' }])).toThrow(/1 to 255 bytes/);
  });
});
