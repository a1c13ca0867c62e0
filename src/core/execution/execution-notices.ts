// What activity workers and other executions tell an execution about its runs: an attempt's heartbeat or outcome
// (asynchronous completion), and a child's start or close. Each names its run; a run that is gone or closed answers
// as the wire contract says (docs/api.md), and a notice for a closed parent is acknowledged and dropped.
import { ApplicationFailure } from '../failure';
import type { Outcome } from '../history';
import type { WorkflowRun } from '../run';
import type { ExecutionRuns } from './execution-runs';
import type { AttemptRef, ChildClosedNotice, ChildStartedNotice } from './requests';

export async function heartbeatAttempt(runs: ExecutionRuns, ref: AttemptRef, details: unknown): Promise<{ cancelRequested: boolean }> {
  const run = await runOfToken(runs, ref);
  const answer = run.isClosed ? undefined : run.heartbeat(ref.activityId, ref.attempt, details);
  if (!answer) throw activityNotRunning(ref);
  return answer;
}

/** `outcome.logs`: the lines the activity server sent with it (kept for the run, as with a reply's). */
export async function completeAttempt(runs: ExecutionRuns, ref: AttemptRef, outcome: Outcome & { logs?: unknown }): Promise<void> {
  const run = await runOfToken(runs, ref);
  const activity = run.isClosed ? undefined : run.state.activities[ref.activityId];
  if (!activity || activity.attempt !== ref.attempt || activity.phase !== 'running') throw activityNotRunning(ref);
  run.settleAttempt(ref.activityId, ref.attempt, outcome);
  await run.idle();
}

export async function noteChildStarted(runs: ExecutionRuns, notice: ChildStartedNotice): Promise<void> {
  const run = await runs.find(notice.parentRunId);
  if (!run) refuseIfUnopened(runs, notice.parentRunId);
  if (!run || run.isClosed) return;
  run.deliver({ type: 'ChildWorkflowStarted', seq: notice.seq, workflowId: notice.workflowId, runId: notice.runId });
  await run.idle();
}

export async function noteChildClosed(runs: ExecutionRuns, notice: ChildClosedNotice): Promise<void> {
  const run = await runs.find(notice.parentRunId);
  if (!run) refuseIfUnopened(runs, notice.parentRunId);
  if (!run || run.isClosed) return;
  // The close overtook the answer to the start (both were on their way): the start is recorded first, as it happened.
  if (run.state.children[notice.seq]?.phase === 'starting') run.deliver({ type: 'ChildWorkflowStarted', seq: notice.seq, workflowId: notice.workflowId, runId: notice.firstRunId ?? notice.runId });
  run.deliver({ type: 'ChildWorkflowClosed', seq: notice.seq, workflowId: notice.workflowId, runId: notice.runId, status: notice.status, outcome: notice.outcome });
  await run.idle();
}

async function runOfToken(runs: ExecutionRuns, ref: AttemptRef): Promise<WorkflowRun> {
  const run = await runs.find(ref.runId);
  if (!run) throw runs.unopenedError(ref.runId) ?? ApplicationFailure.nonRetryable(`Run ${ref.runId} no longer exists`, 'UnknownTaskToken');
  return run;
}

/** A notice for a parent whose rows do not open is refused, not dropped: its sender tries again (the key may come back). */
function refuseIfUnopened(runs: ExecutionRuns, parentRunId: string): void {
  const unopened = runs.unopenedError(parentRunId);
  if (unopened) throw unopened;
}

function activityNotRunning(ref: AttemptRef): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`Attempt ${ref.attempt} of activity ${ref.activityId} is not running`, 'ActivityNotRunning');
}
