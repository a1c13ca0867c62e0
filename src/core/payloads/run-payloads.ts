// How one run writes and reads its payloads (decision 019): values are encoded where user code hands them to the
// engine and decoded where user code receives them; history, state, RPC and HTTP carry only the stored form.
// A run records `payloadFormat: 1` on its start event when it writes marks; a run recorded before marks existed
// reads and writes plain JSON, as it always did, so its replay does not change.
import type { FailureInfo } from '../failure';
import { checkPayload, copyPayload, leavingLimit, type PayloadCheckOptions } from '../payload';
import { checkConverter, readPayload, writePayload, type PayloadConverter } from './envelope';
import { needsRich } from './rich-json';

/** The format a run records on its start event once its payloads carry marks. */
export const PAYLOAD_FORMAT = 1;

/** The converter a run's state carries for its activity tasks: its start event's, or none for a run that keeps plain JSON. */
export function payloadConverterOf(started: { payloadFormat?: number; payloadConverter?: PayloadConverter }): PayloadConverter | undefined {
  return started.payloadFormat === PAYLOAD_FORMAT ? (started.payloadConverter ?? 'json') : undefined;
}

/** The rich format has checked depth and numbers on the value itself: only the size is left to check. */
const RICH_CHECK: PayloadCheckOptions = { shape: false };

export class RunPayloads {
  /** As the run's start event says: its converter, or plain JSON for a run recorded before marks existed. */
  static of(started: { payloadFormat?: number; payloadConverter?: PayloadConverter }, maxPayloadBytes?: number): RunPayloads {
    return RunPayloads.#marking(payloadConverterOf(started), maxPayloadBytes);
  }

  /** How an activity attempt reads its input and writes its result: as its task says (absent: plain JSON). */
  static forTask(task: { payloadConverter?: PayloadConverter; maxPayloadBytes?: number }): RunPayloads {
    return RunPayloads.#marking(task.payloadConverter, task.maxPayloadBytes);
  }

  /** Marks read and written with `converter`; none (a run recorded before marks existed): plain JSON both ways. */
  static #marking(converter: PayloadConverter | undefined, maxPayloadBytes?: number): RunPayloads {
    return new RunPayloads(converter ?? 'json', converter !== undefined, maxPayloadBytes);
  }

  /**
   * How a caller (a client, a handle) writes what it sends and reads what it is answered: marks read, `converter`
   * writes, each value up to `maxPayloadBytes` (the host's limit: larger with a blob store; absent, the 2 MiB one).
   */
  static forCaller(converter: PayloadConverter = 'json', maxPayloadBytes?: number): RunPayloads {
    checkConverter(converter);
    return new RunPayloads(converter, true, maxPayloadBytes);
  }

  private constructor(
    readonly converter: PayloadConverter,
    /** Whether the run's stored payloads carry marks (`payloadFormat: 1`). */
    readonly marked: boolean,
    /** The host's payload limit: larger with a blob store (Limits.maxBlobPayloadBytes); absent, the 2 MiB one. */
    readonly maxPayloadBytes?: number,
  ) {}

  /** The stored form of a value user code hands over, checked (PayloadError naming `what` when it cannot be stored). */
  write(value: unknown, what: string, options: PayloadCheckOptions = {}): unknown {
    const stored = this.marked ? writePayload(value, this.converter, what) : value;
    checkPayload(stored, what, this.#checkOptions(options));
    return this.#asStored(stored);
  }

  /** Each argument written as a payload of its own, so an argument list stays a list in history and on the wire. */
  writeArgs(args: unknown[], what: string, options: PayloadCheckOptions = {}): unknown[] {
    const stored = this.marked ? args.map((arg, i) => writePayload(arg, this.converter, `${what} (argument ${i + 1})`)) : args;
    checkPayload(stored, what, this.#checkOptions(options));
    return this.#asStored(stored) as unknown[];
  }

  /**
   * Under JSON, what storage will give back: a Date its string, an `undefined` in a list null. Handed back at once (a
   * side effect, a local activity, an activity run in this process), a value is then what a replay reads, not the
   * object as it was. A value holding nothing JSON changes is kept as it is (a copy of 100 KiB costs a millisecond a
   * step, `npm run bench -- --only payloads`); the rich format makes a fresh value already.
   */
  #asStored(stored: unknown): unknown {
    return this.converter === 'json' && typeof stored === 'object' && stored !== null && needsRich(stored) ? copyPayload(stored) : stored;
  }

  /** The rich format has checked depth and numbers on the value itself (needsRich walks all of it); its tags add levels. */
  #checkOptions(options: PayloadCheckOptions): PayloadCheckOptions {
    const checked = this.converter === 'rich' ? RICH_CHECK : options;
    const maxBytes = options.maxBytes ?? this.maxPayloadBytes;
    // Every payload of a step is checked: a new options object only when the limit differs.
    return maxBytes === checked.maxBytes ? checked : { ...checked, maxBytes };
  }

  /**
   * The check of a payload that leaves the run's object (docs/payloads.md, Limits): under the RPC cap when the host's
   * limit is above it (a blob store), else the host's limit as for any payload.
   */
  leaving(options: PayloadCheckOptions = {}): PayloadCheckOptions {
    return this.maxPayloadBytes === undefined ? options : { ...options, maxBytes: leavingLimit(this.maxPayloadBytes) };
  }

  /** Each memo field written as a payload of its own (a memo stays a record of fields). */
  writeRecord(record: Record<string, unknown>, what: string): Record<string, unknown> {
    if (!this.marked) return record;
    const stored: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) stored[key] = this.#asStored(writePayload(value, this.converter, `${what} field '${key}'`));
    return stored;
  }

  /** Checks a record of stored payloads (a memo) as a whole: its size, and its shape unless the rich format checked each. */
  checkRecord(stored: Record<string, unknown>, what: string): void {
    checkPayload(stored, what, this.#checkOptions({}));
  }

  /** The value a stored payload stands for (a PayloadError for an encoding this version does not read). */
  read(stored: unknown): unknown {
    return readPayload(stored, this.marked);
  }

  readArgs(stored: unknown[]): unknown[] {
    return this.marked ? stored.map((arg) => readPayload(arg, true)) : stored;
  }

  /**
   * A failure as workflow code gets it: a timeout's details are the activity's last heartbeat details, written as a
   * payload, so they are read as one (here and in every cause). Other details are JSON, as failure messages are.
   */
  readFailure(info: FailureInfo): FailureInfo {
    if (!this.marked) return info;
    const read: FailureInfo = { ...info };
    if (info.kind === 'timeout' && info.details !== undefined) read.details = readPayload(info.details, true);
    if (info.cause !== undefined) read.cause = this.readFailure(info.cause);
    return read;
  }

  /** A fresh record of the values a record of stored payloads (a memo) stands for. */
  readRecord(stored: Record<string, unknown>): Record<string, unknown> {
    if (!this.marked) return { ...stored };
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stored)) values[key] = readPayload(value, true);
    return values;
  }
}
