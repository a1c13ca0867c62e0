// Temporal's Worker, for tests: `Worker.create({ connection: env.nativeConnection, workflowsPath, activities })`
// registers the workflows module and the activities with the test environment behind the connection, so a test written
// for @temporalio/testing runs as it is. Task queues are accepted and unused: the environment runs every workflow it has.
import { fileURLToPath } from 'node:url';
import { registerSinks, type InjectedSinks } from '../workflow/sinks';
import type { NativeConnection } from './native-connection';
import { hostOf } from './native-connection';

export interface WorkerOptions {
  connection?: NativeConnection;
  taskQueue: string;
  namespace?: string;
  /** A module of workflow functions: a file path (absolute) or URL, imported as it is (Duro does not bundle). */
  workflowsPath?: string | URL;
  /** The workflows module itself (`import * as workflows`), Duro's addition beside workflowsPath. */
  workflows?: Record<string, unknown>;
  /** Activity functions by name. */
  activities?: object;
  /** Functions workflow code calls through `proxySinks()`, registered for the Worker's life. */
  sinks?: InjectedSinks<any>;
  /** Accepted and unused: options of Temporal's workflow bundler, sandbox, tuning and interceptors. */
  [option: string]: unknown;
}

export type State = 'INITIALIZED' | 'RUNNING' | 'STOPPING' | 'DRAINING' | 'DRAINED' | 'STOPPED' | 'FAILED';

export class Worker {
  #state: State = 'INITIALIZED';
  #stopped: () => void = () => undefined;
  readonly #done: Promise<void>;
  readonly #unregister: () => void;

  protected constructor(readonly options: WorkerOptions, unregister: () => void) {
    this.#unregister = unregister;
    this.#done = new Promise<void>((resolve) => (this.#stopped = resolve));
  }

  /** Registers the workflows and activities with the connection's environment at once, so starts find them. */
  static async create(options: WorkerOptions): Promise<Worker> {
    const host = hostOf(options.connection);
    const workflows = { ...(options.workflowsPath === undefined ? {} : await importModule(options.workflowsPath)), ...options.workflows };
    if (options.workflowsPath === undefined && options.workflows === undefined && options.activities === undefined) {
      throw new TypeError('Worker.create needs workflowsPath, workflows or activities');
    }
    const unregisterModules = host.register(workflows, { ...(options.activities as Record<string, unknown> | undefined) });
    const unregisterSinks = options.sinks ? registerSinks(options.sinks) : () => undefined;
    return new Worker(options, () => {
      unregisterModules();
      unregisterSinks();
    });
  }

  getState(): State {
    return this.#state;
  }

  /** Runs until `shutdown()`. */
  async run(): Promise<void> {
    if (this.#state !== 'INITIALIZED') throw new Error('Worker.run was already called');
    this.#state = 'RUNNING';
    await this.#done;
    this.#unregister();
    this.#state = 'STOPPED';
  }

  /** Runs while `fnOrPromise` is pending, then shuts down; resolves (or rejects) as it did. */
  async runUntil<R>(fnOrPromise: Promise<R> | (() => Promise<R>)): Promise<R> {
    const running = this.run();
    try {
      return await (typeof fnOrPromise === 'function' ? fnOrPromise() : fnOrPromise);
    } finally {
      this.shutdown();
      await running;
    }
  }

  shutdown(): void {
    if (this.#state === 'STOPPED') return;
    if (this.#state === 'INITIALIZED') {
      this.#unregister();
      this.#state = 'STOPPED';
    } else this.#state = 'STOPPING';
    this.#stopped();
  }
}

/**
 * Imports a workflows module by absolute path (POSIX or Windows) or URL. A TypeScript file that the runtime cannot load
 * itself (Node, for a Duro installed in node_modules, which a test runner leaves to Node's loader) is bundled first,
 * as `duro replay --workflows` does, its `duro/*` imports pointed at this copy of Duro.
 */
async function importModule(path: string | URL): Promise<Record<string, unknown>> {
  const specifier = path instanceof URL ? path.href : /^[A-Za-z]:[\\/]/.test(path) ? `file:///${path.replace(/\\/g, '/')}` : path;
  try {
    return (await import(/* @vite-ignore */ specifier)) as Record<string, unknown>;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_UNKNOWN_FILE_EXTENSION') throw error;
    const { loadWorkflowModule } = await import('../../../client/load-workflows');
    return loadWorkflowModule(path instanceof URL ? fileURLToPath(path) : path);
  }
}
