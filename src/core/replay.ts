// Rebuilding a workflow from its history: every recorded activation is re-run and checked.
import { applyInput, replayActivation, splitActivation } from './activation';
import type { Activator } from './activator';
import { isCloseEvent, isCommandEvent, type EndsActivation, type HistoryEvent } from './history';
import { payloadSize } from './payload';

/**
 * Replays a run's history into a fresh activator: every complete activation is re-run and checked.
 * Returns the recorded inputs after the last completed activation, which still need a live activation.
 */
export async function replayInto(activator: Activator, history: HistoryEvent[]): Promise<HistoryEvent[]> {
  let segment: HistoryEvent[] = [];
  let sizeBytes = 0;
  let sizeBeforeCommands: number | undefined;
  for (const event of history) {
    segment.push(event);
    if (sizeBeforeCommands === undefined && isCommandEvent(event)) sizeBeforeCommands = sizeBytes;
    sizeBytes += payloadSize(event);
    if (event.type !== 'WorkflowTaskCompleted' && !isCloseEvent(event)) continue;
    const { inputs, recorded } = splitActivation(segment);
    if (event.type === 'WorkflowExecutionTerminated' || event.type === 'WorkflowExecutionTimedOut') {
      // Closed from outside: no activation ran for these inputs.
      for (const input of inputs) applyInput(activator, input);
      segment = [];
      sizeBeforeCommands = undefined;
      continue;
    }
    // The same history facts the live activation saw: everything recorded before its first command.
    activator.now = event.timestamp;
    activator.historyLength = (recorded[0]?.eventId ?? event.eventId) - 1;
    activator.historySizeBytes = sizeBeforeCommands ?? sizeBytes - payloadSize(event);
    activator.flags.recorded((event as EndsActivation).flags); // on from the activation that first relied on them
    await replayActivation(activator, inputs, recorded, event.eventId);
    segment = [];
    sizeBeforeCommands = undefined;
  }
  activator.isReplaying = false;
  return segment.filter((event) => event.type !== 'WorkflowTaskFailed');
}
