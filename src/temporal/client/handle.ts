// Temporal's WorkflowHandle over a backend: the run it was made for (`runId`, or the latest when unset), and the first
// run of the chain whose end `result()` waits for (`firstExecutionRunId`), as in Temporal.
import { nameOf, type QueryDefinition, type SignalDefinition, type UpdateDefinition } from '../../core/definitions';
import type { HistoryEvent } from '../../core/history';
import type { TemporalBackend } from './backend';
import { executionDescriptionOf, type WorkflowExecutionDescription } from './description';
import { asTemporalUpdate } from './errors';
import type { Workflow, WorkflowResultType } from './start-options';

type Named<D> = D | string;

export const WorkflowUpdateStage = { ADMITTED: 'ADMITTED', ACCEPTED: 'ACCEPTED', COMPLETED: 'COMPLETED' } as const;
export type WorkflowUpdateStage = (typeof WorkflowUpdateStage)[keyof typeof WorkflowUpdateStage];

export interface WorkflowUpdateOptions {
  updateId?: string;
}

export interface WorkflowUpdateHandle<R> {
  readonly updateId: string;
  readonly workflowId: string;
  readonly workflowRunId?: string;
  result(): Promise<R>;
}

/** Duro's history events (docs/api.md), in Temporal's `{ events }` envelope. */
export interface History {
  events: HistoryEvent[];
}

export class WorkflowHandle<T extends Workflow = Workflow> {
  constructor(
    readonly backend: TemporalBackend,
    readonly workflowId: string,
    /** The run this handle targets; undefined: the latest run of the id. */
    readonly runId: string | undefined,
    /** The run `result()` starts following from (a start's run), if known. */
    readonly firstExecutionRunId: string | undefined,
  ) {}

  /** The result of the chain's last run (following continue-as-new and retries); throws WorkflowFailedError. */
  async result(): Promise<WorkflowResultType<T>> {
    return (await this.backend.handle(this.workflowId, this.firstExecutionRunId ?? this.runId).result()) as WorkflowResultType<T>;
  }

  async signal<Args extends unknown[]>(signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.backend.handle(this.workflowId, this.runId).signal(nameOf(signal), ...args);
  }

  async query<R, Args extends unknown[] = []>(query: Named<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    return (await this.backend.handle(this.workflowId, this.runId).query(nameOf(query), ...args)) as R;
  }

  /** Runs an update to completion. A validator's rejection and a handler's failure both throw WorkflowUpdateFailedError. */
  async executeUpdate<R, Args extends unknown[]>(update: Named<UpdateDefinition<R, Args>>, options: WorkflowUpdateOptions & { args?: Args } = {}): Promise<R> {
    const request = { name: nameOf(update), args: options.args ?? [], updateId: options.updateId ?? crypto.randomUUID() };
    return (await asTemporalUpdate(this.backend.update(this.workflowId, this.runId, request, 'completed'))) as R;
  }

  /**
   * Sends an update and resolves once it was accepted (its validator passed): `ADMITTED` waits as `ACCEPTED` does.
   * The handle's `result()` waits for the handler's outcome (one update id: Duro records the update once).
   */
  async startUpdate<R, Args extends unknown[]>(
    update: Named<UpdateDefinition<R, Args>>,
    options: WorkflowUpdateOptions & { args?: Args; waitForStage: 'ADMITTED' | 'ACCEPTED' },
  ): Promise<WorkflowUpdateHandle<R>> {
    const request = { name: nameOf(update), args: options.args ?? [], updateId: options.updateId ?? crypto.randomUUID() };
    // The request that waits for the outcome goes first, so the outcome is not lost if the run closes right after the
    // handler; the second, same update id, returns at acceptance (or, failing, defers to the first).
    const completed = asTemporalUpdate(this.backend.update(this.workflowId, this.runId, request, 'completed')) as Promise<R>;
    completed.catch(() => undefined);
    const accepted = asTemporalUpdate(this.backend.update(this.workflowId, this.runId, request, 'accepted'));
    await Promise.race([completed, accepted.catch(() => completed)]);
    const { workflowId, runId } = this;
    return { updateId: request.updateId, workflowId, ...(runId !== undefined && { workflowRunId: runId }), result: () => completed };
  }

  async cancel(): Promise<void> {
    await this.backend.handle(this.workflowId, this.runId).cancel();
  }

  async terminate(reason?: string): Promise<void> {
    await this.backend.handle(this.workflowId, this.runId).terminate(reason);
  }

  async describe(): Promise<WorkflowExecutionDescription> {
    return executionDescriptionOf(await this.backend.handle(this.workflowId, this.runId).describe());
  }

  async fetchHistory(): Promise<History> {
    return { events: await this.backend.handle(this.workflowId, this.runId).fetchHistory() };
  }
}
