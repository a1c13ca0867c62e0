// Callers waiting on a run: for an update's outcome, or for the run to close. The run answers them only after the
// step that recorded the outcome is committed, so no caller hears of an outcome that a failed write would undo.
import { ApplicationFailure, toFailureInfo } from './failure';
import type { HistoryEvent, Outcome, WorkflowStatus } from './history';
import type { RunOutcome } from './run-state';

export class RunWaiters {
  readonly #updates = new Map<string, Array<(outcome: Outcome) => void>>();
  /** How each waiting update's caller is rejected when the run breaks (a failed commit), by update id. */
  readonly #updateFailures = new Map<string, Array<(error: Error) => void>>();
  readonly #close: Array<(outcome: RunOutcome) => void> = [];

  waitForUpdate(updateId: string, waiter: (outcome: Outcome) => void, fail?: (error: Error) => void): void {
    const list = this.#updates.get(updateId) ?? [];
    list.push(waiter);
    this.#updates.set(updateId, list);
    if (fail) this.#updateFailures.set(updateId, [...(this.#updateFailures.get(updateId) ?? []), fail]);
  }

  /** The run broke (a commit failed): every update still waiting is rejected with `error`. */
  failUpdates(error: Error): void {
    for (const fails of this.#updateFailures.values()) for (const fail of fails) fail(error);
    this.#updates.clear();
    this.#updateFailures.clear();
  }

  /** Answers the updates these committed events complete; once the run is closed (`closedAs`), fails the others. */
  notifyUpdates(events: HistoryEvent[], closedAs: WorkflowStatus | undefined): void {
    for (const event of events) {
      if (event.type !== 'UpdateCompleted') continue;
      const waiters = this.#updates.get(event.updateId) ?? [];
      this.#updates.delete(event.updateId);
      this.#updateFailures.delete(event.updateId);
      for (const waiter of waiters) waiter(event.outcome);
    }
    if (closedAs !== undefined) {
      for (const [updateId, waiters] of this.#updates) {
        for (const waiter of waiters) waiter({ failure: toFailureInfo(ApplicationFailure.nonRetryable(`Workflow closed (${closedAs}) before update ${updateId} completed`, 'WorkflowClosed')) });
      }
      this.#updates.clear();
      this.#updateFailures.clear();
    }
  }

  /** Adds a close listener; returns a function that removes it. */
  onClose(listener: (outcome: RunOutcome) => void): () => void {
    this.#close.push(listener);
    return () => {
      const index = this.#close.indexOf(listener);
      if (index >= 0) this.#close.splice(index, 1);
    };
  }

  closed(outcome: RunOutcome): void {
    for (const waiter of this.#close.splice(0)) waiter(outcome);
  }
}
