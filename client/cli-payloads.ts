// What the CLI reads and prints is a payload's stored form (docs/payloads.md): plain JSON as it is, a rich value as
// its marked JSON (`{"$duro":"rich","v":…}`). So `--input` can carry a Date or a bigint, and a result holding one
// prints losslessly, with --json or without.
import { RunPayloads } from '../src/core/payloads/run-payloads';

/** Writes with the rich converter: whatever a value holds, its stored form says it. */
const stored = RunPayloads.forCaller('rich');

/** The value a JSON text from the command line stands for. */
export function valueOfCliJson(json: unknown): unknown {
  return stored.read(json);
}

/** A memo from the command line: each field a stored payload. */
export function memoOfCliJson(json: Record<string, unknown>): Record<string, unknown> {
  return stored.readRecord(json);
}

/** The JSON the CLI prints for a value it was answered. */
export function cliJsonOf(value: unknown): unknown {
  return stored.write(value, 'The value');
}
