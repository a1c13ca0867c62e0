// How one run of a workflow id leads to the next: what continue-as-new carries over, and what a retry of the
// workflow (its retry policy) starts again.
import type { HistoryEvent, WorkflowExecutionContinuedAsNew, WorkflowExecutionStarted } from './history';
import type { CarriedSignal } from './run';
import type { RunState } from './run-state';

/** The fields of WorkflowExecutionStarted that a host chooses when it starts a run. */
export type StartParams = Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>;

/**
 * The next run of a continue-as-new chain: the id the old run recorded, the new input, a fresh seed, attempt 1;
 * the parent, execution deadline, timeouts, retry policy, memo and search attributes carry over.
 */
export function continuedRunParams(previous: StartParams, state: RunState, close: WorkflowExecutionContinuedAsNew, randomnessSeed: string): StartParams {
  const { input: _input, randomnessSeed: _seed, runId: _runId, continuedFromRunId: _from, ...carried } = previous;
  return {
    ...carried,
    runId: close.newRunId,
    input: close.input,
    randomnessSeed,
    attempt: 1, // a new run of the chain, not a retry: the retry policy counts afresh (as Temporal's does)
    continuedFromRunId: state.runId,
    memo: { ...state.memo },
    searchAttributes: { ...state.searchAttributes },
  };
}

/** Start parameters out of a recorded start event. */
export function startParamsOf(event: WorkflowExecutionStarted): StartParams {
  const { eventId: _id, timestamp: _ts, type: _type, ...params } = event;
  return params;
}

/** The run a closed run hands over to, if any: its start parameters, signals to deliver first, and when it starts. */
export interface NextRun {
  params: StartParams;
  carriedSignals: CarriedSignal[];
  /** Epoch ms; a retry waits out its backoff, counted from the close. */
  startAt: number;
}

/** Whether a close is followed by another run of the chain (continue-as-new, or a retry of a failed run). */
export function handsOver(closeEvent: HistoryEvent): boolean {
  if (closeEvent.type === 'WorkflowExecutionContinuedAsNew') return true;
  return (closeEvent.type === 'WorkflowExecutionFailed' || closeEvent.type === 'WorkflowExecutionTimedOut') && closeEvent.retry !== undefined;
}

export function nextRunOf(previous: StartParams, state: RunState, closeEvent: HistoryEvent, randomnessSeed: string): NextRun | undefined {
  if (closeEvent.type === 'WorkflowExecutionContinuedAsNew') {
    return { params: continuedRunParams(previous, state, closeEvent, randomnessSeed), carriedSignals: closeEvent.bufferedSignals, startAt: closeEvent.timestamp };
  }
  if ((closeEvent.type === 'WorkflowExecutionFailed' || closeEvent.type === 'WorkflowExecutionTimedOut') && closeEvent.retry) {
    // The same input and options, attempt + 1 (Temporal's workflow retry).
    const { randomnessSeed: _seed, runId: _runId, continuedFromRunId: _from, ...carried } = previous;
    return {
      params: { ...carried, runId: closeEvent.retry.newRunId, randomnessSeed, attempt: previous.attempt + 1, continuedFromRunId: state.runId },
      carriedSignals: [],
      startAt: closeEvent.timestamp + closeEvent.retry.backoffMs,
    };
  }
  return undefined;
}
