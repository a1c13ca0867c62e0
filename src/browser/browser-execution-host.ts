// The host of one workflow id's execution in a browser context that holds its Web Lock: the runs live in IndexedDB
// (one transaction per step, before any effect), activities run in-page or over fetch, and what the runs owe other
// workflows goes through the Messenger. A host for reading only serves a tab that does not drive the id.
import type { PayloadConverter } from '../core/payloads/envelope';
import type { SpanSink } from '../core/tracing/span';
import type { ActivityImplementations } from '../core/activity';
import type { WorkflowRegistry } from '../core/definitions';
import type { ExecutionHost, ExecutionStore } from '../core/execution/execution-host';
import { ApplicationFailure, toFailureInfo } from '../core/failure';
import { runLocalActivityAttempt, type RunEffect, type WorkflowRun } from '../core/internals';
import { realClock, type ActivityAttempts } from './activity-attempts';
import type { IndexedDbRunStore } from './indexeddb-store';

/** What the hosts of one browser context share. */
export interface BrowserHostContext {
  store: IndexedDbRunStore;
  registry: WorkflowRegistry;
  activities: ActivityImplementations;
  attempts: ActivityAttempts;
  codeVersion: string | undefined;
  payloadConverter: PayloadConverter;
  /** Takes finished spans, when the BrowserDuro exports them. */
  spans?: SpanSink | undefined;
  /** Set with a blob store (the claim check): larger payloads, and offloaded events counted as their reference. */
  blobs?: ExecutionHost['blobs'] | undefined;
  /** True once the BrowserDuro was closed: nothing is committed, dispatched or sent after that. */
  isClosed(): boolean;
  /** The run `runId` of `workflowId` as driven here now (an execution reopened after a failed commit has new run objects). */
  runOf(workflowId: string, runId: string): WorkflowRun | undefined;
  /** A commit of `workflowId` failed: its runs in memory are ahead of storage, and are reloaded from it. */
  commitFailed(workflowId: string, error: unknown): void;
  /** A commit succeeded: deadlines may have changed. */
  committed(): void;
  /** Sends what `run` owes other workflows (the Messenger), once its commit is written. */
  sendOwed(run: WorkflowRun): void;
  /** A run closed: lets the workflow's lock go once nothing of it is open or owed here. */
  closed(run: WorkflowRun): void;
  onError(error: unknown): void;
}

/** The store of one workflow id, over the database. */
function storeOf(context: BrowserHostContext, workflowId: string, commit: ExecutionStore['commit']): ExecutionStore {
  const { store } = context;
  return {
    listRuns: async () => (await store.runsOf(workflowId)).sort((a, b) => a.chainIndex - b.chainIndex).map(({ runId, chainIndex, status }) => ({ runId, chainIndex, status })),
    loadState: (runId) => store.loadState(runId),
    summaryOf: async (runId) => {
      const summary = (await store.runsOf(workflowId)).find((run) => run.runId === runId);
      const state = summary && (await store.loadState(runId).catch(() => undefined));
      return summary && { workflowType: summary.workflowType, status: summary.status, startTime: state?.startTime ?? 0, historyLength: (await store.readHistory(runId)).length };
    },
    readHistory: async (runId, afterEventId, limit) => {
      // One event (a run's start, read on every load): not the whole history.
      if (limit === 1) {
        const event = await store.readEvent(runId, afterEventId + 1);
        return event ? [event] : [];
      }
      const events = await store.readHistory(runId, afterEventId);
      return limit === undefined ? events : events.slice(0, limit);
    },
    readLogs: (runId, afterSeq, limit) => store.readLogs(runId, afterSeq, limit),
    commit,
    deleteRun: (runId) => store.deleteRun(runId),
  };
}

/** The host of an execution this context drives (it holds the id's Web Lock). */
export function drivingHost(context: BrowserHostContext, workflowId: string): ExecutionHost {
  const { store, registry, activities, attempts } = context;
  return {
    workflowId,
    definitionOf: (workflowType) => registry.get(workflowType),
    codeVersion: () => context.codeVersion,
    payloadConverter: context.payloadConverter,
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
    store: storeOf(context, workflowId, async (runId, _chainIndex, commit) => {
      if (context.isClosed()) throw new Error(`Run ${runId} cannot commit: this BrowserDuro was closed`);
      try {
        await store.commit(runId, commit);
      } catch (error) {
        // The runs in memory are now ahead of storage: going on would leave a gap in history. They are dropped and
        // loaded again from what was committed (browser-duro.test.ts, 'surfaces a failed commit …').
        context.commitFailed(workflowId, error);
        throw error;
      }
      context.committed();
    }),
    runLocalActivity: (command, ref, keepLog) => runLocalActivityAttempt(activities, realClock, command, ref, () => undefined, keepLog),
    effects: (run, effects) => carryOut(context, run, effects),
    ...(context.spans && { spans: context.spans }),
    ...(context.blobs && { blobs: context.blobs }),
    setTimer: (ms, fire) => {
      const timer = setTimeout(fire, ms);
      return () => clearTimeout(timer);
    },
    report: (message, error) => context.onError(error ?? new Error(message)),
    attemptInFlight: (runId, activityId, attempt) => attempts.isInFlight(runId, activityId, attempt),
    lostAttemptFailure: () => toFailureInfo(ApplicationFailure.retryable('The attempt was lost when the page reloaded', 'ActivityLostOnReload')),
  };
}

/** The host of an execution another context drives: reads from the database, and refuses every write. */
export function readingHost(context: BrowserHostContext, workflowId: string, refusal: () => Error): ExecutionHost {
  return {
    ...drivingHost(context, workflowId),
    store: { ...storeOf(context, workflowId, () => Promise.reject(refusal())), deleteRun: () => Promise.reject(refusal()) },
    effects: () => undefined,
  };
}

function carryOut(context: BrowserHostContext, run: WorkflowRun, effects: RunEffect[]): void {
  if (context.isClosed()) return;
  let sends = false;
  for (const effect of effects) {
    switch (effect.type) {
      case 'dispatchActivity': {
        const { task } = effect;
        // Looked up when used: a run reloaded after a failed commit takes the outcome of an attempt it still counts as running.
        const runOf = () => (context.isClosed() ? undefined : context.runOf(run.workflowId, task.runId));
        context.attempts.dispatch(task, {
          heartbeat: (details) => runOf()?.heartbeat(task.activityId, task.attempt, details),
          keepLog: (text) => runOf()?.keepLog(text),
          report: (outcome) => {
            const current = runOf();
            if (!current || current.isClosed) return;
            current.settleAttempt(task.activityId, task.attempt, outcome);
          },
        });
        break;
      }
      case 'cancelActivity':
        context.attempts.abort(run.runId, effect.activityId, effect.attempt);
        break;
      case 'startChild':
      case 'external':
        sends = true;
        break;
      case 'closed':
        sends = true; // its parent's notice, its children's close policies
        break;
    }
  }
  // Committed before this is called: what a reload interrupts now, resumeAll() sends again.
  if (sends) context.sendOwed(run);
  if (effects.some((effect) => effect.type === 'closed')) context.closed(run);
}
