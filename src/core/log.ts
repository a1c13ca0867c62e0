// Structured logs for workflows (`ctx.log`) and activities (`ctx.log` of an attempt): one JSON line per call on the
// console (Workers Logs and Logpush take console output), carrying who wrote it. A workflow's lines are written once:
// not again while its run replays history. The run also keeps its latest lines (run-logs.ts) for the API and the UI.
import { realGlobals } from './determinism-guards';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where workflow and activity code log.
 * @example ctx.log.info('charged', { orderId, amount });
 */
export interface Log {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

/** One line as written: the level, the message, the wall-clock time, who wrote it, then the caller's attributes. */
export interface LogLine {
  level: LogLevel;
  message: string;
  /** ISO 8601, the wall clock (also in workflow code, where `Date` is workflow time). */
  time: string;
  [field: string]: unknown;
}

/** Where a written line is also kept: its JSON text, as the console got it. */
export type KeepLogLine = (text: string) => void;

/**
 * A Log whose lines carry `identity()` (read at each call: a run's info changes), and are dropped while `silenced()`
 * (a replaying workflow). Each line written is also handed to `keep`, when given.
 */
export function createLog(identity: () => Record<string, unknown>, silenced: () => boolean = () => false, keep?: KeepLogLine): Log {
  const write = (level: LogLevel) => (message: string, attributes?: Record<string, unknown>) => {
    if (silenced()) return;
    const line: LogLine = { level, message: String(message), time: new Date(realGlobals().now()).toISOString(), ...identity() };
    // The caller's attributes follow; one named like a field above (level, workflowId…) does not replace it.
    for (const [field, value] of Object.entries(attributes ?? {})) if (!(field in line)) line[field] = value;
    const text = writeLogLine(line);
    keep?.(text);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/**
 * Writes one line and returns its JSON text; attributes JSON cannot carry (a cycle, a BigInt) are replaced by what
 * went wrong, never thrown.
 */
function writeLogLine(line: LogLine): string {
  const text = serialized(line);
  // Read at each line: tests and hosts may replace the console's methods. (The core is typed without platform libs.)
  (globalThis as unknown as { console: Record<LogLevel, (text: string) => void> }).console[line.level](text);
  return text;
}

function serialized(line: LogLine): string {
  try {
    return JSON.stringify(line, errorsAsObjects);
  } catch (error) {
    return JSON.stringify({ ...identityOf(line), logError: `attributes not written: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** Who wrote a line: the fields Duro writes on every line besides level, message and time (the UI and CLI show them apart). */
export const LOG_IDENTITY_FIELDS = ['workflowId', 'runId', 'workflowType', 'activityId', 'activityType', 'attempt', 'isLocal', 'traceId', 'spanId'] as const;

/** The fields every line has or may have from who wrote it: what a reader shows apart from the line's own attributes. */
export const LOG_FIXED_FIELDS: readonly string[] = ['level', 'message', 'time', ...LOG_IDENTITY_FIELDS];

/** What a field of a line cut short keeps at most: ids and names are short; anything longer was not written by Duro. */
const IDENTITY_FIELD_CHARS = 256;

/**
 * The fields Duro writes on every line (level, message, time, who wrote it), each bounded: what is kept of a line cut
 * short, so what is kept is short whatever a line (an activity server's) held.
 */
function identityOf(line: LogLine): LogLine {
  const { level, message, time } = line;
  const kept: LogLine = { level, message, time: time.slice(0, 64) };
  for (const field of LOG_IDENTITY_FIELDS) {
    const value = line[field];
    if (typeof value === 'string') kept[field] = value.slice(0, IDENTITY_FIELD_CHARS);
    else if (typeof value === 'number' || typeof value === 'boolean') kept[field] = value;
  }
  return kept;
}

/** A line no longer than `maxChars`: a longer one keeps its identity and the start of its message, marked `truncated`. */
export function cutLogLine(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const line = parsedLogLine(text);
  const now = new Date(realGlobals().now()).toISOString();
  if (!line) return JSON.stringify({ level: 'info', message: text.slice(0, Math.max(0, maxChars - 200)), time: now, truncated: true });
  const kept = identityOf(line);
  kept.message = '';
  kept.truncated = true;
  // The identity is bounded (a few KiB at most): the message gets what is left, measured as JSON (escapes grow it).
  const room = maxChars - JSON.stringify(kept).length;
  kept.message = line.message.slice(0, Math.max(0, room));
  let cut = JSON.stringify(kept);
  while (cut.length > maxChars && kept.message.length > 0) {
    kept.message = kept.message.slice(0, Math.floor(kept.message.length / 2));
    cut = JSON.stringify(kept);
  }
  return cut.length <= maxChars ? cut : JSON.stringify({ level: line.level, message: '', time: now, truncated: true });
}

/** The line `text` holds, or undefined when it is not one Duro writes (level, message and time). */
export function parsedLogLine(text: string): LogLine | undefined {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isLogLine(line) ? line : undefined;
}

function isLogLine(value: unknown): value is LogLine {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const line = value as Record<string, unknown>;
  return LEVELS.has(line.level as LogLevel) && typeof line.message === 'string' && typeof line.time === 'string';
}

const LEVELS = new Set<LogLevel>(['debug', 'info', 'warn', 'error']);

/** An Error in the attributes is written with its name, message and stack (JSON.stringify would write `{}`). */
function errorsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
