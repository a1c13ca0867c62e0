// The WorkflowContext implementation: a thin view of the activator bound to one cancellation scope.
import type { ActivityContext, ActivityProxies } from './activity';
import type { LocalActivityCommandOptions } from './commands';
import { positionalArgumentsOption } from './activity-ambient';
import { CancellationScope } from './cancellation-scope';
import type { ContextActivator } from './context-activator';
import type { ActivityOptions, ChildWorkflowHandle, ChildWorkflowOptions, ContinueAsNewOptions, ExternalWorkflowHandle, InlineLocalActivityOptions, LocalActivityOptions, UpdateHandlerOptions, WorkflowContext } from './context';
import type { MessageDefinition, SignalDefinition, WorkflowDefinition } from './definitions';
import { optionalMs, toMs, type Duration } from './duration';
import { ActivityCancellationType, ParentClosePolicy, type RecordedActivityOptions, type RecordedChildOptions, type RecordedContinueAsNewOptions } from './history';
import { checkSearchAttributes } from './payload';
import type { RunPayloads } from './payloads/run-payloads';
import { checkLookupName, checkName, NameKind } from './names';
import { resolveRetryPolicy } from './retry-policy';
import { definedFields as defined } from './objects';
import type { Handler } from './message-handlers';
import { ContinueAsNewRequest, DeterminismViolationError } from './workflow-errors';
import { createLog, type Log } from './log';

export function createWorkflowContext(activator: ContextActivator, scope: CancellationScope): WorkflowContext {
  const ctx: WorkflowContext = {
    cancellationScope: scope,
    info: () => activator.info(),
    log: workflowLog(activator),
    now: () => activator.now,
    random: () => activator.random(),
    uuid: () => activator.uuid(),
    sideEffect: (fn) => activator.sideEffect(fn),
    patched: (patchId) => activator.patched(patchId, false),
    deprecatePatch: (patchId) => void activator.patched(patchId, true),
    upsertSearchAttributes: (attributes) => activator.upsertSearchAttributes(attributes),
    upsertMemo: (memo) => activator.upsertMemo(memo),

    proxyActivities<A>(options: ActivityOptions): ActivityProxies<A> {
      const recorded = recordActivityOptions(options);
      return proxy((activityType) => (input?: unknown) => awaitableLater(activator.scheduleActivity(scope, activityType, input, recorded)));
    },

    proxyLocalActivities<A>(options: LocalActivityOptions): ActivityProxies<A> {
      const recorded = localActivityOptions(options, 'proxyLocalActivities');
      return proxy((activityType) => (input?: unknown) => awaitableLater(activator.executeLocalActivity(scope, activityType, input, recorded)));
    },

    executeLocalActivity<T>(activityType: string, fn: (ctx: ActivityContext) => T | Promise<T>, options: InlineLocalActivityOptions): Promise<T> {
      if (typeof fn !== 'function') throw new TypeError(`executeLocalActivity('${activityType}'): the activity is a function`);
      const recorded = localActivityOptions(options, 'executeLocalActivity');
      const inline = { implementation: (_input: unknown, ctx: ActivityContext) => fn(ctx), nextRetryDelay: options.nextRetryDelay, onAttemptDone: options.onAttemptDone };
      return awaitableLater(activator.executeLocalActivity(scope, activityType, undefined, recorded, inline) as Promise<T>);
    },

    sleep: (duration: Duration) => awaitableLater(activator.startTimer(scope, toMs(duration, 'ctx.sleep'))),

    condition: ((fn: () => boolean, timeout?: Duration): Promise<void> | Promise<boolean> => {
      if (timeout === undefined) return awaitableLater(activator.condition(scope, fn));
      const timeoutMs = toMs(timeout, 'condition timeout');
      // Already true: no timer to start and cancel (Temporal's SDK drops such a pair before it reaches history).
      if (!scope.consideredCancelled && fn()) return Promise.resolve(true);
      return awaitableLater(CancellationScope.cancellable(ctx, async (inner) => {
        const met = activator.condition(inner.cancellationScope, fn).then(() => true);
        const expired = inner.sleep(timeoutMs).then(() => false);
        met.catch(() => undefined);
        expired.catch(() => undefined);
        try {
          return await Promise.race([met, expired]);
        } finally {
          inner.cancellationScope.cancel(); // stop the loser: the timer or the waiting condition
        }
      }));
    }) as WorkflowContext['condition'],

    setHandler(definition: MessageDefinition, handler: ((...args: never[]) => unknown) | undefined, options?: UpdateHandlerOptions<unknown[]>): void {
      const fn = handler as ((...args: unknown[]) => unknown) | undefined;
      switch (definition.kind) {
        case 'signal': return activator.setSignalHandler(definition.name, fn);
        case 'query': return activator.setQueryHandler(definition.name, fn);
        case 'update': return activator.setUpdateHandler(definition.name, fn, options);
      }
    },

    setDefaultSignalHandler: (handler) => activator.setDefaultSignalHandler(handler as Handler | undefined),
    setDefaultQueryHandler: (handler) => activator.setDefaultQueryHandler(handler as Handler | undefined),
    setDefaultUpdateHandler: (handler, options) => activator.setDefaultUpdateHandler(handler as Handler | undefined, options as UpdateHandlerOptions<unknown[]> | undefined),
    allHandlersFinished: () => activator.allHandlersFinished(),

    startChild(workflow: WorkflowDefinition | string, options: ChildWorkflowOptions = {}): Promise<ChildWorkflowHandle<any>> {
      const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
      let child: ReturnType<ContextActivator['startChild']>;
      try {
        if (activator.checksInputRules()) {
          checkName(workflowType, NameKind.workflowType);
          if (options.workflowId !== undefined) checkName(options.workflowId, NameKind.workflowId);
          for (const key of Object.keys(options.searchAttributes ?? {})) checkName(key, NameKind.searchAttributeKey);
        }
        const recorded: Omit<RecordedChildOptions, 'workflowId'> & { workflowId?: string } = {
          parentClosePolicy: options.parentClosePolicy ?? ParentClosePolicy.terminate,
          ...defined({
            workflowId: options.workflowId,
            executionTimeoutMs: optionalMs(options.executionTimeout, 'executionTimeout'),
            runTimeoutMs: optionalMs(options.runTimeout, 'runTimeout'),
            memo: options.memo,
            searchAttributes: options.searchAttributes,
            retryPolicy: options.retry && resolveRetryPolicy(options.retry),
          }),
        };
        child = activator.startChild(scope, workflowType, options.input, recorded, options.cancellationType ?? 'REQUEST_CANCEL');
      } catch (error) {
        // A query or validator calling this must fail at once, not return a rejected promise it ignores.
        if (error instanceof DeterminismViolationError) throw error;
        return Promise.reject(error);
      }
      return awaitableLater(child.started.then((runId) => ({
        workflowId: child.workflowId,
        firstExecutionRunId: runId,
        result: () => child.result,
        signal: (signal: SignalDefinition<any> | string, ...args: unknown[]) => namesChecked(
          () => activator.checksInputRules() && checkName(signalNameOf(signal), NameKind.signalName),
          () => activator.signalExternal(child.workflowId, undefined, signalNameOf(signal), args, child.seq, scope),
        ),
      })));
    },

    executeChild(workflow: WorkflowDefinition | string, options?: ChildWorkflowOptions): Promise<any> {
      return awaitableLater(ctx.startChild(workflow, options).then((handle) => handle.result()));
    },

    getExternalWorkflowHandle(workflowId: string, runId?: string): ExternalWorkflowHandle {
      // The workflow may exist from before the rule on new ids: only what no id could be is refused (core/names.ts).
      const checkTarget = () => {
        if (!activator.checksInputRules()) return;
        checkLookupName(workflowId, NameKind.workflowId);
        if (runId !== undefined) checkLookupName(runId, NameKind.runId);
      };
      const handle: ExternalWorkflowHandle = {
        workflowId,
        signal: (signal: SignalDefinition<any> | string, ...args: unknown[]) => namesChecked(
          () => (checkTarget(), activator.checksInputRules() && checkName(signalNameOf(signal), NameKind.signalName)),
          () => activator.signalExternal(workflowId, runId, signalNameOf(signal), args, undefined, scope),
        ),
        cancel: () => namesChecked(checkTarget, () => activator.cancelExternal(workflowId, runId)),
      };
      if (runId !== undefined) return { ...handle, runId };
      return handle;
    },

    continueAsNew(input?: unknown, options?: ContinueAsNewOptions): Promise<never> {
      try {
        const { payloads } = activator;
        const stored = payloads.write(input, 'Input of continue-as-new', { shape: activator.checksInputRules() });
        return Promise.reject(new ContinueAsNewRequest(stored, options && recordContinueAsNewOptions(options, payloads)));
      } catch (error) {
        return Promise.reject(error); // a bad option fails the call, not the engine
      }
    },
  };
  return ctx;
}

const signalNameOf = (signal: SignalDefinition<any> | string): string => (typeof signal === 'string' ? signal : signal.name);

/** Runs `send` once `check` passes; a bad id or name is the rejected promise workflow code awaits, never an engine error. */
function namesChecked(check: () => void, send: () => Promise<void>): Promise<void> {
  try {
    check();
  } catch (error) {
    return awaitableLater(Promise.reject(error));
  }
  return awaitableLater(send());
}

/** A local activity's recorded options; at least one of its two timeouts is required. */
function localActivityOptions(options: LocalActivityOptions, where: string): LocalActivityCommandOptions {
  const startToCloseTimeoutMs = optionalMs(options.startToCloseTimeout, 'startToCloseTimeout');
  const scheduleToCloseTimeoutMs = optionalMs(options.scheduleToCloseTimeout, 'scheduleToCloseTimeout');
  if (startToCloseTimeoutMs === undefined && scheduleToCloseTimeoutMs === undefined) {
    throw new TypeError(`${where}: set startToCloseTimeout or scheduleToCloseTimeout`);
  }
  return { retry: resolveRetryPolicy(options.retry), ...defined({ startToCloseTimeoutMs, scheduleToCloseTimeoutMs, arguments: argumentsOf(options) }) };
}

/**
 * A promise Duro hands workflow code may reject before the code awaits it (an activity fails while the code awaits
 * another): that is not an unhandled rejection, which would fail the workflow task (determinism-guards.ts). The
 * rejection still reaches whoever awaits it later.
 */
function awaitableLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

function recordActivityOptions(options: ActivityOptions): RecordedActivityOptions {
  const startToCloseTimeoutMs = optionalMs(options.startToCloseTimeout, 'startToCloseTimeout');
  const scheduleToCloseTimeoutMs = optionalMs(options.scheduleToCloseTimeout, 'scheduleToCloseTimeout');
  if (startToCloseTimeoutMs === undefined && scheduleToCloseTimeoutMs === undefined) {
    throw new TypeError('proxyActivities: set startToCloseTimeout or scheduleToCloseTimeout (at least one is required)');
  }
  return {
    taskQueue: options.taskQueue ?? 'default',
    retry: resolveRetryPolicy(options.retry),
    cancellationType: options.cancellationType ?? ActivityCancellationType.tryCancel,
    ...defined({ startToCloseTimeoutMs, scheduleToCloseTimeoutMs, heartbeatTimeoutMs: optionalMs(options.heartbeatTimeout, 'heartbeatTimeout'), arguments: argumentsOf(options) }),
  };
}

/** Recorded only when set, so every other activity's options (and old histories) stay as they were. */
function argumentsOf(options: ActivityOptions | LocalActivityOptions): 'positional' | undefined {
  return (options as { [positionalArgumentsOption]?: boolean })[positionalArgumentsOption] === true ? 'positional' : undefined;
}

/** The options continue-as-new records, checked as a start's are; those Duro has no use for are checked and dropped. */
function recordContinueAsNewOptions(options: ContinueAsNewOptions, payloads: RunPayloads): RecordedContinueAsNewOptions | undefined {
  const workflowType = options.workflowType === undefined ? undefined : typeof options.workflowType === 'string' ? options.workflowType : options.workflowType.name;
  if (workflowType !== undefined) checkName(workflowType, NameKind.workflowType);
  optionalMs(options.workflowTaskTimeout, 'workflowTaskTimeout');
  const memo = options.memo && payloads.writeRecord(options.memo, 'Memo of continue-as-new');
  if (memo !== undefined) payloads.checkRecord(memo, 'Memo of continue-as-new');
  if (options.searchAttributes !== undefined) {
    for (const key of Object.keys(options.searchAttributes)) checkName(key, NameKind.searchAttributeKey);
    checkSearchAttributes(options.searchAttributes);
  }
  const recorded = defined({
    workflowType,
    runTimeoutMs: optionalMs(options.workflowRunTimeout, 'workflowRunTimeout'),
    memo,
    searchAttributes: options.searchAttributes,
    backoffMs: optionalMs(options.backoffStartInterval, 'backoffStartInterval'),
  });
  return Object.keys(recorded).length > 0 ? recorded : undefined;
}

/** Typed stubs: any property read returns a function for the activity of that name. */
function proxy<A>(make: (activityType: string) => (input?: unknown) => Promise<unknown>): ActivityProxies<A> {
  return new Proxy({} as ActivityProxies<A>, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      return make(name);
    },
  });
}

/** The run's log: its identity on every line, nothing while it replays. */
function workflowLog(activator: ContextActivator): Log {
  // Who wrote a line does not change during a run: read once, at the first line, not per line (info() copies the memo).
  let identity: Record<string, unknown> | undefined;
  const identityOf = () => {
    const { workflowId, runId, workflowType, attempt } = activator.info();
    return { workflowId, runId, workflowType, attempt, traceId: activator.traceId };
  };
  return createLog(() => (identity ??= identityOf()), () => activator.isReplaying, activator.keepLog);
}
