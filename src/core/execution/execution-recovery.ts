// What an execution does when it opens from its store (a new Durable Object instance, a tab that takes a workflow
// over): load what must keep going, and clean up after the instance that went away.
import { ApplicationFailure, toFailureInfo } from '../failure';
import type { WorkflowRun } from '../run';
import { blockedOnOtherCode, owesMessages } from '../run-state';
import type { ExecutionHost } from './execution-host';
import type { ExecutionRuns } from './execution-runs';

/**
 * Loads the open runs and the closed ones that still owe other executions a message, fails the attempts that died
 * with the previous instance (retryable), runs again the local attempts that died with it, and resumes runs blocked
 * on code that has since been replaced. Returns the
 * latest run, whose close may still owe the start of the next run.
 */
export async function recoverRuns(runs: ExecutionRuns, host: ExecutionHost): Promise<WorkflowRun | undefined> {
  for (const stored of await host.store.listRuns()) {
    runs.register(stored);
    if (stored.status === 'running') {
      await runs.load(stored.runId, stored.chainIndex);
      continue;
    }
    const closed = await runs.readState(stored.runId);
    if (closed && owesMessages(closed)) await runs.load(stored.runId, stored.chainIndex, closed);
  }
  for (const run of [...runs.loaded()]) {
    try {
      // Attempts whose call died with the previous instance are failed at once (an attempt completing later,
      // accepted with 202, is still out there and reports by itself).
      for (const activity of Object.values(run.state.activities)) {
        if (activity.phase !== 'running' || activity.completesLater || host.attemptInFlight?.(run.runId, activity.activityId, activity.attempt)) continue;
        const failure = host.lostAttemptFailure?.(run, activity) ?? toFailureInfo(ApplicationFailure.retryable('The attempt was lost when the workflow restarted', 'ActivityLostOnRestart'));
        run.activityFailed(activity.activityId, activity.attempt, failure);
      }
      if (blockedOnOtherCode(run.state, host.codeVersion())) run.unblock();
      run.resumeLocalAttempts(); // local attempts that died with the previous instance run again
    } catch (error) {
      // A stored state that loaded but does not hold together: never an exception that takes the execution down.
      runs.markUnloadable(run.runId, `corrupt: its stored state does not hold together: ${error instanceof Error ? error.message : String(error)}`, error);
    }
  }
  return runs.find(undefined);
}
