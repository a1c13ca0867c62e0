// A handle on one workflow execution of the browser host: the methods of DuroClient's WorkflowHandle, so UI code can
// swap a local engine for a server one. Messages go to the run this context drives; reads work from any tab.
import { WorkflowFailedError, WorkflowNotFoundError } from '../core/client-errors';
import { nameOf, type QueryDefinition, type SignalDefinition, type UpdateDefinition, type WorkflowDefinition, type WorkflowOutput } from '../core/definitions';
import type { WorkflowDescription } from '../core/describe';
import type { HistoryEvent } from '../core/history';
import { describeRun, outcomeOfCloseEvent, WorkflowClosedError, type WorkflowRun } from '../core/internals';
import { updateOnRun, updateResult } from '../core/update-call';
import type { HandleBackend, RunView } from './handle-backend';

type Named<D> = D | string;

/** How often `result()` reads the store while another tab drives the run (it cannot subscribe to that tab). */
const RESULT_POLL_MS = 500;

/**
 * @example
 * const handle = duro.getHandle<typeof upload>('upload-1');
 * await handle.signal(pause);
 * const progress = await handle.query(progressQuery);
 */
export class BrowserWorkflowHandle<W extends WorkflowDefinition = WorkflowDefinition> {
  constructor(
    readonly duro: HandleBackend,
    readonly workflowId: string,
    /** The run this handle was created for; undefined means "the latest run". */
    readonly runId?: string,
  ) {}

  /** Waits for the result, following continue-as-new and retries; throws `WorkflowFailedError` when it did not complete. */
  async result(): Promise<WorkflowOutput<W>> {
    let runId = this.runId;
    let followed = false;
    for (;;) {
      let view: RunView;
      try {
        view = await this.duro.viewOf(this.workflowId, runId);
      } catch (error) {
        // The next run of a chain another tab drives may not be stored yet.
        if (!(error instanceof WorkflowNotFoundError) || !followed) throw error;
        if (!(await this.duro.tryAdopt(this.workflowId))) await delay(RESULT_POLL_MS);
        continue;
      }
      const { state } = view;
      if (state.closeEvent) {
        const outcome = outcomeOfCloseEvent(state.closeEvent)!;
        if (outcome.newRunId !== undefined) {
          runId = outcome.newRunId;
          followed = true;
          continue;
        }
        if (outcome.status === 'completed') return outcome.result as WorkflowOutput<W>;
        throw new WorkflowFailedError(this.workflowId, outcome.status, outcome.failure!);
      }
      runId = state.runId;
      if (view.driven) {
        // A failed commit replaces the run from the store: wait on the replacement.
        await Promise.race([view.driven.run.result(), view.driven.broken]).catch(() => undefined);
      } else if (!(await this.duro.tryAdopt(this.workflowId))) {
        await delay(RESULT_POLL_MS);
      }
    }
  }

  /** Records a signal on the current run; resolves once it is committed. */
  async signal<Args extends unknown[]>(signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#onCurrentRun((run) => run.signal(nameOf(signal), args));
  }

  /** Signal with a request id: repeating the same id records the signal once. */
  async signalWithRequestId<Args extends unknown[]>(requestId: string, signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.#onCurrentRun((run) => run.signal(nameOf(signal), args, requestId));
  }

  /** Answers from the run driven here, or, in another tab, from the stored history replayed read-only. */
  async query<R, Args extends unknown[]>(query: Named<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    const view = await this.duro.viewOf(this.workflowId);
    const run = view.driven?.run ?? (await this.duro.readOnlyRun(view.state));
    return (await run.query(nameOf(query), args)) as R;
  }

  /** Runs an update to completion. Throws `WorkflowUpdateRejectedError` (validator) or `WorkflowUpdateFailedError` (handler). */
  async executeUpdate<R, Args extends unknown[]>(update: Named<UpdateDefinition<R, Args>>, options: { args?: Args; updateId?: string } = {}): Promise<R> {
    const name = nameOf(update);
    return updateResult<R>(name, await this.#onCurrentRun((run) => updateOnRun(run, name, options.args ?? [], options.updateId)));
  }

  async cancel(reason?: string): Promise<void> {
    await this.#onCurrentRun((run) => run.cancel(reason));
  }

  async terminate(reason?: string): Promise<void> {
    await this.#onCurrentRun((run) => run.terminate(reason));
  }

  /** What the server's GET /v1/workflows/{id} would answer for this handle's run (or `runId`; default the latest). */
  async describe(runId = this.runId): Promise<WorkflowDescription> {
    const view = await this.#settled(runId);
    return describeRun(view.driven?.run.state ?? view.state);
  }

  /** Every event of the run (this handle's, or `runId`; default the latest), oldest first. */
  async fetchHistory(runId = this.runId): Promise<HistoryEvent[]> {
    const view = await this.#settled(runId);
    return this.duro.store.readHistory(view.state.runId);
  }

  /** The run once its queued steps are committed (or failed: then what storage holds is the truth). */
  async #settled(runId: string | undefined): Promise<RunView> {
    const view = await this.duro.viewOf(this.workflowId, runId);
    await view.driven?.run.idle().catch(() => undefined);
    return view;
  }

  /**
   * Calls `fn` on the current run; when that run closed while the call waited in its queue and handed over to a next
   * run (continue-as-new, a retry), the next run takes it, as the Durable Object host does.
   */
  async #onCurrentRun<T>(fn: (run: WorkflowRun) => Promise<T>): Promise<T> {
    for (let handOvers = 0; ; handOvers++) {
      const driven = await this.duro.drivenRunOf(this.workflowId);
      try {
        return await Promise.race([fn(driven.run), driven.broken]);
      } catch (error) {
        if (!(error instanceof WorkflowClosedError) || handOvers >= 10) throw error;
        const now = await this.duro.drivenRunOf(this.workflowId).catch(() => undefined);
        if (!now || now.run.runId === driven.run.runId) throw error;
      }
    }
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
