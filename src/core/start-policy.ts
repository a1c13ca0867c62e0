// What a start request does to a workflow id that already has runs (Temporal's id reuse and conflict policies).
// Pure, so every host (Durable Object, test environment) decides alike.
import type { ParentRef, WorkflowStatus } from './history';

/** When the id was used by a closed run. */
export type IdReusePolicy = 'allowDuplicate' | 'allowDuplicateFailedOnly' | 'rejectDuplicate' | 'terminateIfRunning';
/** When a run of the id is running. */
export type IdConflictPolicy = 'fail' | 'useExisting' | 'terminateExisting';

export interface LatestRun {
  runId: string;
  status: WorkflowStatus;
  parent?: ParentRef;
  /** The first run of its continue-as-new chain: what the start of a child answers its parent, whenever asked. */
  firstRunId?: string;
}

export type StartDecision =
  | { action: 'start' }
  | { action: 'terminateThenStart'; runId: string }
  | { action: 'useExisting'; runId: string }
  | { action: 'refuse'; runId: string; detail: string };

export function decideStart(
  latest: LatestRun | undefined,
  request: { workflowId: string; idReusePolicy?: IdReusePolicy; idConflictPolicy?: IdConflictPolicy; parent?: ParentRef },
): StartDecision {
  if (!latest) return { action: 'start' };
  const { parent } = request;
  // A parent re-sending the start of its child gets the run it already started, open or closed: the chain's first
  // run, as the first answer said, even when the child continued as new since.
  if (parent && latest.parent && latest.parent.runId === parent.runId && latest.parent.seq === parent.seq) return { action: 'useExisting', runId: latest.firstRunId ?? latest.runId };
  if (latest.status === 'running') {
    const conflict = request.idReusePolicy === 'terminateIfRunning' ? 'terminateExisting' : (request.idConflictPolicy ?? 'fail');
    if (conflict === 'useExisting') return { action: 'useExisting', runId: latest.runId };
    if (conflict === 'terminateExisting') return { action: 'terminateThenStart', runId: latest.runId };
    return { action: 'refuse', runId: latest.runId, detail: `Workflow ${request.workflowId} is already running` };
  }
  const reuse = request.idReusePolicy ?? 'allowDuplicate';
  if (reuse === 'rejectDuplicate' || (reuse === 'allowDuplicateFailedOnly' && (latest.status === 'completed' || latest.status === 'continuedAsNew'))) {
    return { action: 'refuse', runId: latest.runId, detail: `Workflow id ${request.workflowId} was already used (idReusePolicy ${reuse})` };
  }
  return { action: 'start' };
}
