// Temporal's `Logger` shape, one for the facades: the workflow `log`, an activity's `Context.log` and the worker's
// `DefaultLogger` differ only in where a line goes.
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

export interface Logger {
  log(level: LogLevel, message: string, meta?: Record<string, unknown>): void;
  trace(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** The level a Temporal level writes at: Duro's `ctx.log` level, and the console method of the same name (neither has a trace level). */
export const logLevelOf = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** A Logger whose every method writes through `write`. */
export function loggerOf(write: (level: LogLevel, message: string, meta?: Record<string, unknown>) => void): Logger {
  return {
    log: write,
    trace: (message, meta) => write('TRACE', message, meta),
    debug: (message, meta) => write('DEBUG', message, meta),
    info: (message, meta) => write('INFO', message, meta),
    warn: (message, meta) => write('WARN', message, meta),
    error: (message, meta) => write('ERROR', message, meta),
  };
}
