// What a BrowserWorkflowHandle asks of the BrowserDuro that made it: kept apart so the handle and BrowserDuro,
// which creates handles, do not import each other.
import type { HistoryEvent } from '../core/history';
import type { RunState, WorkflowRun } from '../core/internals';
import type { DrivenRun } from './driven-runs';

/** What a handle acts on: a run driven here, or (driven by another tab, or closed) its stored state. */
export type RunView = { driven: DrivenRun; state: RunState } | { driven?: undefined; state: RunState };

/** Implemented by BrowserDuro. */
export interface HandleBackend {
  readonly store: { readHistory(runId: string, afterEventId?: number): Promise<HistoryEvent[]> };
  viewOf(workflowId: string, runId?: string): Promise<RunView>;
  readOnlyRun(state: RunState): Promise<WorkflowRun>;
  tryAdopt(workflowId: string): Promise<boolean>;
  drivenRunOf(workflowId: string): Promise<DrivenRun>;
}
