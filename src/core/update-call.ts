// An update called on a run in this process (the test environment's handle, the browser host's handle): the
// run's answer turned into the caller's result or error, as DuroClient turns the API's.
import { WorkflowClosedError, WorkflowUpdateFailedError, WorkflowUpdateRejectedError } from './client-errors';
import type { UpdateOutcome, WorkflowRun } from './run';

/** Sends the update to `run`; a run that closed before taking it throws WorkflowClosedError (the caller may hand it over). */
export async function updateOnRun(run: WorkflowRun, name: string, args: unknown[], updateId?: string): Promise<UpdateOutcome> {
  const answer = await run.update(name, args, updateId === undefined ? {} : { updateId });
  if (answer.closedAs) throw new WorkflowClosedError(run.workflowId, answer.closedAs);
  return answer;
}

/** The update's result; throws WorkflowUpdateRejectedError (validator) or WorkflowUpdateFailedError (handler). */
export function updateResult<R>(name: string, reply: UpdateOutcome): R {
  if (reply.rejected) throw new WorkflowUpdateRejectedError(name, reply.rejected);
  const outcome = reply.outcome!;
  if ('failure' in outcome) throw new WorkflowUpdateFailedError(name, outcome.failure);
  return outcome.result as R;
}
