// Which Visibility shard indexes a workflow id: stable, in range, and spread evenly.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VISIBILITY_SHARDS, shardName, shardOf } from '../../../src/visibility/shard';

function counts(ids: string[], shards: number): number[] {
  const perShard = new Array<number>(shards).fill(0);
  for (const id of ids) perShard[shardOf(id, shards)]! += 1;
  return perShard;
}

const sequential = Array.from({ length: 10_000 }, (_, i) => `order-${i}`);
const uuids = fc.sample(fc.uuid(), { numRuns: 10_000, seed: 42 });
const words = fc.sample(fc.stringMatching(/^[a-z]{3,12}(-[a-z0-9]{1,6}){0,2}$/), { numRuns: 10_000, seed: 7 });

describe('shardOf', () => {
  it('is FNV-1a with murmur3\'s finalizer over the id, so every runtime and every release agrees', () => {
    // Read through a shard count of 2^32. These values are fixed: changing them moves workflow ids between shards.
    expect(shardOf('', 2 ** 32)).toBe(0xab3e7c0b);
    expect(shardOf('a', 2 ** 32)).toBe(0x1a80b1b3);
    expect(shardOf('foobar', 2 ** 32)).toBe(0x0c0da6dc);
  });

  it('spreads ids that differ only in their last characters over a power-of-two shard count', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyz'.split('');
    const perShard = counts(letters.flatMap((a) => letters.map((b) => `job-${a}${b}`)), 8);
    const mean = (26 * 26) / 8;
    for (const n of perShard) expect(Math.abs(n - mean)).toBeLessThan(mean * 0.25);
  });

  it('gives the same id the same shard every time', () => {
    fc.assert(fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (id, shards) => {
      expect(shardOf(id, shards)).toBe(shardOf(id.split('').join(''), shards));
    }));
  });

  it('answers a shard in range', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 1, max: 1024 }), (id, shards) => {
      const shard = shardOf(id, shards);
      expect(Number.isInteger(shard)).toBe(true);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(shards);
    }));
  });

  it('puts everything in shard 0 when there is one shard', () => {
    expect(sequential.slice(0, 100).every((id) => shardOf(id, 1) === 0)).toBe(true);
  });

  describe.each([
    ['sequential ids', sequential],
    ['UUIDs', uuids],
    ['word-like ids', words],
  ])('spreads 10 000 %s evenly', (_, ids) => {
    it.each([4, DEFAULT_VISIBILITY_SHARDS])('over %i shards, each within 20% of the mean', (shards) => {
      const mean = ids.length / shards;
      for (const n of counts(ids, shards)) {
        expect(n).toBeGreaterThanOrEqual(mean * 0.8);
        expect(n).toBeLessThanOrEqual(mean * 1.2);
      }
    });
  });
});

describe('shardName', () => {
  it('names the shard’s Durable Object', () => {
    expect(shardName(0)).toBe('visibility-0');
    expect(shardName(7)).toBe('visibility-7');
  });
});
