// duro/cloudflare: Cloudflare Workflows code on Duro. A `WorkflowEntrypoint` subclass with `step.do`, `step.sleep`,
// `step.sleepUntil` and `step.waitForEvent` runs with its imports changed from `cloudflare:workers` and
// `cloudflare:workflows` (or extending `cloudflare:workers`' own WorkflowEntrypoint, in a Worker); `env.MY_WORKFLOW`
// comes from `createDuro({ workflowBindings })`. docs/decisions/015-cloudflare-workflows-steps.md says how each maps
// onto the engine, 016 how rollbacks do, and docs/cloudflare-workflows.md is the porting guide. Duro's additions
// (versioning, children, the progress query) are free functions and a query, so Cloudflare's own API stays as it is.
export { WorkflowEntrypoint, type WorkflowEvent, type WorkflowExecutionContext } from './entrypoint';
export type { WorkflowStep, StepCallback } from './step';
export type { RollbackContext, RollbackFn, RollbackOutcome, WorkflowStepRollbackConfig, WorkflowStepRollbackOptions } from './rollback';
export { stepsQuery, type InstanceProgress, type StepProgress, type StepKind, type StepsQueryOptions } from './progress';
export { patched, deprecatePatch, executeChild, startChild, continueAsNew, type ChildInstanceOptions } from './workflow-functions';
export { terminateInstance, TERMINATE_REASON, TERMINATE_WITH_ROLLBACK_REASON, type TerminableHandle } from './terminate';
export type { WorkflowStepEvent } from './event-inbox';
export { NonRetryableError, WorkflowTimeoutError } from './errors';
export type { Workflow, WorkflowBatchOptions, WorkflowBatchResult, WorkflowInstance, WorkflowInstanceCreateOptions } from './binding';
export type { InstanceStatus } from './instance-status';
export type {
  WorkflowBackoff,
  WorkflowDelayDuration,
  WorkflowDelayFunction,
  WorkflowDurationLabel,
  WorkflowSleepDuration,
  WorkflowStepConfig,
  WorkflowStepContext,
  WorkflowTimeoutDuration,
} from './step-config';
