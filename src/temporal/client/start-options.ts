// Temporal's WorkflowStartOptions in Duro's terms: positional `args` become the input of a Temporal-style workflow
// (core/definitions.ts workflowOfFunction), Temporal's policy names map to Duro's, task queues are accepted and unused.
import { isWorkflowDefinition, type WorkflowDefinition } from '../../core/definitions';
import type { Duration } from '../../core/duration';
import type { RetryPolicy } from '../../core/retry-policy';
import type { IdConflictPolicy, IdReusePolicy } from '../../core/start-policy';
import type { BackendStartOptions } from './backend';
import { toDuroSearchAttributes, type SearchAttributes } from './description';
import type { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../common/workflow-options';

/** A Temporal workflow function: positional arguments, a promise of the result. */
export type Workflow = (...args: any[]) => Promise<any>;
export type WorkflowResultType<T extends Workflow> = Awaited<ReturnType<T>>;

export { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '../common/workflow-options';

const REUSE: Record<WorkflowIdReusePolicy, IdReusePolicy> = {
  ALLOW_DUPLICATE: 'allowDuplicate',
  ALLOW_DUPLICATE_FAILED_ONLY: 'allowDuplicateFailedOnly',
  REJECT_DUPLICATE: 'rejectDuplicate',
  TERMINATE_IF_RUNNING: 'terminateIfRunning',
};
const CONFLICT: Record<WorkflowIdConflictPolicy, IdConflictPolicy> = { FAIL: 'fail', USE_EXISTING: 'useExisting', TERMINATE_EXISTING: 'terminateExisting' };

export interface WorkflowOptions {
  workflowId: string;
  /** Accepted for Temporal's sake; Duro has no task queues (every Worker serves every workflow it registers). */
  taskQueue: string;
  workflowIdReusePolicy?: WorkflowIdReusePolicy | `WORKFLOW_ID_REUSE_POLICY_${WorkflowIdReusePolicy}`;
  workflowIdConflictPolicy?: WorkflowIdConflictPolicy | `WORKFLOW_ID_CONFLICT_POLICY_${WorkflowIdConflictPolicy}`;
  workflowExecutionTimeout?: Duration;
  workflowRunTimeout?: Duration;
  /** Accepted and unused: Duro's workflow tasks have no timeout of their own. */
  workflowTaskTimeout?: Duration;
  retry?: RetryPolicy;
  startDelay?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** Not supported: use Duro's schedules (docs/schedules.md). Throws. */
  cronSchedule?: string;
}

export type WorkflowStartOptions<T extends Workflow = Workflow> = WorkflowOptions & ArgsOption<T>;
/** `args` may be left out when the workflow takes none. */
export type ArgsOption<T extends Workflow> = Parameters<T> extends [] ? { args?: [] } : { args: Parameters<T> };

/** The registered name of a workflow given by function (its name, as Temporal uses), Duro definition or name. */
export function workflowTypeOf(workflow: Workflow | WorkflowDefinition | string): string {
  if (typeof workflow === 'string') return workflow;
  if (isWorkflowDefinition(workflow)) return workflow.name;
  if (!workflow.name) throw new TypeError('A workflow passed by function must have a name (the name it is exported as)');
  return workflow.name;
}

export function backendStartOptions(workflow: Workflow | WorkflowDefinition | string, options: WorkflowOptions & { args?: unknown[] }): BackendStartOptions {
  if (options.cronSchedule !== undefined) throw new TypeError('cronSchedule is not supported: create a Duro schedule instead (docs/schedules.md)');
  if (typeof options.workflowId !== 'string' || options.workflowId === '') throw new TypeError('workflowId is required');
  const args = options.args ?? [];
  const out: BackendStartOptions = {
    workflowId: options.workflowId,
    // A Temporal-style workflow takes its positional arguments as its input; a Duro definition takes one input.
    input: isWorkflowDefinition(workflow) ? args[0] : args,
  };
  if (options.workflowIdReusePolicy !== undefined) out.idReusePolicy = REUSE[unprefixed(options.workflowIdReusePolicy, 'WORKFLOW_ID_REUSE_POLICY_') as WorkflowIdReusePolicy];
  if (options.workflowIdConflictPolicy !== undefined) out.idConflictPolicy = CONFLICT[unprefixed(options.workflowIdConflictPolicy, 'WORKFLOW_ID_CONFLICT_POLICY_') as WorkflowIdConflictPolicy];
  if (options.workflowIdReusePolicy !== undefined && out.idReusePolicy === undefined) throw new TypeError(`Unknown workflowIdReusePolicy ${options.workflowIdReusePolicy}`);
  if (options.workflowIdConflictPolicy !== undefined && out.idConflictPolicy === undefined) throw new TypeError(`Unknown workflowIdConflictPolicy ${options.workflowIdConflictPolicy}`);
  if (options.workflowExecutionTimeout !== undefined) out.executionTimeout = options.workflowExecutionTimeout;
  if (options.workflowRunTimeout !== undefined) out.runTimeout = options.workflowRunTimeout;
  if (options.retry !== undefined) out.retryPolicy = options.retry;
  if (options.startDelay !== undefined) out.startDelay = options.startDelay;
  if (options.memo !== undefined) out.memo = options.memo;
  if (options.searchAttributes !== undefined) out.searchAttributes = toDuroSearchAttributes(options.searchAttributes);
  return out;
}

function unprefixed(value: string, prefix: string): string {
  return value.startsWith(prefix) ? value.slice(prefix.length) : value;
}
