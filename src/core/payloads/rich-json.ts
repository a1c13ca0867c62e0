// The rich payload format (decision 019): JSON in which each value JSON cannot carry is a tagged object
// `{"$t": tag, "v": …}`. A value with nothing rich in it is exactly its JSON, so plain payloads read the same under
// either converter and stay readable in history, the API, the CLI and the UI. What the format cannot carry (a class
// instance, a function, a cycle) is refused with a PayloadError, never silently changed.
import { fromBase64, toBase64 } from '../base64';
import { Limits } from '../limits';
import { PayloadError } from '../payload';

/** The tags, one letter each: short in storage, listed here once. */
const Tag = {
  undefined: 'u',
  date: 'D',
  bigint: 'n',
  /** NaN, ±Infinity and -0, which JSON writes as null or 0. */
  number: 'N',
  map: 'M',
  set: 'S',
  bytes: 'B',
  arrayBuffer: 'A',
  regExp: 'R',
  /** A plain object that has a `$t` key of its own: its entries, so the key is not read as a tag. */
  object: 'o',
} as const;

const TAG = '$t';

/** Whether `value` needs the rich format: something JSON would lose or refuse. Plain values are written as they are. */
export function needsRich(value: unknown, depth = 0): boolean {
  if (depth > Limits.maxPayloadDepth) return true; // the encoder says what is wrong
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return false;
    case 'number':
      return !Number.isFinite(value) || Object.is(value, -0);
    case 'object': {
      if (value === null) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (!(i in value) || needsRich(value[i], depth + 1)) return true;
        return false;
      }
      if (!isPlainObject(value)) return true;
      if (Object.hasOwn(value, TAG)) return true;
      for (const key in value) if (Object.hasOwn(value, key) && needsRich((value as Record<string, unknown>)[key], depth + 1)) return true;
      return false;
    }
    default:
      return true; // undefined, bigint, and what is refused (functions, symbols)
  }
}

/** The JSON-safe form of `value`; `what` names it in the PayloadError of something the format cannot carry. */
export function encodeRich(value: unknown, what: string): unknown {
  return encode(value, what, '', new Set(), 0);
}

function encode(value: unknown, what: string, path: string, ancestors: Set<object>, depth: number): unknown {
  if (depth > Limits.maxPayloadDepth) throw new PayloadError(`${what} is nested deeper than ${Limits.maxPayloadDepth} levels${at(path)}`);
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isNaN(value)) return { [TAG]: Tag.number, v: 'NaN' };
      if (value === Infinity) return { [TAG]: Tag.number, v: 'Infinity' };
      if (value === -Infinity) return { [TAG]: Tag.number, v: '-Infinity' };
      return Object.is(value, -0) ? { [TAG]: Tag.number, v: '-0' } : value;
    case 'undefined':
      return { [TAG]: Tag.undefined };
    case 'bigint':
      return { [TAG]: Tag.bigint, v: value.toString() };
    case 'object':
      if (value === null) return null;
      if (ancestors.has(value)) throw new PayloadError(`${what} refers to itself${at(path)}: payloads are trees, not graphs`);
      ancestors.add(value);
      try {
        return encodeObject(value, what, path, ancestors, depth);
      } finally {
        ancestors.delete(value);
      }
    default:
      throw new PayloadError(`${what} holds a ${typeof value}${at(path)}, which no payload can carry`);
  }
}

function encodeObject(value: object, what: string, path: string, ancestors: Set<object>, depth: number): unknown {
  const inner = (item: unknown, key: string | number) => encode(item, what, `${path}${typeof key === 'number' ? `[${key}]` : `.${key}`}`, ancestors, depth + 1);
  if (Array.isArray(value)) return Array.from(value, (item, i) => inner(item, i));
  if (value instanceof Date) return { [TAG]: Tag.date, v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
  if (value instanceof Map) return { [TAG]: Tag.map, v: Array.from(value, ([key, item], i) => [inner(key, i), inner(item, i)]) };
  if (value instanceof Set) return { [TAG]: Tag.set, v: Array.from(value, (item, i) => inner(item, i)) };
  if (value instanceof Uint8Array) return { [TAG]: Tag.bytes, v: toBase64(value) };
  if (value instanceof ArrayBuffer) return { [TAG]: Tag.arrayBuffer, v: toBase64(new Uint8Array(value)) };
  if (value instanceof RegExp) return { [TAG]: Tag.regExp, v: [value.source, value.flags] };
  if (!isPlainObject(value)) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name || 'an object with a prototype';
    throw new PayloadError(`${what} holds an instance of ${name}${at(path)}: payloads carry plain data (objects, arrays, Date, Map, Set, BigInt, bytes), not classes`);
  }
  const entries: Record<string, unknown> = {};
  for (const key of Object.keys(value)) defineEntry(entries, key, inner((value as Record<string, unknown>)[key], key));
  return Object.hasOwn(value, TAG) ? { [TAG]: Tag.object, v: entries } : entries;
}

/** A key named like an object's prototype (`__proto__`) is data: defined, not assigned, so it stays an own property. */
function defineEntry(object: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * The value `encoded` stands for; throws a PayloadError for a tag this version does not know (a newer writer's) or
 * a tagged value that is not what its tag says (written by hand, or changed).
 */
export function decodeRich(encoded: unknown): unknown {
  try {
    return decode(encoded);
  } catch (error) {
    if (error instanceof PayloadError) throw error;
    throw new PayloadError(`A rich payload is malformed: ${(error as Error).message}`);
  }
}

function decode(encoded: unknown): unknown {
  if (typeof encoded !== 'object' || encoded === null) return encoded;
  if (Array.isArray(encoded)) return encoded.map(decode);
  const object = encoded as Record<string, unknown>;
  if (!Object.hasOwn(object, TAG)) return decodeEntries(object);
  const v = object.v;
  switch (object[TAG]) {
    case Tag.undefined: return undefined;
    case Tag.date: return new Date(typeof v === 'string' ? v : Number.NaN);
    case Tag.bigint: return BigInt(String(v));
    case Tag.number: return specialNumber(v);
    case Tag.map: return new Map((v as unknown[][]).map(([key, item]) => [decode(key), decode(item)]));
    case Tag.set: return new Set((v as unknown[]).map(decode));
    case Tag.bytes: return fromBase64(String(v));
    case Tag.arrayBuffer: return fromBase64(String(v)).buffer;
    case Tag.regExp: return new RegExp(String((v as unknown[])[0]), String((v as unknown[])[1]));
    case Tag.object: return decodeEntries(v as Record<string, unknown>);
    default: throw new PayloadError(`A payload holds the tag ${JSON.stringify(object[TAG])}, which this version of Duro does not know: it was written by a newer one`);
  }
}

function decodeEntries(object: Record<string, unknown>): Record<string, unknown> {
  const decoded: Record<string, unknown> = {};
  for (const key of Object.keys(object)) defineEntry(decoded, key, decode(object[key]));
  return decoded;
}

/** The numbers JSON cannot write: only these four, so a changed tag cannot slip in another value. */
function specialNumber(v: unknown): number {
  switch (v) {
    case 'NaN': return Number.NaN;
    case 'Infinity': return Number.POSITIVE_INFINITY;
    case '-Infinity': return Number.NEGATIVE_INFINITY;
    case '-0': return -0;
    default: throw new PayloadError(`A rich payload holds the number ${JSON.stringify(v)?.slice(0, 40)}, not one JSON cannot write`);
  }
}

function isPlainObject(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function at(path: string): string {
  return path ? ` (at ${path.replace(/^\./, '')})` : '';
}
