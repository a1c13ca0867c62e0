// Structured logs for workflows (`ctx.log`) and activities (`ctx.log` of an attempt): one JSON line per call on the
// console (Workers Logs and Logpush take console output), carrying who wrote it. A workflow's lines are written once:
// not again while its run replays history.
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

/**
 * A Log whose lines carry `identity()` (read at each call: a run's info changes), and are dropped while `silenced()`
 * (a replaying workflow).
 */
export function createLog(identity: () => Record<string, unknown>, silenced: () => boolean = () => false): Log {
  const write = (level: LogLevel) => (message: string, attributes?: Record<string, unknown>) => {
    if (silenced()) return;
    const line: LogLine = { level, message: String(message), time: new Date(realGlobals().now()).toISOString(), ...identity() };
    // The caller's attributes follow; one named like a field above (level, workflowId…) does not replace it.
    for (const [field, value] of Object.entries(attributes ?? {})) if (!(field in line)) line[field] = value;
    writeLogLine(line);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

/** Writes one line; attributes JSON cannot carry (a cycle, a BigInt) are replaced by what went wrong, never thrown. */
export function writeLogLine(line: LogLine): void {
  // Read at each line: tests and hosts may replace the console's methods. (The core is typed without platform libs.)
  (globalThis as unknown as { console: Record<LogLevel, (text: string) => void> }).console[line.level](serialized(line));
}

function serialized(line: LogLine): string {
  try {
    return JSON.stringify(line, errorsAsObjects);
  } catch (error) {
    const { level, message, time } = line;
    return JSON.stringify({ level, message, time, logError: `attributes not written: ${error instanceof Error ? error.message : String(error)}` });
  }
}

/** An Error in the attributes is written with its name, message and stack (JSON.stringify would write `{}`). */
function errorsAsObjects(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message, stack: value.stack } : value;
}
