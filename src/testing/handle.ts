// A handle on one workflow execution in the test environment; the same methods as DuroClient's handles.
import { WorkflowFailedError, WorkflowUpdateFailedError } from '../core/client-errors';
import { nameOf, type QueryDefinition, type SignalDefinition, type UpdateDefinition, type WorkflowDefinition, type WorkflowOutput } from '../core/definitions';
import { mapDescriptionPayloads, type WorkflowDescription } from '../core/describe';
import type { HistoryEvent } from '../core/history';
import type { Execution, LogPage } from '../core/execution/execution';
import { definedFields } from '../core/objects';
import type { HandleEnvironment } from './handle-environment';

export type { WorkflowDescription } from '../core/describe';

type NameOf<D> = D | string;

export class TestWorkflowHandle<W extends WorkflowDefinition = WorkflowDefinition> {
  constructor(
    readonly env: HandleEnvironment,
    readonly workflowId: string,
    /** Run id of the first run this handle was created for. */
    readonly runId: string,
  ) {}

  /** Waits for the result (skipping virtual time), following continue-as-new and retries to the last run. Throws `WorkflowFailedError`. */
  async result(): Promise<WorkflowOutput<W>> {
    // A run blocked for good (workflow code keeps failing its task) would leave this waiting forever: it throws instead.
    const reply = await this.env.skipTimeUntil(this.#execution().result({ runId: this.runId, waitMs: Number.POSITIVE_INFINITY, followRuns: true }), this.workflowId);
    if (reply.status === 'completed') return this.env.payloads.read(reply.result) as WorkflowOutput<W>;
    if (reply.status === 'running' || reply.status === 'continuedAsNew') throw new Error(`Run ${reply.runId} of ${this.workflowId} handed over to a run that is not here`);
    throw new WorkflowFailedError(this.workflowId, reply.status, reply.failure);
  }

  async signal<Args extends unknown[]>(signal: NameOf<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#execution().signal({ name: nameOf(signal), args: this.env.payloads.writeArgs(args, `Arguments of signal '${nameOf(signal)}'`) });
  }

  /** Signal with a request id: repeating the same id records the signal once. */
  async signalWithRequestId<Args extends unknown[]>(requestId: string, signal: NameOf<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#execution().signal({ name: nameOf(signal), args: this.env.payloads.writeArgs(args, `Arguments of signal '${nameOf(signal)}'`), requestId });
  }

  async query<R, Args extends unknown[]>(query: NameOf<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    return this.env.payloads.read(await this.#execution().query({ name: nameOf(query), args: this.env.payloads.writeArgs(args, `Arguments of query '${nameOf(query)}'`) })) as R;
  }

  /** Runs an update to completion. Throws `WorkflowUpdateRejectedError` (validator) or `WorkflowUpdateFailedError` (handler). */
  async executeUpdate<R, Args extends unknown[]>(update: NameOf<UpdateDefinition<R, Args>>, options: { args?: Args; updateId?: string } = {}): Promise<R> {
    const name = nameOf(update);
    // Time stands still (as in Temporal's test server); a run that blocks meanwhile throws WorkflowBlockedError.
    const reply = await this.env.flowUntil(this.#execution().update({ name, args: this.env.payloads.writeArgs(options.args ?? [], `Arguments of update '${name}'`), wait: 'completed', ...(options.updateId !== undefined && { updateId: options.updateId }) }), this.workflowId);
    const outcome = reply.outcome!;
    if ('failure' in outcome) throw new WorkflowUpdateFailedError(name, outcome.failure);
    return this.env.payloads.read(outcome.result) as R;
  }

  async cancel(reason?: string): Promise<void> {
    await this.#execution().cancel(reason === undefined ? {} : { reason });
  }

  async terminate(reason?: string): Promise<void> {
    await this.#execution().terminate(reason === undefined ? {} : { reason });
  }

  /** Resets to the end of an earlier activation (a WorkflowTaskCompleted event); returns the new run id. */
  async reset(eventId: number, reason?: string): Promise<string> {
    return this.env.reset(this.workflowId, eventId, reason);
  }

  /** Holds activities and timers; signals and updates are still recorded. */
  async pause(reason?: string): Promise<void> {
    await this.#execution().pause(reason === undefined ? {} : { reason });
  }

  async unpause(): Promise<void> {
    await this.#execution().unpause();
  }

  /** Events of a run (default: the latest run of this workflow id) as committed now, oldest first: no step is awaited. */
  async fetchHistory(runId?: string): Promise<HistoryEvent[]> {
    return this.env.readHistory(this.workflowId, runId);
  }

  /**
   * The lines a run kept of what its workflow code and activities wrote with `ctx.log`, oldest first: the page
   * GET /v1/workflows/{id}/logs answers, and the client's `handle.logs()` (`lines[i].line` is each line).
   */
  async logs(options: { runId?: string; after?: number; limit?: number } = {}): Promise<LogPage> {
    return this.#execution().logs({ ...definedFields({ runId: options.runId, afterSeq: options.after, limit: options.limit }) });
  }

  /** What GET /v1/workflows/{id} would answer for this run (default: the latest). */
  async describe(runId?: string): Promise<WorkflowDescription> {
    const description = await this.#execution().describe(runId === undefined ? {} : { runId });
    return mapDescriptionPayloads(description, (stored) => this.env.payloads.read(stored));
  }

  #execution(): Execution {
    return this.env.existingExecution(this.workflowId);
  }
}
