// The workflow code that is running, for Temporal's free functions: the context of its current cancellation scope,
// from the async context the engine keeps (core/ambient.ts). Outside workflow code there is none, and Temporal's
// functions throw there, as these do.
import { currentScopeContext } from '../../core/ambient';
import type { WorkflowContext } from '../../core/context';

/** Thrown by a workflow API called outside workflow code (Temporal's `IllegalStateError`). */
export class IllegalStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IllegalStateError';
  }
}

/** The context of the current scope of the running workflow code; throws outside it, naming `what` was called. */
export function currentContext(what: string): WorkflowContext {
  const context = currentScopeContext() as WorkflowContext | undefined;
  if (!context) {
    throw new IllegalStateError(`${what} may only be used from workflow code (docs/temporal.md)`);
  }
  return context;
}

/** Whether the caller runs as workflow code (Temporal's `inWorkflowContext()`). */
export function inWorkflowContext(): boolean {
  return currentScopeContext() !== undefined;
}
