// A handle on one workflow execution of the browser host: the methods of DuroClient's WorkflowHandle, so UI code can
// swap a local engine for a server one. Messages go to the execution this context drives; reads work from any tab.
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError } from '../core/client-errors';
import { nameOf, type QueryDefinition, type SignalDefinition, type UpdateDefinition, type WorkflowDefinition, type WorkflowOutput } from '../core/definitions';
import { mapDescriptionPayloads, type WorkflowDescription } from '../core/describe';
import type { HistoryEvent } from '../core/history';
import type { HandleBackend } from './handle-backend';

type Named<D> = D | string;

/** How often `result()` reads the store while another tab drives the run (it cannot subscribe to that tab). */
const RESULT_POLL_MS = 500;
/** How long `result()` waits on a run driven here before looking again (a failed commit reloads the runs). */
const RESULT_WAIT_MS = 1_000;

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
    for (;;) {
      const { execution, driven } = await this.duro.forReading(this.workflowId);
      let reply: Awaited<ReturnType<typeof execution.result>>;
      try {
        reply = await execution.result({ ...(runId !== undefined && { runId }), waitMs: driven ? RESULT_WAIT_MS : 0, followRuns: true });
      } catch (error) {
        // The next run of a chain another tab drives may not be stored yet; a run whose commit failed here is being
        // loaded again from storage: look again, after a while.
        const followed = runId !== this.runId && error instanceof WorkflowNotFoundError;
        const reloaded = driven && (await this.duro.forReading(this.workflowId)).execution !== execution;
        if (!followed && !reloaded) throw error;
        if (!reloaded) await delay(RESULT_POLL_MS);
        continue;
      }
      if (reply.status === 'completed') return this.duro.payloads.read(reply.result) as WorkflowOutput<W>;
      if (reply.status !== 'running' && reply.status !== 'continuedAsNew') throw new WorkflowFailedError(this.workflowId, reply.status, reply.failure);
      // Still running (or its next run, driven by another tab, is not stored yet): wait on it, adopting it if that tab went.
      runId = reply.runId;
      if (!driven && !(await this.duro.tryAdopt(this.workflowId))) await delay(RESULT_POLL_MS);
    }
  }

  /** Records a signal on the current run; resolves once it is committed. */
  async signal<Args extends unknown[]>(signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.duro.withDriven(this.workflowId, (execution) => execution.signal({ name: nameOf(signal), args: this.duro.payloads.writeArgs(args, `Arguments of signal '${nameOf(signal)}'`) }));
  }

  /** Signal with a request id: repeating the same id records the signal once. */
  async signalWithRequestId<Args extends unknown[]>(requestId: string, signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.duro.withDriven(this.workflowId, (execution) => execution.signal({ name: nameOf(signal), args: this.duro.payloads.writeArgs(args, `Arguments of signal '${nameOf(signal)}'`), requestId }));
  }

  /** Answers from the run driven here, or, in another tab, from the stored history replayed read-only. */
  async query<R, Args extends unknown[]>(query: Named<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    const { execution } = await this.duro.forReading(this.workflowId);
    return this.duro.payloads.read(await execution.query({ name: nameOf(query), args: this.duro.payloads.writeArgs(args, `Arguments of query '${nameOf(query)}'`) })) as R;
  }

  /** Runs an update to completion. Throws `WorkflowUpdateRejectedError` (validator) or `WorkflowUpdateFailedError` (handler). */
  async executeUpdate<R, Args extends unknown[]>(update: Named<UpdateDefinition<R, Args>>, options: { args?: Args; updateId?: string } = {}): Promise<R> {
    const name = nameOf(update);
    const reply = await this.duro.withDriven(this.workflowId, (execution) => execution.update({ name, args: this.duro.payloads.writeArgs(options.args ?? [], `Arguments of update '${name}'`), wait: 'completed', ...(options.updateId !== undefined && { updateId: options.updateId }) }));
    const outcome = reply.outcome!;
    if ('failure' in outcome) throw new WorkflowUpdateFailedError(name, outcome.failure);
    return this.duro.payloads.read(outcome.result) as R;
  }

  async cancel(reason?: string): Promise<void> {
    await this.duro.withDriven(this.workflowId, (execution) => execution.cancel(reason === undefined ? {} : { reason }));
  }

  async terminate(reason?: string): Promise<void> {
    await this.duro.withDriven(this.workflowId, (execution) => execution.terminate(reason === undefined ? {} : { reason }));
  }

  /** What the server's GET /v1/workflows/{id} would answer for this handle's run (or `runId`; default the latest). */
  async describe(runId = this.runId): Promise<WorkflowDescription> {
    const { execution } = await this.duro.forReading(this.workflowId);
    const description = await execution.describe(runId === undefined ? {} : { runId });
    return mapDescriptionPayloads(description, (stored) => this.duro.payloads.read(stored));
  }

  /** Every event of the run (this handle's, or `runId`; default the latest), oldest first. */
  async fetchHistory(runId = this.runId): Promise<HistoryEvent[]> {
    const { execution } = await this.duro.forReading(this.workflowId);
    const page = await execution.history({ ...(runId !== undefined && { runId }), limit: Number.MAX_SAFE_INTEGER });
    return page.events;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
