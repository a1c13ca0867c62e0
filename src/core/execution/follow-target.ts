// Which run a request reaches: the run it names, the latest, or where the named run's chain is now.
import type { WorkflowRun } from '../run';
import { outcomeOfCloseEvent } from '../run-state';
import type { ExecutionRuns } from './execution-runs';
import type { RunTarget } from './requests';

/** Where `target` points now: its run, the latest (no run id), or with `followRuns` the run its chain handed over to. */
export async function followTarget(runs: ExecutionRuns, target: RunTarget): Promise<WorkflowRun | undefined> {
  if (target.runId === undefined) return runs.find(undefined);
  let run = await runs.find(target.runId);
  if (!target.followRuns) return run;
  for (let hops = 0; run?.isClosed && hops < 10_000; hops++) {
    const next = outcomeOfCloseEvent(run.state.closeEvent!)?.newRunId;
    const found = next === undefined ? undefined : await runs.find(next);
    if (!found) break;
    run = found;
  }
  return run;
}
