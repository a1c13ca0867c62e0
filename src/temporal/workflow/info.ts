// Temporal's `workflowInfo()` and `log`, from the current workflow's context.
import { currentContext } from './current';

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
  readonly parent?: { workflowId: string; runId: string; namespace: string };
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
  readonly unsafe: { readonly isReplaying: boolean; now(): number };
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
    unsafe: { isReplaying: info.isReplaying, now: () => ctx.now() },
  };
}

type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/**
 * Temporal's workflow `log`: a line on the console with the run's identity, written once (not again while the run
 * replays its history). Outside workflow code it logs as it is.
 */
export const log: Record<LogLevel, (message: string, attributes?: Record<string, unknown>) => void> = {
  trace: (message, attributes) => write('debug', message, attributes),
  debug: (message, attributes) => write('debug', message, attributes),
  info: (message, attributes) => write('info', message, attributes),
  warn: (message, attributes) => write('warn', message, attributes),
  error: (message, attributes) => write('error', message, attributes),
};

function write(level: 'debug' | 'info' | 'warn' | 'error', message: string, attributes: Record<string, unknown> = {}): void {
  let info;
  try {
    info = currentContext('log').info();
  } catch {
    console[level](message, attributes);
    return;
  }
  if (info.isReplaying) return;
  console[level](message, { ...attributes, workflowId: info.workflowId, runId: info.runId, workflowType: info.workflowType });
}
