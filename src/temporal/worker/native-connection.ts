// Temporal's NativeConnection, the worker's link to its server. A Duro Worker is the deployed Cloudflare Worker
// (createDuro), so the only connection a duro/temporal/worker Worker runs on is a test environment's
// (`env.nativeConnection`): it carries where to register workflows and activities.
/** What a connection's host does with a Worker's workflows and activities. */
export interface WorkerHost {
  /** Adds the modules to what runs; returns a function that removes them again. */
  register(workflows: Record<string, unknown>, activities: Record<string, unknown>): () => void;
}

const HOST = Symbol.for('duro.temporal.nativeConnection.host');

export class NativeConnection {
  /** @internal */
  readonly [HOST]: WorkerHost | undefined;

  protected constructor(host: WorkerHost | undefined, readonly options: { address?: string }) {
    this[HOST] = host;
  }

  /**
   * A connection to a server, as Temporal's. Duro runs no polling workers (workflows run where the Duro Worker is
   * deployed): a Worker created on it refuses to run; use createDuro({ workflows, activities }) (duro/worker).
   */
  static async connect(options: { address?: string } = {}): Promise<NativeConnection> {
    return new NativeConnection(undefined, options);
  }

  async close(): Promise<void> {}
}

/** @internal A connection whose Workers register with `host` (the test environment). */
export function nativeConnectionOver(host: WorkerHost): NativeConnection {
  return new (NativeConnection as unknown as new (host: WorkerHost, options: object) => NativeConnection)(host, {});
}

/** @internal */
export function hostOf(connection: NativeConnection | undefined): WorkerHost {
  const host = connection === undefined ? undefined : (connection as unknown as Record<symbol, WorkerHost | undefined>)[HOST];
  if (!host) {
    throw new TypeError(
      'A duro/temporal/worker Worker runs only on a test environment\'s connection (env.nativeConnection): in production, workflows and activities run in the Duro Worker (createDuro from duro/worker)',
    );
  }
  return host;
}
