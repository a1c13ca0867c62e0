// Errors the activator raises inside workflow code and queries.
import { brandClass } from './brand';
import type { RecordedContinueAsNewOptions } from './history';

/** Thrown by `ctx.continueAsNew`; the activator turns it into the continue-as-new command. */
export class ContinueAsNewRequest extends Error {
  static {
    brandClass(this, 'ContinueAsNewRequest');
  }

  constructor(readonly input: unknown, readonly options?: RecordedContinueAsNewOptions) {
    super('continue-as-new');
    this.name = 'ContinueAsNewRequest';
  }
}

/** A query asked for a handler that is not set. */
export class QueryNotFoundError extends Error {
  static {
    brandClass(this, 'QueryNotFoundError');
  }

  constructor(readonly queryName: string, known: string[]) {
    super(`No query handler for '${queryName}'${known.length ? ` (known: ${known.join(', ')})` : ''}`);
    this.name = 'QueryNotFoundError';
  }
}

/** Workflow code did something forbidden by the determinism rules (e.g. a query issuing a command). */
export class DeterminismViolationError extends Error {
  static {
    brandClass(this, 'DeterminismViolationError');
  }

  constructor(message: string) {
    super(message);
    this.name = 'DeterminismViolationError';
  }
}

/**
 * An input completes a command the workflow never issued (an activity, timer, child, local activity or external
 * request with a sequence number beyond those given out). It cannot come from workflow code: the engine or the stored
 * history is at fault, and the activation fails loudly instead of dropping the input (the run blocks, with this reason).
 */
export class UnexpectedCompletionError extends Error {
  static {
    brandClass(this, 'UnexpectedCompletionError');
  }

  constructor(readonly kind: string, readonly seq: number | string) {
    super(`An input completes ${kind} ${seq}, which this workflow never started`);
    this.name = 'UnexpectedCompletionError';
  }
}

/**
 * Why a workflow task failed in workflow code: an error that is not a Duro failure escaped the workflow function or a
 * handler (`workflowError`), or a promise of workflow code was still rejected with no handler when the activation
 * ended (`unhandledRejection`). The run is not failed: it blocks, and the activation is tried again (live-workflow.ts).
 */
export class WorkflowTaskError extends Error {
  static {
    brandClass(this, 'WorkflowTaskError');
  }

  constructor(readonly error: unknown, readonly kind: 'workflowError' | 'unhandledRejection') {
    const described = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    super(kind === 'unhandledRejection' ? `Unhandled rejection in workflow code: ${described}` : `Workflow code threw ${described}`, { cause: error });
    this.name = 'WorkflowTaskError';
  }
}
