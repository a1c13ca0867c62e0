// Temporal's `client.workflow`: start, execute, getHandle, signal-with-start, update-with-start, list and count.
import { nameOf, type SignalDefinition, type UpdateDefinition, type WorkflowDefinition } from '../../core/definitions';
import type { TemporalBackend } from './backend';
import { executionInfoOf, type WorkflowExecutionInfo } from './description';
import { asTemporalUpdate } from './errors';
import { WorkflowHandle } from './handle';
import { matchesLocally, parseListQuery } from './list-query';
import { backendStartOptions, workflowTypeOf, type Workflow, type WorkflowResultType, type WorkflowStartOptions } from './start-options';

type WorkflowRef<T extends Workflow> = T | string | WorkflowDefinition;

export type WorkflowSignalWithStartOptions<T extends Workflow = Workflow, SA extends unknown[] = unknown[]> = WorkflowStartOptions<T> & {
  signal: SignalDefinition<SA> | string;
  signalArgs?: SA;
};

/**
 * The start half of update-with-start: give it to `executeUpdateWithStart`, then `workflowHandle()` resolves with the
 * handle of the workflow that took the update (started or already running).
 */
export class WithStartWorkflowOperation<T extends Workflow = Workflow> {
  #resolve!: (handle: WorkflowHandle<T>) => void;
  #reject!: (error: unknown) => void;
  readonly #handle = new Promise<WorkflowHandle<T>>((resolve, reject) => {
    this.#resolve = resolve;
    this.#reject = reject;
  });

  constructor(readonly workflow: WorkflowRef<T>, readonly options: WorkflowStartOptions<T>) {
    this.#handle.catch(() => undefined); // read only if the caller asks
  }

  workflowHandle(): Promise<WorkflowHandle<T>> {
    return this.#handle;
  }

  /** @internal */
  settle(outcome: { handle: WorkflowHandle<T> } | { error: unknown }): void {
    if ('handle' in outcome) this.#resolve(outcome.handle);
    else this.#reject(outcome.error);
  }
}

export class WorkflowClient {
  constructor(readonly backend: TemporalBackend, readonly namespace: string) {}

  /** Starts a workflow; the handle's `firstExecutionRunId` is the run started. Throws WorkflowExecutionAlreadyStartedError. */
  async start<T extends Workflow>(workflow: WorkflowRef<T>, options: WorkflowStartOptions<T>): Promise<WorkflowHandle<T>> {
    const start = backendStartOptions(workflow, options);
    const { runId } = await this.backend.start(workflowTypeOf(workflow), start);
    return new WorkflowHandle<T>(this.backend, start.workflowId, undefined, runId);
  }

  /** Starts a workflow and waits for its result; over HTTP, a workflow that finishes quickly costs one request. */
  async execute<T extends Workflow>(workflow: WorkflowRef<T>, options: WorkflowStartOptions<T>): Promise<WorkflowResultType<T>> {
    if (!this.backend.execute) return (await this.start(workflow, options)).result();
    return (await this.backend.execute(workflowTypeOf(workflow), backendStartOptions(workflow, options))) as WorkflowResultType<T>;
  }

  async result<T extends Workflow = Workflow>(workflowId: string, runId?: string): Promise<WorkflowResultType<T>> {
    return this.getHandle<T>(workflowId, runId).result();
  }

  /** A handle on `workflowId` (its latest run, or `runId`); it is not checked until used (WorkflowNotFoundError). */
  getHandle<T extends Workflow = Workflow>(workflowId: string, runId?: string, options: { firstExecutionRunId?: string } = {}): WorkflowHandle<T> {
    return new WorkflowHandle<T>(this.backend, workflowId, runId, options.firstExecutionRunId);
  }

  /** Signals the running workflow, or starts it with the signal delivered first; `signaledRunId` is the run signalled. */
  async signalWithStart<T extends Workflow, SA extends unknown[] = unknown[]>(
    workflow: WorkflowRef<T>,
    options: WorkflowSignalWithStartOptions<T, SA>,
  ): Promise<WorkflowHandle<T> & { readonly signaledRunId: string }> {
    const { signal, signalArgs, ...startOptions } = options;
    const start = backendStartOptions(workflow, startOptions as WorkflowStartOptions<T>);
    const { runId } = await this.backend.signalWithStart(workflowTypeOf(workflow), start, nameOf(signal), signalArgs ?? []);
    return Object.assign(new WorkflowHandle<T>(this.backend, start.workflowId, undefined, runId), { signaledRunId: runId });
  }

  /**
   * Runs an update on the workflow of `startWorkflowOperation`, starting it first if it is not running, and returns the
   * update's result. Temporal requires `workflowIdConflictPolicy` on the operation; Duro's update-with-start always uses
   * the running workflow, so the policy is not required.
   */
  async executeUpdateWithStart<T extends Workflow, R, Args extends unknown[]>(
    update: UpdateDefinition<R, Args> | string,
    options: { args?: Args; updateId?: string; startWorkflowOperation: WithStartWorkflowOperation<T> },
  ): Promise<R> {
    const operation = options.startWorkflowOperation;
    try {
      const start = backendStartOptions(operation.workflow, operation.options);
      const request = { name: nameOf(update), args: options.args ?? [], updateId: options.updateId ?? crypto.randomUUID() };
      // The handle is known once the start (or the running workflow) is, whatever the update's outcome: settle it then.
      const reply = this.backend.updateWithStart(workflowTypeOf(operation.workflow), start, request);
      const outcome = await asTemporalUpdate(reply).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ('value' in outcome) operation.settle({ handle: new WorkflowHandle<T>(this.backend, start.workflowId, undefined, outcome.value.runId) });
      else operation.settle({ error: outcome.error });
      if ('error' in outcome) throw outcome.error;
      return outcome.value.result as R;
    } catch (error) {
      operation.settle({ error });
      throw error;
    }
  }

  /**
   * Every execution the query matches, newest first. The query is Temporal's visibility syntax, restricted to what
   * Duro's index filters by (client/temporal list-query.ts): `WorkflowType = 'x' AND ExecutionStatus = 'Running'`.
   */
  list(options: { query?: string; pageSize?: number } = {}): AsyncIterable<WorkflowExecutionInfo> {
    const filter = parseListQuery(options.query);
    const backend = this.backend;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const record of backend.list(filter)) if (matchesLocally(filter, record)) yield executionInfoOf(record);
      },
    };
  }

  /** How many executions the query matches (Temporal's `groups` are not computed: always empty). */
  async count(query?: string): Promise<{ count: number; groups: never[] }> {
    const filter = parseListQuery(query);
    if (filter.workflowId === undefined) return { count: await this.backend.count(filter), groups: [] };
    let count = 0;
    for await (const record of this.backend.list(filter)) if (matchesLocally(filter, record)) count++;
    return { count, groups: [] };
  }
}
