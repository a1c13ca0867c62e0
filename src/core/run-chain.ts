// How one run of a workflow id leads to the next: what continue-as-new carries over.
import type { WorkflowExecutionContinuedAsNew, WorkflowExecutionStarted } from './history';
import type { RunState } from './run-state';

/** The fields of WorkflowExecutionStarted that a host chooses when it starts a run. */
export type StartParams = Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>;

/**
 * The next run of a continue-as-new chain: the id the old run recorded, the new input, a fresh seed;
 * the parent, execution deadline, timeouts, memo and search attributes carry over.
 */
export function continuedRunParams(previous: StartParams, state: RunState, close: WorkflowExecutionContinuedAsNew, randomnessSeed: string): StartParams {
  const { input: _input, randomnessSeed: _seed, runId: _runId, continuedFromRunId: _from, ...carried } = previous;
  return {
    ...carried,
    runId: close.newRunId,
    input: close.input,
    randomnessSeed,
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
