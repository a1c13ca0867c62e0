// The rich payload format and its envelope (decision 019): every value it carries comes back equal after a trip
// through JSON text, as storage and the wire see it; a plain value is written exactly as JSON would write it; what it
// cannot carry is refused with a PayloadError naming where.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRich, encodeRich, needsRich } from '../../../src/core/payloads/rich-json';
import { readPayload, writePayload } from '../../../src/core/payloads/envelope';

/** Through JSON text, as a history row or a request body carries it. */
const stored = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

const plainJson = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.parse(JSON.stringify(value)) as unknown); // -0 is 0 in JSON

const richLeaf = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.bigInt(),
  fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, undefined),
  fc.uint8Array({ maxLength: 40 }),
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

const { rich } = fc.letrec((tie) => ({
  rich: fc.oneof({ depthSize: 'small' }, richLeaf, tie('array'), tie('object'), tie('map'), tie('set')),
  array: fc.array(tie('rich'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$t', '$duro', '__proto__', 'v')), tie('rich'), { maxKeys: 4 }),
  map: fc.array(fc.tuple(tie('rich'), tie('rich')), { maxLength: 3 }).map((entries) => new Map(entries)),
  set: fc.array(tie('rich'), { maxLength: 3 }).map((items) => new Set(items)),
}));

describe('the rich payload format', () => {
  it('brings back every value it carries, after a trip through JSON text', () => {
    fc.assert(fc.property(rich, (value) => {
      expect(decodeRich(stored(encodeRich(value, 'Input')))).toEqual(value);
      expect(readPayload(stored(writePayload(value, 'rich', 'Input')))).toEqual(value);
    }), { numRuns: 500 });
  });

  it('writes a plain value exactly as JSON does, under either converter', () => {
    fc.assert(fc.property(plainJson, (value) => {
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, '$duro')) return;
      // An object with a `$t` key of its own is escaped under rich (`{"$t":"o",…}`), so its key stays data.
      if (JSON.stringify(value).includes('"$t":')) return;
      expect(needsRich(value)).toBe(false);
      expect(writePayload(value, 'rich', 'Input')).toBe(value);
      expect(writePayload(value, 'json', 'Input')).toBe(value);
    }), { numRuns: 500 });
  });

  it('keeps what JSON loses, readable', () => {
    const value = { at: new Date('2026-12-07T10:00:00.000Z'), tags: new Set(['a']), total: 12n, missing: undefined, bytes: new Uint8Array([1, 2, 255]), ratio: Number.NaN };
    expect(JSON.stringify(writePayload(value, 'rich', 'Input'))).toBe(
      '{"$duro":"rich","v":{"at":{"$t":"D","v":"2026-12-07T10:00:00.000Z"},"tags":{"$t":"S","v":["a"]},"total":{"$t":"n","v":"12"},"missing":{"$t":"u"},"bytes":{"$t":"B","v":"AQL/"},"ratio":{"$t":"N","v":"NaN"}}}',
    );
    const buffer = new Uint8Array([9, 8]).buffer;
    expect(readPayload(stored(writePayload({ buffer, pattern: /a+b/gi }, 'rich', 'Input')))).toEqual({ buffer, pattern: /a+b/gi });
  });

  it('marks a plain value whose root has a $duro key, so the key is data; an unmarked run reads it as it is', () => {
    const value = { $duro: 'rich', v: 1 };
    expect(writePayload(value, 'json', 'Input')).toEqual({ $duro: 'json', v: value });
    expect(readPayload(stored(writePayload(value, 'json', 'Input')))).toEqual(value);
    expect(readPayload(value, false)).toBe(value);
  });

  it('refuses what it cannot carry, saying where', () => {
    class Money {
      constructor(readonly cents: number) {}
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => encodeRich({ order: { price: new Money(5) } }, 'Input')).toThrow(/Input holds an instance of Money \(at order\.price\)/);
    expect(() => encodeRich({ list: [1, () => 2] }, 'Input')).toThrow(/Input holds a function \(at list\[1\]\)/);
    expect(() => encodeRich(cyclic, 'Result')).toThrow(/Result refers to itself \(at self\)/);
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = new Map([[i, deep]]);
    expect(() => encodeRich(deep, 'Input')).toThrow(/nested deeper than 64 levels/);
    // A shared (not cyclic) value is written twice, as JSON would.
    const shared = { n: 1 };
    expect(decodeRich(stored(encodeRich({ a: shared, b: shared }, 'Input')))).toEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it('says so when a payload holds a tag or a mark this version does not know', () => {
    expect(() => decodeRich({ $t: 'Z', v: 1 })).toThrow(/tag "Z", which this version of Duro does not know/);
    expect(() => readPayload({ $duro: 'protobuf', v: '' })).toThrow(/marked "protobuf"/);
  });

  it('keeps __proto__ and constructor keys as data', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"constructor":1}') as Record<string, unknown>;
    const back = decodeRich(stored(encodeRich(value, 'Input'))) as Record<string, unknown>;
    expect(Object.keys(back)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
  });
});
