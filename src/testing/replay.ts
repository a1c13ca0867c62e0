// Replaying recorded histories against current code: the check a deploy must pass.
import { workflowRegistryOf } from '../cloudflare/workers-entrypoint';
import { Activator } from '../core/activator';
import type { WorkflowDefinition } from '../core/definitions';
import type { HistoryEvent } from '../core/history';
import { replayInto } from '../core/internals';

/**
 * Replays an exported history with the given workflows; throws `NonDeterminismError` (with the diff)
 * when the code no longer issues what the history recorded.
 * @example await replayHistory(workflows, JSON.parse(readFileSync('test/fixtures/histories/order.json', 'utf8')));
 */
export async function replayHistory(workflows: Record<string, unknown> | WorkflowDefinition[], history: HistoryEvent[] | { events: HistoryEvent[] }): Promise<void> {
  const events = Array.isArray(history) ? history : history.events;
  const first = events[0];
  if (!first || first.type !== 'WorkflowExecutionStarted') throw new TypeError('A history must begin with WorkflowExecutionStarted');
  const definition = workflowRegistryOf(workflows).get(first.workflowType);
  if (!definition) throw new TypeError(`Workflow type '${first.workflowType}' is not among the workflows given`);
  await replayInto(new Activator(definition, first), structuredClone(events));
}
