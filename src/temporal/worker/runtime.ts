// `@temporalio/worker`'s Runtime and DefaultLogger, which Temporal test setups call before anything else
// (`Runtime.install({ logger: new DefaultLogger('WARN') })`). Duro has no native runtime to configure: the logger
// is kept, and writes to the console at its level and above.
type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export interface Logger {
  log(level: LogLevel, message: string, meta?: Record<string, unknown>): void;
  trace(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export class DefaultLogger implements Logger {
  constructor(readonly level: LogLevel = 'INFO') {}

  log(level: LogLevel, message: string, meta?: Record<string, unknown>): void {
    if (ORDER.indexOf(level) < ORDER.indexOf(this.level)) return;
    const write = level === 'ERROR' ? console.error : level === 'WARN' ? console.warn : console.log;
    if (meta === undefined) write(`[${level}] ${message}`);
    else write(`[${level}] ${message}`, meta);
  }

  trace(message: string, meta?: Record<string, unknown>): void { this.log('TRACE', message, meta); }
  debug(message: string, meta?: Record<string, unknown>): void { this.log('DEBUG', message, meta); }
  info(message: string, meta?: Record<string, unknown>): void { this.log('INFO', message, meta); }
  warn(message: string, meta?: Record<string, unknown>): void { this.log('WARN', message, meta); }
  error(message: string, meta?: Record<string, unknown>): void { this.log('ERROR', message, meta); }
}

/** Accepted for Temporal's API: `Runtime.install({ logger })` keeps the logger; telemetry options are unused. */
export class Runtime {
  static #instance: Runtime | undefined;

  private constructor(readonly logger: Logger) {}

  static install(options: { logger?: Logger; telemetryOptions?: unknown } = {}): Runtime {
    Runtime.#instance = new Runtime(options.logger ?? new DefaultLogger());
    return Runtime.#instance;
  }

  static instance(): Runtime {
    return (Runtime.#instance ??= new Runtime(new DefaultLogger()));
  }
}
