// A handle on one workflow execution in the test environment; the same methods as DuroClient's handles.
import { WorkflowFailedError } from '../core/client-errors';
import type { QueryDefinition, SignalDefinition, UpdateDefinition, WorkflowDefinition, WorkflowOutput } from '../core/definitions';
import type { HistoryEvent } from '../core/history';
import { describeRun, outcomeOfCloseEvent, WorkflowClosedError, type WorkflowDescription, type WorkflowRun } from '../core/internals';
import { updateOnRun, updateResult } from '../core/update-call';
import type { HandleEnvironment } from './handle-environment';

export type { WorkflowDescription } from '../core/describe';

type NameOf<D> = D | string;
const nameOf = (definition: { name: string } | string) => (typeof definition === 'string' ? definition : definition.name);

export class TestWorkflowHandle<W extends WorkflowDefinition = WorkflowDefinition> {
  constructor(
    readonly env: HandleEnvironment,
    readonly workflowId: string,
    /** Run id of the first run this handle was created for. */
    readonly runId: string,
  ) {}

  /** Waits for the result (skipping virtual time), following continue-as-new to the last run. Throws `WorkflowFailedError`. */
  async result(): Promise<WorkflowOutput<W>> {
    let runId = this.runId;
    for (;;) {
      // Look the run up on every check: env.deploy() replaces run objects.
      const id = runId;
      const outcome = await this.env.waitFor(() => {
        const run = this.env.runOf(this.workflowId, id);
        return run.isClosed ? outcomeOfCloseEvent(run.state.closeEvent!) : undefined;
      });
      // Continue-as-new and a retry of the workflow hand over to the next run.
      if (outcome.newRunId !== undefined) {
        runId = outcome.newRunId;
        continue;
      }
      if (outcome.status === 'completed') return outcome.result as WorkflowOutput<W>;
      throw new WorkflowFailedError(this.workflowId, outcome.status, outcome.failure!);
    }
  }

  async signal<Args extends unknown[]>(signal: NameOf<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#onCurrentRun((run) => run.signal(nameOf(signal), args));
  }

  /** Signal with a request id: repeating the same id records the signal once. */
  async signalWithRequestId<Args extends unknown[]>(requestId: string, signal: NameOf<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#onCurrentRun((run) => run.signal(nameOf(signal), args, requestId));
  }

  async query<R, Args extends unknown[]>(query: NameOf<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    return (await this.#current().query(nameOf(query), args)) as R;
  }

  /** Runs an update to completion. Throws `WorkflowUpdateRejectedError` (validator) or `WorkflowUpdateFailedError` (handler). */
  async executeUpdate<R, Args extends unknown[]>(update: NameOf<UpdateDefinition<R, Args>>, options: { args?: Args; updateId?: string } = {}): Promise<R> {
    const name = nameOf(update);
    return updateResult<R>(name, await this.#onCurrentRun((run) => updateOnRun(run, name, options.args ?? [], options.updateId)));
  }

  async cancel(reason?: string): Promise<void> {
    await this.#onCurrentRun((run) => run.cancel(reason));
  }

  async terminate(reason?: string): Promise<void> {
    await this.#onCurrentRun((run) => run.terminate(reason));
  }

  /** Resets to the end of an earlier activation (a WorkflowTaskCompleted event); returns the new run id. */
  async reset(eventId: number, reason?: string): Promise<string> {
    return this.env.reset(this.workflowId, eventId, reason);
  }

  /** Holds activities and timers; signals and updates are still recorded. */
  async pause(reason?: string): Promise<void> {
    const run = this.#current();
    run.pause(reason);
    await run.idle();
  }

  async unpause(): Promise<void> {
    const run = this.#current();
    run.unpause();
    await run.idle();
  }

  /** Events of a run (default: the latest run of this workflow id), oldest first. */
  async fetchHistory(runId?: string): Promise<HistoryEvent[]> {
    return this.env.history(this.workflowId, runId ?? this.#current().runId);
  }

  /** What GET /v1/workflows/{id} would answer for this run (default: the latest). */
  async describe(runId?: string): Promise<WorkflowDescription> {
    const run = runId === undefined ? this.#current() : this.env.runOf(this.workflowId, runId);
    await run.idle();
    return describeRun(run.state);
  }

  /** The latest run of this workflow id. */
  #current(): WorkflowRun {
    return this.env.runOf(this.workflowId);
  }

  /**
   * Calls `fn` on the current run; when that run closed while the call waited in its queue and handed over to a
   * next run (continue-as-new, a retry), the next run takes it, as the Durable Object host does.
   */
  async #onCurrentRun<T>(fn: (run: WorkflowRun) => Promise<T>): Promise<T> {
    for (let handOvers = 0; ; handOvers++) {
      const run = this.#current();
      try {
        return await fn(run);
      } catch (error) {
        if (!(error instanceof WorkflowClosedError) || this.#current() === run || handOvers >= 10) throw error;
      }
    }
  }
}
