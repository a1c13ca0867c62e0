// Temporal's workflow id policies, by their member names: what a start does when the id is taken (shared by
// duro/temporal/client, which maps them to Duro's, and re-exported where Temporal's packages export them).
export const WorkflowIdReusePolicy = {
  ALLOW_DUPLICATE: 'ALLOW_DUPLICATE',
  ALLOW_DUPLICATE_FAILED_ONLY: 'ALLOW_DUPLICATE_FAILED_ONLY',
  REJECT_DUPLICATE: 'REJECT_DUPLICATE',
  TERMINATE_IF_RUNNING: 'TERMINATE_IF_RUNNING',
} as const;
export type WorkflowIdReusePolicy = (typeof WorkflowIdReusePolicy)[keyof typeof WorkflowIdReusePolicy];

export const WorkflowIdConflictPolicy = { FAIL: 'FAIL', USE_EXISTING: 'USE_EXISTING', TERMINATE_EXISTING: 'TERMINATE_EXISTING' } as const;
export type WorkflowIdConflictPolicy = (typeof WorkflowIdConflictPolicy)[keyof typeof WorkflowIdConflictPolicy];
