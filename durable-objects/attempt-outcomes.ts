// Attempt outcomes on their way into history. A commit that throws while carrying one (for its content: a row too
// big, an encoding error) is rolled back and the object reset; on reload the attempt would be 'lost' and sent again,
// for ever. So the failed commit leaves a note in a transaction of its own, and the reload fails that attempt for
// good (ActivityOutcomeNotStored) instead: history stays the truth, written by the engine as any failure is.
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../src/core/failure';
import type { ActivityTask, PendingActivityState, WorkflowRun } from '../src/core/internals';
import { ReplyFailureType } from '../src/protocol/activity-outcome';
import type { ReplyOutcome } from '../src/protocol/activity-reply';
import { attemptKey } from './activity-dispatcher';
import { ExecutionSchema } from './execution-schema';

/** Notes live in the meta table, one row per attempt: `outcome-not-stored:<runId>/<activityId>/<attempt>`. */
const NOTE_PREFIX = 'outcome-not-stored:';
const NOTE_PREFIX_END = 'outcome-not-stored;'; // the next key after every one with the prefix

export class AttemptOutcomes {
  readonly #storage: DurableObjectStorage;
  readonly #schema: ExecutionSchema;
  /** Outcomes handed to their run and not yet known to be committed (until the run's queue is idle again). */
  readonly #inFlight = new Set<string>();
  #notes: Map<string, string> | undefined;

  constructor(storage: DurableObjectStorage, schema = ExecutionSchema.open(storage).schema) {
    this.#storage = storage;
    this.#schema = schema;
  }

  /** Hands an attempt's outcome to its run, remembering it until the run has committed what it queued. */
  resolve(run: WorkflowRun, task: Pick<ActivityTask, 'runId' | 'activityId' | 'attempt'>, outcome: ReplyOutcome): void {
    const key = attemptKey(task.runId, task.activityId, task.attempt);
    this.#inFlight.add(key);
    run.settleAttempt(task.activityId, task.attempt, outcome);
    void run.idle().then(() => this.#inFlight.delete(key), () => undefined);
  }

  /**
   * A commit of `runId` threw and was rolled back: when it carried exactly one outcome, that outcome is noted for the
   * reload. With several, which one broke it cannot be told, and failing an innocent attempt for good is worse: they
   * are retried as lost, and arrive apart the next time.
   */
  noteFailedCommit(runId: string, error: unknown): void {
    const carried = [...this.#inFlight].filter((key) => key.startsWith(`${runId}/`));
    if (carried.length !== 1) return;
    const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    try {
      this.#storage.transactionSync(() => {
        this.#schema.ensure(); // the failed commit may have been the first, its tables rolled back with it
        this.#storage.sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', NOTE_PREFIX + carried[0], reason);
      });
    } catch (noteError) {
      this.#schema.reread();
      console.error('duro: could not note the attempt outcome that failed a commit', noteError);
    }
  }

  /** The object deleted its whole database: the notes went with it. */
  storageWiped(): void {
    this.#notes = new Map();
  }

  /** What a reload records for an attempt whose call died with the last instance: retryable, unless its outcome broke a commit. */
  lostAttemptFailure(runId: string, activity: Pick<PendingActivityState, 'activityId' | 'attempt'>): FailureInfo {
    const reason = this.#takeNotes().get(attemptKey(runId, activity.activityId, activity.attempt));
    if (reason === undefined) return toFailureInfo(ApplicationFailure.retryable('The attempt was lost when the workflow object restarted', 'ActivityLostOnRestart'));
    return toFailureInfo(ApplicationFailure.nonRetryable(
      `The outcome of attempt ${activity.attempt} could not be stored (${reason}); the attempt is failed for good rather than sent again`,
      ReplyFailureType.notStored,
    ));
  }

  /** Read once per instance, and removed: each note serves the one reload after its failed commit. */
  #takeNotes(): Map<string, string> {
    if (this.#notes) return this.#notes;
    if (!this.#schema.made) return (this.#notes = new Map());
    const rows = this.#storage.sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta WHERE key >= ? AND key < ?', NOTE_PREFIX, NOTE_PREFIX_END).toArray();
    this.#notes = new Map(rows.map((row) => [row.key.slice(NOTE_PREFIX.length), row.value]));
    if (rows.length > 0) this.#storage.sql.exec('DELETE FROM meta WHERE key >= ? AND key < ?', NOTE_PREFIX, NOTE_PREFIX_END);
    return this.#notes;
  }
}
