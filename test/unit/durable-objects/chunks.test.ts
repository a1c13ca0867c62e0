// Large values are stored in pieces (a SQLite row holds at most 2 MB); a piece must never end inside a surrogate
// pair, or the emoji it splits comes back as U+FFFD (test/e2e/api.test.ts found this through the API).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunksOf } from '../../../durable-objects/sql-run-store';

const CHUNK_CHARS = 256 * 1024;
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;

describe('chunksOf', () => {
  it('cuts a pair that would straddle the boundary one unit early', () => {
    const json = `${'a'.repeat(CHUNK_CHARS - 1)}😀${'b'.repeat(10)}`;
    const pieces = chunksOf(json);
    expect(pieces.map((p) => p.length)).toEqual([CHUNK_CHARS - 1, 12]);
    expect(pieces.join('')).toBe(json);
  });

  it('keeps every pair whole and the text intact, wherever the pairs fall', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }), (offset, copies) => {
        const json = 'x'.repeat(offset) + '"😀'.repeat(Math.ceil((copies * CHUNK_CHARS) / 3));
        const pieces = chunksOf(json);
        expect(pieces.join('')).toBe(json);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(CHUNK_CHARS);
          expect(isHigh(piece.charCodeAt(piece.length - 1))).toBe(false);
          expect(isLow(piece.charCodeAt(0))).toBe(false);
        }
      }),
      { numRuns: 24 },
    );
  });
});
