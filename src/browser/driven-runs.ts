// The runs one browser context drives, by run id, and which of them is each workflow's latest: the one table that
// BrowserDuro (ownership, views) and RunDriver (commits, effects) both read and write.
import type { StartParams, WorkflowRun } from '../core/internals';

/** A run this context drives. `broken` rejects when one of its commits failed and it was replaced from the store. */
export interface DrivenRun {
  run: WorkflowRun;
  /** Start parameters, for the run that follows a close (read from history when the run was loaded). */
  params?: StartParams;
  broken: Promise<never>;
  breakWith(error: unknown): void;
}

export class DrivenRuns {
  /** Closed runs stay, for their waiters. */
  readonly #byRunId = new Map<string, DrivenRun>();
  /** The latest run driven here, by workflow id. */
  readonly #current = new Map<string, string>();

  get(runId: string): DrivenRun | undefined {
    return this.#byRunId.get(runId);
  }

  has(runId: string): boolean {
    return this.#byRunId.has(runId);
  }

  all(): IterableIterator<DrivenRun> {
    return this.#byRunId.values();
  }

  /** A fresh array on each call: callers may start or drop runs while going through it. */
  runs(): WorkflowRun[] {
    return [...this.#byRunId.values()].map((driven) => driven.run);
  }

  currentOf(workflowId: string): DrivenRun | undefined {
    const runId = this.#current.get(workflowId);
    return runId === undefined ? undefined : this.#byRunId.get(runId);
  }

  isCurrent(workflowId: string, runId: string): boolean {
    return this.#current.get(workflowId) === runId;
  }

  /** Drives `run` here; `isCurrent`: it is its workflow's latest run (an older one only still owes messages). */
  track(run: WorkflowRun, params?: StartParams, isCurrent = true): DrivenRun {
    let breakWith: (error: unknown) => void = () => undefined;
    const broken = new Promise<never>((_, reject) => (breakWith = reject));
    broken.catch(() => undefined);
    const driven: DrivenRun = { run, broken, breakWith, ...(params && { params }) };
    this.#byRunId.set(run.runId, driven);
    if (isCurrent) this.#current.set(run.workflowId, run.runId);
    return driven;
  }

  /** Stops driving `runId`: `currentOf` its workflow finds nothing until {@link fallBack} or a new {@link track}. */
  drop(runId: string): void {
    this.#byRunId.delete(runId);
  }

  /** Points `workflowId` back at the newest run of it still driven here, or at none. */
  fallBack(workflowId: string): void {
    const previous = [...this.#byRunId.values()].filter((other) => other.run.workflowId === workflowId).at(-1);
    if (previous) this.#current.set(workflowId, previous.run.runId);
    else this.#current.delete(workflowId);
  }
}
