// `@temporalio/worker`'s Runtime and DefaultLogger, which Temporal test setups call before anything else
// (`Runtime.install({ logger: new DefaultLogger('WARN') })`). Duro has no native runtime to configure: the logger
// is kept, and writes to the console at its level and above.
import { logLevelOf, loggerOf, type LogLevel, type Logger } from '../logger';

export type { Logger };

const ORDER: LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export class DefaultLogger implements Logger {
  readonly log: Logger['log'];
  readonly trace: Logger['trace'];
  readonly debug: Logger['debug'];
  readonly info: Logger['info'];
  readonly warn: Logger['warn'];
  readonly error: Logger['error'];

  constructor(readonly level: LogLevel = 'INFO') {
    const logger = loggerOf((at, message, meta) => {
      if (ORDER.indexOf(at) < ORDER.indexOf(level)) return;
      if (meta === undefined) console[logLevelOf[at]](`[${at}] ${message}`);
      else console[logLevelOf[at]](`[${at}] ${message}`, meta);
    });
    ({ log: this.log, trace: this.trace, debug: this.debug, info: this.info, warn: this.warn, error: this.error } = logger);
  }
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
