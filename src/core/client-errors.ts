// Errors a caller of a workflow (client, test environment) receives. Shared so every client throws the same classes.
import { brandClass } from './brand';
import { fromFailureInfo, type DuroFailure, type FailureInfo } from './failure';

/** The workflow ended without a result: failed, cancelled, terminated or timed out. `cause` is its failure. */
export class WorkflowFailedError extends Error {
  static {
    brandClass(this, 'WorkflowFailedError');
  }

  declare readonly cause: DuroFailure;
  constructor(
    readonly workflowId: string,
    readonly status: string,
    readonly failure: FailureInfo,
  ) {
    super(`Workflow ${workflowId} ${status}: ${failure.message}`);
    this.name = 'WorkflowFailedError';
    Object.defineProperty(this, 'cause', { value: fromFailureInfo(failure), enumerable: false });
  }
}

export class WorkflowExecutionAlreadyStartedError extends Error {
  static {
    brandClass(this, 'WorkflowExecutionAlreadyStartedError');
  }

  /** `detail`: why, when it is not that a run is running (an id-reuse policy refused a closed id). */
  constructor(readonly workflowId: string, readonly runId: string, detail?: string) {
    super(detail ?? `Workflow ${workflowId} is already running (run ${runId})`);
    this.name = 'WorkflowExecutionAlreadyStartedError';
  }
}

export class WorkflowNotFoundError extends Error {
  static {
    brandClass(this, 'WorkflowNotFoundError');
  }

  constructor(readonly workflowId: string, readonly runId?: string) {
    super(`Workflow ${workflowId}${runId ? ` run ${runId}` : ''} not found`);
    this.name = 'WorkflowNotFoundError';
  }
}

/** An update that did not produce a result; `cause` is its failure. */
abstract class WorkflowUpdateError extends Error {
  declare readonly cause: DuroFailure;
  constructor(readonly updateName: string, readonly failure: FailureInfo, what: string) {
    super(`Update '${updateName}' ${what}: ${failure.message}`);
    Object.defineProperty(this, 'cause', { value: fromFailureInfo(failure), enumerable: false });
  }
}

/** The update's validator rejected it; nothing was recorded. */
export class WorkflowUpdateRejectedError extends WorkflowUpdateError {
  static {
    brandClass(this, 'WorkflowUpdateRejectedError');
  }

  constructor(updateName: string, failure: FailureInfo) {
    super(updateName, failure, 'rejected');
    this.name = 'WorkflowUpdateRejectedError';
  }
}

/** The update was accepted and its handler failed. */
export class WorkflowUpdateFailedError extends WorkflowUpdateError {
  static {
    brandClass(this, 'WorkflowUpdateFailedError');
  }

  constructor(updateName: string, failure: FailureInfo) {
    super(updateName, failure, 'failed');
    this.name = 'WorkflowUpdateFailedError';
  }
}

/** The run is closed and no longer takes this signal, update, cancel or terminate (the API's 409 `duro:workflow-closed`). */
export class WorkflowClosedError extends Error {
  static {
    brandClass(this, 'WorkflowClosedError');
  }

  constructor(
    readonly workflowId: string,
    readonly status: string,
  ) {
    super(`Workflow ${workflowId} is ${status}`);
    this.name = 'WorkflowClosedError';
  }
}

/**
 * The run is blocked and will not move until other code is deployed: workflow code failed its task again and again (an
 * error that is not a Duro failure, an unhandled rejection), or replay no longer matches history. The test environment
 * throws it where waiting would never end; `cause` is what workflow code threw, when it threw.
 */
export class WorkflowBlockedError extends Error {
  static {
    brandClass(this, 'WorkflowBlockedError');
  }

  constructor(
    readonly workflowId: string,
    readonly runId: string,
    readonly reason: string,
    readonly blockedMessage: string,
    failure?: FailureInfo,
  ) {
    super(`Workflow ${workflowId} is blocked (${reason}): ${blockedMessage}`);
    this.name = 'WorkflowBlockedError';
    if (failure) Object.defineProperty(this, 'cause', { value: fromFailureInfo(failure), enumerable: false });
  }
}
