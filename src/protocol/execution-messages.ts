// What an execution sends to other executions: child starts, signals and cancels to other workflows, the parent's
// notice of a child's close, and parent-close policies. Each is pending state until acknowledged (the outbox,
// DESIGN §4); these functions send it once over whatever transport the host gives (RPC between Durable Objects,
// calls in one process), and the host calls them again until the receiver acknowledges (receivers dedupe).
import { childTrace } from '../core/tracing/trace-context';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../core/failure';
import { outcomeOfCloseEvent, type PendingChildState, type PendingExternalState, type RunEffect, type WorkflowRun } from '../core/internals';
import type { ChildClosedNotice, WorkflowExecutionRpc } from './execution-rpc';

/** Delivers one message (keyed, one delivery at a time); a throw leaves it to be sent again later. */
export type Send = (key: string, deliver: (stubOf: (workflowId: string) => WorkflowExecutionRpc) => Promise<void>) => void;

/** Refusals that end a child start for good; any other (e.g. a failed commit on the far side) is retried. */
const FINAL_START_REFUSALS = new Set(['duro:workflow-already-started', 'duro:workflow-type-not-found', 'duro:invalid-request', 'duro:payload-too-large', 'duro:not-implemented']);
/** Refusals that end a signal or cancel to another workflow for good. */
const FINAL_MESSAGE_REFUSALS = new Set(['duro:workflow-not-found', 'duro:workflow-closed', 'duro:payload-too-large', 'duro:limit-exceeded', 'duro:invalid-request']);

/** How long a closed parent keeps applying its close policy to a child whose start had not landed yet. */
const CHILD_START_GRACE_MS = 10 * 60_000;

/** The first run of a closed run's chain (from its start event). */
export type FirstRunIdOf = (run: WorkflowRun) => string;

/** Sends what a run's effects owe other executions, once their commit is written. */
/** `now`: the host's clock (virtual in the test environment), for how long a close policy waits for a child's start. */
export function sendEffects(run: WorkflowRun, effects: RunEffect[], send: Send, firstRunIdOf: FirstRunIdOf, now: () => number = Date.now): void {
  for (const effect of effects) {
    if (effect.type === 'startChild') sendChildStart(run, effect.child, send);
    else if (effect.type === 'external') sendExternal(run, effect.request, send);
    else if (effect.type === 'closed') {
      sendChildClosePolicies(run, send, now);
      sendParentNotice(run, send, firstRunIdOf);
    }
  }
}

/** Sends everything `run` owes to other executions (on load, and again until acknowledged). */
export function sendOutbox(run: WorkflowRun, send: Send, firstRunIdOf: FirstRunIdOf, now: () => number = Date.now): void {
  for (const child of Object.values(run.state.children)) if (child.phase === 'starting') sendChildStart(run, child, send);
  for (const request of Object.values(run.state.externals)) sendExternal(run, request, send);
  sendChildClosePolicies(run, send, now);
  sendParentNotice(run, send, firstRunIdOf);
}

/** Terminates or cancels the children a closed run still owes its parent-close policy, until they acknowledge. */
export function sendChildClosePolicies(run: WorkflowRun, send: Send, now: () => number = Date.now): void {
  const state = run.state;
  for (const child of state.childrenToClose ?? []) {
    send(`${state.runId}/close-child/${child.workflowId}`, async (stubOf) => {
      const reason = `parent ${state.workflowId} closed (${state.status})`;
      // Only the chain this run started: an id its child no longer holds (closed, then started again) is left alone.
      const reply = await stubOf(child.workflowId).applyParentClosePolicy({ parentRunId: state.runId, policy: child.policy, reason });
      // A child whose start may still be on its way is not "never started" yet: ask again for a while.
      const mayStillStart = child.starting === true && reply.ok === false && reply.problem.type === 'duro:workflow-not-found' && now() - (state.closeTime ?? 0) < CHILD_START_GRACE_MS;
      if (mayStillStart) throw new Error(`child ${child.workflowId} not started yet`);
      // A child already closed, or never started, has nothing left to do.
      if (reply.ok || reply.problem.type === 'duro:workflow-closed' || reply.problem.type === 'duro:workflow-not-found') run.childClosePolicyApplied(child.workflowId);
    });
  }
}

export function sendChildStart(run: WorkflowRun, child: PendingChildState, send: Send): void {
  const state = run.state;
  send(`${state.runId}/child/${child.seq}`, async (stubOf) => {
    const reply = await stubOf(child.workflowId).start({
      workflowType: child.workflowType,
      workflowId: child.workflowId,
      input: child.input,
      parent: { workflowId: state.workflowId, runId: state.runId, seq: child.seq },
      trace: childTrace(state),
      ...(child.options.memo && { memo: child.options.memo }),
      ...(child.options.searchAttributes && { searchAttributes: child.options.searchAttributes }),
      ...(child.options.retryPolicy && { retryPolicy: child.options.retryPolicy }),
      ...(child.options.runTimeoutMs !== undefined && { runTimeoutMs: child.options.runTimeoutMs }),
      ...(child.options.executionTimeoutMs !== undefined && { executionTimeoutMs: child.options.executionTimeoutMs }),
    });
    if (reply.ok) run.deliver({ type: 'ChildWorkflowStarted', seq: child.seq, workflowId: child.workflowId, runId: reply.value.runId });
    else if (FINAL_START_REFUSALS.has(reply.problem.type)) run.deliver({ type: 'ChildWorkflowStartFailed', seq: child.seq, workflowId: child.workflowId, failure: problemFailure(reply.problem) });
    else throw new Error(`child start refused for now: ${reply.problem.type}`); // re-sent from the alarm
  });
}

export function sendExternal(run: WorkflowRun, request: PendingExternalState, send: Send): void {
  const state = run.state;
  send(`${state.runId}/external/${request.seq}`, async (stubOf) => {
    const stub = stubOf(request.workflowId);
    const options = { ...(request.runId !== undefined && { runId: request.runId }) };
    const reply = request.kind === 'signal'
      ? await stub.signal({ ...options, name: request.signalName!, args: request.args ?? [], requestId: `${state.runId}:${request.seq}` })
      : await stub.cancel({ ...options, reason: `requested by ${state.workflowId}` });
    // Cancelling a workflow that already closed has nothing left to do: that is success.
    if (!reply.ok && !FINAL_MESSAGE_REFUSALS.has(reply.problem.type)) throw new Error(`${request.kind} refused for now: ${reply.problem.type}`); // re-sent from the alarm
    const failure = reply.ok || (reply.problem.type === 'duro:workflow-closed' && request.kind === 'cancel') ? undefined : problemFailure(reply.problem);
    if (request.kind === 'signal') run.deliver(failure ? { type: 'ExternalSignalFailed', seq: request.seq, failure } : { type: 'ExternalSignalDelivered', seq: request.seq });
    else run.deliver(failure ? { type: 'ExternalCancelFailed', seq: request.seq, failure } : { type: 'ExternalCancelDelivered', seq: request.seq });
  });
}

export function sendParentNotice(run: WorkflowRun, send: Send, firstRunIdOf: FirstRunIdOf): void {
  const state = run.state;
  if (!state.parentNotificationPending || !state.parent || !state.closeEvent) return;
  const parent = state.parent;
  const outcome = outcomeOfCloseEvent(state.closeEvent)!;
  send(`${state.runId}/parent`, async (stubOf) => {
    const reply = await stubOf(parent.workflowId).childClosed({
      parentRunId: parent.runId,
      seq: parent.seq,
      workflowId: state.workflowId,
      runId: state.runId,
      firstRunId: firstRunIdOf(run),
      status: outcome.status as ChildClosedNotice['status'],
      outcome: outcome.status === 'completed' ? { result: outcome.result } : { failure: outcome.failure! },
    });
    if (reply.ok) run.parentNotified();
  });
}

/** The failure type workflow code sees for a refusal: the engine's own error names, as the in-process hosts throw them. */
const FAILURE_TYPES: Record<string, string> = {
  'duro:workflow-already-started': 'WorkflowExecutionAlreadyStarted',
  'duro:workflow-not-found': 'WorkflowNotFound',
  'duro:workflow-closed': 'WorkflowClosed',
  'duro:workflow-type-not-found': 'WorkflowTypeNotFound',
};

function problemFailure(problem: { type: string; detail: string }): FailureInfo {
  return toFailureInfo(ApplicationFailure.nonRetryable(problem.detail, FAILURE_TYPES[problem.type] ?? problem.type));
}
