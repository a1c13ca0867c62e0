// Temporal's Client: `new Client({ connection })`, its workflows under `client.workflow`.
import { backendOf, Connection } from './connection';
import { WorkflowClient } from './workflow-client';

export interface ClientOptions {
  /** Default: `Connection.lazy()` to http://127.0.0.1:8787 (a local `wrangler dev`). */
  connection?: Connection;
  /** Accepted for Temporal's sake; a Duro deployment has one namespace. Default 'default'. */
  namespace?: string;
}

/**
 * @example
 * const client = new Client({ connection: await Connection.connect({ address: 'https://duro.example.workers.dev', apiKey }) });
 * const result = await client.workflow.execute(example, { args: ['Temporal'], workflowId: 'wf-1', taskQueue: 'hello' });
 */
export class Client {
  readonly connection: Connection;
  readonly options: { namespace: string };
  readonly workflow: WorkflowClient;

  constructor(options: ClientOptions = {}) {
    this.connection = options.connection ?? Connection.lazy();
    this.options = { namespace: options.namespace ?? 'default' };
    this.workflow = new WorkflowClient(backendOf(this.connection), this.options.namespace);
  }
}
