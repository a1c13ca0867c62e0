// Temporal's `workflowInfo()` and `log`, from the current workflow's context.
import { realGlobals } from '../../core/determinism-guards';
import { loggerOf, logLevelOf, type Logger } from '../logger';
import { currentContext, inWorkflowContext } from './current';

/** Temporal's `WorkflowInfo`, with what a Duro run knows (docs/temporal.md lists what is missing). */
export interface WorkflowInfo {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  /** Duro has no workflow task queues; always `'default'`. */
  readonly taskQueue: string;
  readonly namespace: string;
  readonly attempt: number;
  readonly firstExecutionRunId: string;
  readonly continuedFromExecutionRunId?: string;
  readonly parent?: ParentWorkflowInfo;
  readonly memo?: Record<string, unknown>;
  readonly searchAttributes: Record<string, unknown>;
  readonly historyLength: number;
  readonly historySize: number;
  readonly continueAsNewSuggested: boolean;
  /** When this run started (Temporal: of the first run; Duro reports this run's). */
  readonly startTime: Date;
  readonly runStartTime: Date;
  readonly executionTimeoutMs?: number;
  readonly runTimeoutMs?: number;
  readonly unsafe: UnsafeWorkflowInfo;
}

/** The workflow that started this one as its child. */
export interface ParentWorkflowInfo {
  workflowId: string;
  runId: string;
  namespace: string;
}

/** What workflow code may read but must not branch on for its commands. */
export interface UnsafeWorkflowInfo {
  readonly isReplaying: boolean;
  /** The wall clock (not workflow time), in ms since the epoch: for logs and metrics, never for decisions. */
  now(): number;
}

export function workflowInfo(): WorkflowInfo {
  const ctx = currentContext('workflowInfo()');
  const info = ctx.info();
  const startTime = new Date(info.runStartTime);
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    workflowType: info.workflowType,
    taskQueue: 'default',
    namespace: 'default',
    attempt: info.attempt,
    firstExecutionRunId: info.firstRunId,
    ...(info.continuedFromRunId !== undefined && { continuedFromExecutionRunId: info.continuedFromRunId }),
    ...(info.parent !== undefined && { parent: { workflowId: info.parent.workflowId, runId: info.parent.runId, namespace: 'default' } }),
    memo: info.memo,
    searchAttributes: info.searchAttributes,
    historyLength: info.historyLength,
    historySize: info.historySizeBytes,
    continueAsNewSuggested: info.continueAsNewSuggested,
    startTime,
    runStartTime: startTime,
    ...(info.executionTimeoutMs !== undefined && { executionTimeoutMs: info.executionTimeoutMs }),
    ...(info.runTimeoutMs !== undefined && { runTimeoutMs: info.runTimeoutMs }),
    // The wall clock, as in Temporal, where Date.now() in workflow code is workflow time.
    unsafe: { isReplaying: info.isReplaying, now: () => realGlobals().now() },
  };
}

/**
 * Temporal's workflow `log`: the run's `ctx.log` (a JSON line with the run's identity, written once: not again while
 * the run replays its history). Outside workflow code it logs as it is.
 */
export const log: Logger = loggerOf((level, message, attributes = {}) => {
  if (!inWorkflowContext()) return console[logLevelOf[level]](message, attributes);
  currentContext('log').log[logLevelOf[level]](message, attributes); // JSON lines, nothing while replaying
});
