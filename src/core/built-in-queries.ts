// Queries every workflow answers without a handler of its own (a handler set under the same name wins): its message
// handlers (Temporal's `__temporal_workflow_metadata`, for forms that offer a run's names), and what its code waits
// for now (where a stuck run is stuck). They read live state only, and record nothing.

import { defineQuery } from './definitions';

/** The handlers a run has set now, in Temporal's metadata shape. */
const WORKFLOW_METADATA_QUERY = '__duro_workflow_metadata';
/** The same answer under Temporal's name, for Temporal's tools and code ported from it. */
const TEMPORAL_METADATA_QUERY = '__temporal_workflow_metadata';
/** What the run's code waits for now. */
const WAITING_QUERY = '__duro_waiting';

export interface WorkflowMetadata {
  definition: {
    type: string;
    queryDefinitions: Array<{ name: string }>;
    signalDefinitions: Array<{ name: string }>;
    updateDefinitions: Array<{ name: string }>;
  };
}

/** What the code awaits: each pending timer, activity, local activity attempt, child and message to another run. */
export interface WaitingOn {
  timers: Array<{ timerId: string }>;
  activities: Array<{ seq: number; activityType: string }>;
  localActivities: Array<{ seq: number; activityType: string; attempt: number }>;
  children: Array<{ workflowId: string; workflowType: string; started: boolean }>;
  /** Signals and cancels sent to other runs and not yet delivered. */
  externals: number;
  /** `condition()` calls whose predicate is still false. */
  conditions: number;
  /** Signal and update handlers still running. */
  handlersRunning: number;
}

/**
 * The handlers a run has set now (and the built-in queries), for forms that offer a run's names.
 * @example const { definition } = await handle.query(workflowMetadataQuery);
 */
export const workflowMetadataQuery = defineQuery<WorkflowMetadata>(WORKFLOW_METADATA_QUERY);

/** The same query under Temporal's name (`workflowMetadataQuery` of `duro/temporal/workflow`). */
export const temporalMetadataQuery = defineQuery<WorkflowMetadata>(TEMPORAL_METADATA_QUERY);

/**
 * What a run's code waits for now: where a stuck run is stuck.
 * @example const { timers, activities, conditions } = await handle.query(waitingQuery);
 */
export const waitingQuery = defineQuery<WaitingOn>(WAITING_QUERY);

/** What the built-in queries read of a run. */
export interface BuiltInQueryView {
  workflowType: string;
  handlerNames(): { signals: string[]; queries: string[]; updates: string[] };
  waitingOn(): WaitingOn;
}

/** The answer of the built-in query `name`, or undefined when there is none of that name. */
export function builtInQueryAnswer(name: string, view: BuiltInQueryView): { answer: WorkflowMetadata | WaitingOn } | undefined {
  if (name === WORKFLOW_METADATA_QUERY || name === TEMPORAL_METADATA_QUERY) {
    const { signals, queries, updates } = view.handlerNames();
    const named = (names: string[]) => [...names].sort().map((handler) => ({ name: handler }));
    const builtIns = [WORKFLOW_METADATA_QUERY, TEMPORAL_METADATA_QUERY, WAITING_QUERY];
    return { answer: { definition: { type: view.workflowType, queryDefinitions: named([...new Set([...queries, ...builtIns])]), signalDefinitions: named(signals), updateDefinitions: named(updates) } } };
  }
  if (name === WAITING_QUERY) return { answer: view.waitingOn() };
  return undefined;
}
