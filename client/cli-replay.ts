// `duro replay`: recorded histories against the local workflow code, from a file or from a deployment's recent runs.
// The gate before `wrangler deploy`: a run that no longer replays would be blocked by the new code.
import { NonDeterminismError } from '../src/core/nondeterminism';
import type { HistoryEvent } from '../src/core/history';
import { replayHistory } from '../src/testing/replay';
import type { DuroClient } from './duro-client';
import type { ListFilter } from './visibility';

export interface ReplayOutcome {
  workflowId: string;
  runId: string;
  ok: boolean;
  /** The history diverged from the code (as opposed to another error, such as an unknown workflow type). */
  nonDeterministic?: boolean;
  error?: string;
}

/** Replays one history; never throws, the outcome says what went wrong. */
export async function replayOne(workflows: Record<string, unknown>, history: HistoryEvent[] | { events: HistoryEvent[] }): Promise<Omit<ReplayOutcome, 'workflowId' | 'runId'>> {
  try {
    await replayHistory(workflows, history);
    return { ok: true };
  } catch (error) {
    return { ok: false, nonDeterministic: error instanceof NonDeterminismError, error: (error as Error).message };
  }
}

/**
 * Downloads the histories of the newest `limit` runs the filter matches (newest first, as the list returns
 * them) and replays each against `workflows`.
 */
export async function replayRecentRuns(client: DuroClient, workflows: Record<string, unknown>, filter: ListFilter, limit: number): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  for await (const execution of client.list(filter, { pageSize: Math.min(limit, 1_000) })) {
    const history = await client.getHandle(execution.workflowId, execution.runId).fetchHistory();
    outcomes.push({ workflowId: execution.workflowId, runId: execution.runId, ...(await replayOne(workflows, history)) });
    if (outcomes.length >= limit) break;
  }
  return outcomes;
}

/** One line per history: `ok`, `NON-DETERMINISTIC` or `ERROR`, which history (`label`), and the error's message. */
export function formatReplayOutcome(outcome: Pick<ReplayOutcome, 'ok' | 'nonDeterministic' | 'error'>, label: string): string {
  if (outcome.ok) return `ok                 ${label}`;
  return `${(outcome.nonDeterministic ? 'NON-DETERMINISTIC' : 'ERROR').padEnd(17)}  ${label}: ${outcome.error}`;
}
