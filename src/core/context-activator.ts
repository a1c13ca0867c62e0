// What a WorkflowContext asks of the activator behind it: the reads and commands each `ctx` method turns into
// (Restate's internal interface beside `context.ts`). The Activator implements it; workflow-context.ts needs
// nothing else of it, so the two do not import each other.
import type { RunPayloads } from './payloads/run-payloads';
import type { ActivityFunction } from './activity';
import type { CancellationScope } from './cancellation-scope';
import type { LocalActivityCommandOptions } from './commands';
import type { ChildCancellationType, UpdateHandlerOptions, WorkflowInfo } from './context';
import type { RecordedActivityOptions, RecordedChildOptions, SearchAttributes } from './history';
import type { KeepLogLine } from './log';
import type { Handler } from './message-handlers';
import type { RetryDelayFunction } from './retry-policy';

/** What `ctx.executeLocalActivity` adds to a local activity: its own function, and maybe its own retry schedule. */
export interface InlineLocalActivity {
  implementation: ActivityFunction;
  nextRetryDelay?: RetryDelayFunction | undefined;
  onAttemptDone?: ((attempt: number) => void) | undefined;
}

export interface ContextActivator {
  /** Activation time. */
  readonly now: number;
  info(): WorkflowInfo;
  /** Whether the activation replays recorded history (a log line is then not written again). */
  readonly isReplaying: boolean;
  /** The trace the run's spans belong to (its log lines carry it). */
  readonly traceId: string;
  /** Where the run keeps the lines its `ctx.log` writes. */
  readonly keepLog: KeepLogLine;
  /** How the run writes and reads payloads (decision 019). */
  readonly payloads: RunPayloads;
  /**
   * Whether the rules on ids, names and payload shapes that came with EngineFlag.PayloadShape apply to what this
   * activation issues: always live, and on replay only from where history recorded the flag, so an older run's
   * history replays as it ran.
   */
  checksInputRules(): boolean;
  random(): number;
  uuid(): string;
  sideEffect<T>(fn: () => T): Promise<T>;
  patched(patchId: string, deprecated: boolean): boolean;
  upsertSearchAttributes(attributes: SearchAttributes): void;
  upsertMemo(memo: Record<string, unknown>): void;
  scheduleActivity(scope: CancellationScope, activityType: string, input: unknown, options: RecordedActivityOptions): Promise<unknown>;
  executeLocalActivity(scope: CancellationScope, activityType: string, input: unknown, options: LocalActivityCommandOptions, inline?: InlineLocalActivity): Promise<unknown>;
  startTimer(scope: CancellationScope, durationMs: number): Promise<void>;
  condition(scope: CancellationScope, fn: () => boolean): Promise<void>;
  startChild(
    scope: CancellationScope,
    workflowType: string,
    input: unknown,
    childOptions: Omit<RecordedChildOptions, 'workflowId'> & { workflowId?: string },
    cancellationType: ChildCancellationType,
  ): { started: Promise<string>; result: Promise<unknown>; workflowId: string; seq: number };
  signalExternal(workflowId: string, runId: string | undefined, signalName: string, args: unknown[], childSeq?: number, scope?: CancellationScope): Promise<void>;
  cancelExternal(workflowId: string, runId: string | undefined): Promise<void>;
  setSignalHandler(name: string, handler: Handler | undefined): void;
  setQueryHandler(name: string, handler: Handler | undefined): void;
  setUpdateHandler(name: string, handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void;
  setDefaultSignalHandler(handler: Handler | undefined): void;
  setDefaultQueryHandler(handler: Handler | undefined): void;
  setDefaultUpdateHandler(handler: Handler | undefined, options?: UpdateHandlerOptions<unknown[]>): void;
  allHandlersFinished(): boolean;
}
