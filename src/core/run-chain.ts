// How one run of a workflow id leads to the next: what continue-as-new carries over, and what a retry of the
// workflow (its retry policy) starts again.
import { runTrace } from './tracing/trace-context';
import type { EarlierRequests, EarlierUpdate, HistoryEvent, WorkflowExecutionContinuedAsNew, WorkflowExecutionStarted } from './history';
import type { CarriedSignal } from './carried-signal';
import type { WorkflowDefinition } from './definitions';
import { ApplicationFailure } from './failure';
import type { RunState } from './run-state';

/**
 * How many signal request ids, and how many update ids, a run hands to the next run of its chain: the newest ones,
 * its own first. A client re-sending a signal or an update within that many is not recorded twice (docs/operations.md).
 */
export const CHAIN_DEDUPE_WINDOW = 500;

/** The ids the next run must not record again: this run's own, newest first, then those it was handed. */
export function earlierRequestsOf(previous: StartParams, state: RunState): EarlierRequests | undefined {
  const own = (map: Record<string, number>) => Object.entries(map).filter(([, eventId]) => eventId > 0).sort((a, b) => b[1] - a[1]);
  const signalRequestIds = [...new Set([...own(state.signalRequestIds).map(([id]) => id), ...(previous.earlierRequests?.signalRequestIds ?? [])])].slice(0, CHAIN_DEDUPE_WINDOW);
  const updates: Record<string, EarlierUpdate> = {};
  let kept = 0;
  const add = (id: string, where: EarlierUpdate) => {
    if (kept >= CHAIN_DEDUPE_WINDOW || Object.hasOwn(updates, id)) return;
    updates[id] = where;
    kept++;
  };
  for (const [id, eventId] of own(state.completedUpdates)) add(id, { runId: state.runId, eventId });
  for (const [id, where] of Object.entries(previous.earlierRequests?.updates ?? {})) add(id, where);
  if (signalRequestIds.length === 0 && kept === 0) return undefined;
  return { signalRequestIds, updates };
}

/** The fields of WorkflowExecutionStarted that a host chooses when it starts a run. */
export type StartParams = Omit<WorkflowExecutionStarted, 'eventId' | 'timestamp' | 'type'>;

/**
 * The next run of a continue-as-new chain: the id the old run recorded, the new input, a fresh seed, attempt 1;
 * the parent, execution deadline, timeouts, retry policy, memo and search attributes carry over, except the workflow
 * type, run timeout, memo and search attributes the continue-as-new's options replace (Temporal's rule).
 */
export function continuedRunParams(previous: StartParams, state: RunState, close: WorkflowExecutionContinuedAsNew, randomnessSeed: string): StartParams {
  // The trace is not carried: a long-lived chain (an entity continuing as new for months) would grow one trace without
  // end. Each run of a continue-as-new chain starts a trace of its own (docs/observability.md).
  const { input: _input, randomnessSeed: _seed, runId: _runId, continuedFromRunId: _from, earlierRequests: _earlier, trace: _trace, ...carried } = previous;
  const earlierRequests = earlierRequestsOf(previous, state);
  const options = close.options ?? {};
  const runTimeoutMs = options.runTimeoutMs ?? carried.runTimeoutMs;
  return {
    ...carried,
    ...(earlierRequests && { earlierRequests }),
    ...(runTimeoutMs !== undefined && { runTimeoutMs }),
    workflowType: options.workflowType ?? carried.workflowType,
    runId: close.newRunId,
    input: close.input,
    randomnessSeed,
    attempt: 1, // a new run of the chain, not a retry: the retry policy counts afresh (as Temporal's does)
    continuedFromRunId: state.runId,
    memo: { ...(options.memo ?? state.memo) },
    searchAttributes: { ...(options.searchAttributes ?? state.searchAttributes) },
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
    const startAt = closeEvent.timestamp + (closeEvent.options?.backoffMs ?? 0);
    return { params: continuedRunParams(previous, state, closeEvent, randomnessSeed), carriedSignals: closeEvent.bufferedSignals, startAt };
  }
  if ((closeEvent.type === 'WorkflowExecutionFailed' || closeEvent.type === 'WorkflowExecutionTimedOut') && closeEvent.retry) {
    // The same input and options, attempt + 1 (Temporal's workflow retry).
    const { randomnessSeed: _seed, runId: _runId, continuedFromRunId: _from, earlierRequests: _earlier, ...carried } = previous;
    const earlierRequests = earlierRequestsOf(previous, state);
    return {
      // A retry is part of its run's story: it stays in the run's trace, the one it recorded or had of its own.
      params: { ...carried, ...(earlierRequests && { earlierRequests }), trace: runTrace(state), runId: closeEvent.retry.newRunId, randomnessSeed, attempt: previous.attempt + 1, continuedFromRunId: state.runId },
      carriedSignals: [],
      startAt: closeEvent.timestamp + closeEvent.retry.backoffMs,
    };
  }
  return undefined;
}

/**
 * What a next run of a type this deployment lacks runs (a continue-as-new into another workflow type): it fails at
 * once, non-retryable, with the `WorkflowTypeNotFound` a start of that type gets, so the chain ends with the reason.
 */
export function unregisteredWorkflow(workflowType: string): WorkflowDefinition {
  return {
    kind: 'workflow',
    name: workflowType,
    fn: () => Promise.reject(ApplicationFailure.nonRetryable(`Unknown workflow type '${workflowType}': the run before this one continued as new into it, and this deployment does not register it`, 'WorkflowTypeNotFound')),
  };
}
