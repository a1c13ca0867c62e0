// Temporal's TestWorkflowEnvironment over Duro's own (src/testing): no server, no download. Workers created on
// `env.nativeConnection` register their workflows and activities with it; `env.client` is the Temporal-style client
// answered in process. Virtual time skips while a result is awaited, as with Temporal's time-skipping server.
import type { Duration } from '../../core/duration';
import { TestWorkflowEnvironment as DuroTestEnvironment } from '../../testing/environment';
import { Client } from '../client/client';
import { connectionOver, type Connection } from '../client/connection';
import { nativeConnectionOver, type NativeConnection } from '../worker/native-connection';
import { environmentBackend } from './env-backend';

export interface TestWorkflowEnvironmentOptions {
  /** Virtual start time (ms since epoch or a Date). Default: now. Duro's addition. */
  startTime?: number | Date;
  /** Accepted and unused: options of Temporal's test server and of its client. */
  server?: unknown;
  client?: unknown;
}

/**
 * @example
 * const env = await TestWorkflowEnvironment.createTimeSkipping();
 * const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'test', workflowsPath, activities });
 * const result = await worker.runUntil(env.client.workflow.execute(example, { args: ['Temporal'], workflowId: 'test', taskQueue: 'test' }));
 */
export class TestWorkflowEnvironment {
  readonly namespace = 'default';
  readonly connection: Connection;
  readonly nativeConnection: NativeConnection;
  readonly client: Client;
  /** Duro's own environment underneath, for what Temporal's has no word for (histories, evict, reset). */
  readonly duro: DuroTestEnvironment;
  readonly #workers = new Set<{ workflows: Record<string, unknown>; activities: Record<string, unknown> }>();

  protected constructor(duro: DuroTestEnvironment, readonly supportsTimeSkipping: boolean) {
    this.duro = duro;
    this.connection = connectionOver(environmentBackend(duro), { address: 'in-process' });
    this.nativeConnection = nativeConnectionOver({
      register: (workflows, activities) => {
        const entry = { workflows, activities };
        this.#workers.add(entry);
        this.#redeploy();
        return () => {
          this.#workers.delete(entry);
          this.#redeploy();
        };
      },
    });
    this.client = new Client({ connection: this.connection, namespace: this.namespace });
  }

  /** An in-process environment whose time skips while a workflow's result is awaited. */
  static async createTimeSkipping(options: TestWorkflowEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return new TestWorkflowEnvironment(await DuroTestEnvironment.create(startOf(options)), true);
  }

  /**
   * Temporal starts a dev server here, without time skipping. Duro's environment has no real-time mode, so this is the
   * same in-process environment: time still skips while a result is awaited (docs/temporal.md).
   */
  static async createLocal(options: TestWorkflowEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
    return new TestWorkflowEnvironment(await DuroTestEnvironment.create(startOf(options)), true);
  }

  /** Skips `duration` of virtual time, firing every timer due on the way. */
  sleep = async (duration: Duration): Promise<void> => {
    await this.duro.sleep(duration);
  };

  /** The environment's current (virtual) time. */
  async currentTimeMs(): Promise<number> {
    return this.duro.now();
  }

  /** Nothing runs in the background between awaits: nothing to stop. Kept for Temporal's shape. */
  async teardown(): Promise<void> {
    this.#workers.clear();
  }

  /** The union of every registered Worker's modules (a later Worker's names win). */
  #redeploy(): void {
    const workflows: Record<string, unknown> = {};
    const activities: Record<string, unknown> = {};
    for (const worker of this.#workers) {
      Object.assign(workflows, worker.workflows);
      Object.assign(activities, worker.activities);
    }
    this.duro.deploy({ workflows, activities });
  }
}

function startOf(options: TestWorkflowEnvironmentOptions): { startTime?: number | Date } {
  return options.startTime === undefined ? {} : { startTime: options.startTime };
}
