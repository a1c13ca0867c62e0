// payloadSize counts UTF-8 bytes without encoding: it must agree with TextEncoder on every string.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { utf8Length } from '../../../src/core/payload';

const encoder = new TextEncoder();

describe('utf8Length', () => {
  it('matches TextEncoder for ASCII, 2- and 3-byte characters, pairs and lone surrogates', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', '"😀"', '\ud800', '\udc00', 'a\ud800b', '\ud83d\ude00\ud83d', 'ß漢字😀\n']) {
      expect(utf8Length(text), JSON.stringify(text)).toBe(encoder.encode(text).byteLength);
    }
  });

  it('matches TextEncoder on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => utf8Length(text) === encoder.encode(text).byteLength), { numRuns: 2_000 });
    // Any UTF-16 code units, lone and paired surrogates included.
    const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((codes) => String.fromCharCode(...codes));
    fc.assert(fc.property(units, (text) => utf8Length(text) === encoder.encode(text).byteLength), { numRuns: 5_000 });
  });
});
