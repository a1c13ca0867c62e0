// What a TestWorkflowHandle asks of the TestWorkflowEnvironment that made it: kept apart so the handle and the
// environment, which creates handles, do not import each other.
import type { Execution } from '../core/execution/execution';
import type { HistoryEvent } from '../core/history';
import type { RunPayloads } from '../core/payloads/run-payloads';

/** Implemented by TestWorkflowEnvironment. */
export interface HandleEnvironment {
  /** With `workflowId`: throws WorkflowBlockedError once that workflow's run is blocked with no retry to come. */
  skipTimeUntil<T>(promise: Promise<T>, workflowId?: string): Promise<T>;
  /** Awaits without moving time; throws WorkflowBlockedError once `workflowId`'s run is blocked and nothing else can happen. */
  flowUntil<T>(promise: Promise<T>, workflowId: string): Promise<T>;
  existingExecution(workflowId: string): Execution;
  reset(workflowId: string, eventId: number, reason?: string, runId?: string): Promise<string>;
  readHistory(workflowId: string, runId?: string): Promise<HistoryEvent[]>;
  /** How handles write what they send and read what they are answered (the environment's converter). */
  readonly payloads: RunPayloads;
}
