// How a stored payload says how it was written (decision 019): marked only at its root, and only when it must be.
// A plain value is stored as it is, as every history before this format holds it; a value the rich format carries
// is `{"$duro":"rich","v":…}`; a plain value whose own root has a `$duro` key is `{"$duro":"json","v":…}`, so the
// key is not read as a mark. Reading follows the mark, not the configuration: changing the converter never makes
// stored payloads unreadable.
import { PayloadError } from '../payload';
import { decodeRich, encodeRich, needsRich } from './rich-json';

/** How new payloads are written: `json` (Duro's default, JSON's own rules) or `rich` (Date, Map, Set, BigInt, bytes…). */
export type PayloadConverter = 'json' | 'rich';

const MARK = '$duro';

/** Throws a TypeError naming the option when `converter` is not one Duro has (a typo would otherwise mean JSON). */
export function checkConverter(converter: unknown): asserts converter is PayloadConverter | undefined {
  if (converter !== undefined && converter !== 'json' && converter !== 'rich') throw new TypeError(`payloads.converter must be 'json' or 'rich', not ${JSON.stringify(converter)}`);
}

/** The stored form of `value` under `converter`; `what` names it in errors. JSON-safe either way. */
export function writePayload(value: unknown, converter: PayloadConverter, what: string): unknown {
  if (converter === 'rich' && needsRich(value)) return { [MARK]: 'rich', v: encodeRich(value, what) };
  return hasOwnMark(value) ? { [MARK]: 'json', v: value } : value;
}

/**
 * The value a stored payload stands for. `marked`: whether its run writes marks (runs recorded before marks existed
 * read every payload as plain JSON, so a `$duro` key of theirs is data).
 */
export function readPayload(stored: unknown, marked = true): unknown {
  if (!marked || !hasOwnMark(stored)) return stored;
  const { [MARK]: encoding, v } = stored as Record<string, unknown>;
  switch (encoding) {
    case 'json': return v;
    case 'rich': return decodeRich(v);
    default: throw new PayloadError(`A payload is marked ${JSON.stringify(encoding)}, an encoding this version of Duro does not read: it was written by a newer one, or by a converter not configured here`);
  }
}

/**
 * Why a payload from outside (a request body, an activity's reply) cannot be read, or undefined: a mark of an
 * encoding this version does not read, or a rich value that is not what its tags say. Checked where it enters, so a
 * bad payload is refused there instead of failing the workflow code that would read it.
 */
export function payloadMarkProblem(stored: unknown): string | undefined {
  if (!hasOwnMark(stored)) return undefined;
  try {
    readPayload(stored);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

function hasOwnMark(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.hasOwn(value, MARK);
}
