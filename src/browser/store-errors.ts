// Why a commit to the browser's IndexedDB store failed. Either way the transaction was aborted: nothing of the step
// was stored, so the host must not carry out the step's effects (the outbox rule) and should reload the run.
import type { IdbError } from './indexeddb-types';

/** The step does not follow the last stored event: another store (a second tab, a stale copy) moved the run on. */
export class HistoryConflictError extends Error {
  constructor(readonly runId: string, readonly lastStoredEventId: number, readonly stepFollowsEventId: number) {
    super(`Run ${runId}: this step follows event ${stepFollowsEventId} but stored history ends at event ${lastStoredEventId}; storing it would fork history, so nothing of this step was stored`);
    this.name = 'HistoryConflictError';
  }
}

/** The origin's storage quota is used up (`QuotaExceededError`). */
export class StorageQuotaError extends Error {
  constructor(readonly runId: string, cause: unknown) {
    super(`IndexedDB quota exceeded: ${messageOf(cause)} (run ${runId}); nothing of this step was stored`, { cause });
    this.name = 'StorageQuotaError';
  }
}

/** Any other failed commit (a value that cannot be cloned, a closed database…). */
export class StoreCommitError extends Error {
  constructor(readonly runId: string, cause: unknown) {
    super(`IndexedDB commit of run ${runId} failed: ${messageOf(cause)}; nothing of this step was stored`, { cause });
    this.name = 'StoreCommitError';
  }
}

/** The error to report for a failed commit, given what IndexedDB or a request threw. */
export function commitFailure(runId: string, cause: unknown): Error {
  if (cause instanceof HistoryConflictError) return cause;
  return (cause as IdbError | null)?.name === 'QuotaExceededError' ? new StorageQuotaError(runId, cause) : new StoreCommitError(runId, cause);
}

function messageOf(cause: unknown): string {
  if (cause === null || cause === undefined) return 'the transaction was aborted';
  const { name, message } = cause as IdbError;
  return typeof message === 'string' && message !== '' ? `${name}: ${message.replace(/\.$/, '')}` : String(name ?? cause);
}
