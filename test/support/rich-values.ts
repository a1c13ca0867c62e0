// A value holding every kind the rich payload format carries (docs/payloads.md), and a description of a value that
// names each part's kind: two values with the same description are the same data. The description is written here,
// apart from the format's code, so a test comparing descriptions does not check the encoder against itself.

/** A fresh sample each call: every kind at the top and nested, and keys a tagged format must not misread. */
export function richSample() {
  return {
    at: new Date('2026-12-07T03:04:05.678Z'),
    invalidDate: new Date(Number.NaN),
    tags: new Set(['a', 'b']),
    totals: new Map<unknown, unknown>([['apples', 12n], [{ composite: 1 }, new Set([1])]]),
    big: 2n ** 70n,
    negativeBig: -5n,
    bytes: new Uint8Array([0, 1, 254, 255]),
    buffer: new Uint8Array([9, 8, 7]).buffer,
    missing: undefined,
    numbers: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5],
    sparse: [1, undefined, 3],
    pattern: /a+b/giu,
    nested: { deeper: [{ when: new Date(0) }] },
    $t: 'a key the format uses for its tags',
    $duro: 'a key the envelope uses for its mark',
    plain: { name: 'ada', n: 1, ok: true, none: null },
  };
}

/** The data of `value`, each part named by its kind (Map and Set in insertion order). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number': return Object.is(value, -0) ? 'number(-0)' : `number(${value})`;
    case 'bigint': return `bigint(${value})`;
    case 'string': return JSON.stringify(value);
    case 'boolean': return String(value);
    case 'object': break;
    default: return `unexpected ${typeof value}`;
  }
  if (Array.isArray(value)) return `[${Array.from(value, describeValue).join(',')}]`;
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (value instanceof Map) return `Map(${[...value].map(([k, v]) => `${describeValue(k)}=>${describeValue(v)}`).join(',')})`;
  if (value instanceof Set) return `Set(${[...value].map(describeValue).join(',')})`;
  if (value instanceof Uint8Array) return `Uint8Array(${[...value].join(',')})`;
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${[...new Uint8Array(value)].join(',')})`;
  if (value instanceof RegExp) return `RegExp(${String(value)})`;
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return `instance of ${(value as object).constructor?.name}`;
  return `{${Object.keys(value).map((key) => `${JSON.stringify(key)}:${describeValue((value as Record<string, unknown>)[key])}`).join(',')}}`;
}
