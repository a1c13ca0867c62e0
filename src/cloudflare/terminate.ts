// Cloudflare's `instance.terminate({ rollback })` on Duro, for the Workflow binding. Duro's terminate runs no workflow
// code, so a terminate that must roll back is Duro's cancel: the run's code (entrypoint.ts) runs the rollbacks of the
// steps that started, in a scope the cancel cannot interrupt, and the run ends cancelled. The binding reports a
// cancelled run as `terminated` (docs/decisions/016-cloudflare-rollbacks.md).

/** The part of a Duro workflow handle (DuroClient's, the test environment's, the binding's) that terminating needs. */
export interface TerminableHandle {
  cancel(reason?: string): Promise<void>;
  terminate(reason?: string): Promise<void>;
}

/** The reasons recorded in history (WorkflowExecutionCancelRequested / WorkflowExecutionTerminated). */
export const TERMINATE_REASON = 'terminated through the Workflow binding';
export const TERMINATE_WITH_ROLLBACK_REASON = 'terminated through the Workflow binding, with rollback';

/**
 * Terminates a Cloudflare-style instance: at once without `rollback` (Duro's terminate), or, with `rollback: true`, by
 * cancelling its run, whose rollbacks then run before it ends (cancelled; `terminated` through the binding). Returns
 * once the request is recorded, not when the rollbacks are done.
 * @example await terminateInstance(client.getHandle(instanceId), { rollback: true });
 */
export async function terminateInstance(handle: TerminableHandle, options?: { rollback?: boolean }): Promise<void> {
  if (options?.rollback === true) await handle.cancel(TERMINATE_WITH_ROLLBACK_REASON);
  else await handle.terminate(TERMINATE_REASON);
}
