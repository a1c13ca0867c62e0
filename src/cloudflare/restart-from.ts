// `instance.restart({ from })`: where in history a restart from a step goes back to. The step is found in the run's
// own progress (the `__cloudflare_steps` query: every step with the history length when it started), and the run is
// reset to the last activation that ended at or before that point; none means the step ran in the first activation,
// so the restart is from the start. A quick step recorded in the same activation as an earlier one runs again too.
import type { HistoryEvent } from '../core/history';
import { bindingError } from './binding-errors';
import type { InstanceProgress, StepKind } from './progress';

const KINDS: Record<string, StepKind> = { do: 'step', sleep: 'sleep', waitForEvent: 'waitForEvent' };
/** History read in pages this long while looking for the reset point. */
const PAGE = 1_000;

/** What the search reads of the instance's latest run. */
export interface RunReader {
  steps(): Promise<InstanceProgress>;
  events(afterEventId: number, limit: number): Promise<HistoryEvent[]>;
}

/** The eventId to reset to, or undefined to restart from the start; refuses a step the run never started. */
export async function restartPoint(from: { name: string; count?: number; type?: string }, run: RunReader): Promise<number | undefined> {
  const kind = KINDS[from.type ?? 'do'];
  const count = from.count ?? 1;
  if (typeof from?.name !== 'string' || kind === undefined || !Number.isInteger(count) || count < 1) throw bindingError('body', 'Provided restart step is invalid');
  const step = (await run.steps()).steps.find((candidate) => candidate.type === kind && candidate.name === from.name && candidate.count === count);
  if (step === undefined) throw bindingError('step.not_found', `The instance has no step ${from.type ?? 'do'} '${from.name}' (occurrence ${count})`);
  let point: number | undefined;
  for (let after = 0; ;) {
    const events = await run.events(after, PAGE);
    for (const event of events) {
      if (event.eventId > step.afterEvent) return point;
      if (event.type === 'WorkflowTaskCompleted') point = event.eventId;
    }
    if (events.length < PAGE) return point;
    after = events.at(-1)!.eventId;
  }
}
