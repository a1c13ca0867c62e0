// What an update asked of a run comes to: rejected, closed before it was taken, or its recorded outcome.
import type { FailureInfo } from './failure';
import type { Outcome, WorkflowStatus } from './history';

export interface UpdateOutcome {
  updateId: string;
  /** The validator rejected it: nothing was recorded. */
  rejected?: FailureInfo;
  /** The run closed before the update was taken: nothing was recorded (the next run may take it). */
  closedAs?: WorkflowStatus;
  outcome?: Outcome;
}
