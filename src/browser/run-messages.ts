// What one workflow of the browser host sends another: child starts, signals and cancels, a child's close to its
// parent, parent-close policies, and the answers that end them. A request stays in its sender's committed state
// until its answer is recorded there (the outbox, DESIGN §4), so it is re-sent after any reload; every message has a
// stable key, and the receiver dedupes what it gets twice.
import { childTrace, type RunTrace } from '../core/tracing/trace-context';
import type { NewEvent, Outcome, ParentRef, RecordedChildOptions } from '../core/history';
import { outcomeOfCloseEvent, type RunState } from '../core/internals';

/** A run, as senders and receivers name it. */
export interface RunAddress {
  workflowId: string;
  runId: string;
}

/** The events an answer records in the run that sent the request. */
export type AnswerEvent = Extract<NewEvent, { type: 'ChildWorkflowStarted' | 'ChildWorkflowStartFailed' | 'ExternalSignalDelivered' | 'ExternalSignalFailed' | 'ExternalCancelDelivered' | 'ExternalCancelFailed' }>;

export type ChildClosedStatus = 'completed' | 'failed' | 'canceled' | 'terminated' | 'timedOut';

/** Requests: each is answered to the run that sent it. */
type Request =
  | { kind: 'startChild'; parent: ParentRef; workflowType: string; input: unknown; options: RecordedChildOptions; trace?: RunTrace }
  | { kind: 'signal'; from: RunAddress; seq: number; runId?: string; signalName: string; args: unknown[] }
  | { kind: 'cancel'; from: RunAddress; seq: number; runId?: string }
  | { kind: 'closeChild'; from: RunAddress; policy: 'TERMINATE' | 'REQUEST_CANCEL'; reason: string }
  | { kind: 'childClosed'; parentRunId: string; seq: number; child: RunAddress; firstRunId: string; status: ChildClosedStatus; outcome: Outcome };

/** Answers: they end a request in the run that sent it (run `runId` of `to`), and are never answered. */
export type Answer =
  | { kind: 'answer'; event: AnswerEvent }
  | { kind: 'parentNotified' }
  | { kind: 'closePolicyApplied'; childWorkflowId: string };

/** `to` is the workflow id whose driver applies the message; `key` names it across re-sends. */
export type RunMessage = { key: string; to: string } & (Request | (Answer & { runId: string }));

export type MessageOf<K extends RunMessage['kind']> = Extract<RunMessage, { kind: K }>;

/**
 * Everything `state` still owes other workflows, as messages to (re-)send. A cancel of a child whose start is not yet
 * answered waits for that answer: sent first, it would find no child to cancel (children.test.ts, 'are cancelled with
 * their scope (at once) …'). `firstRunId`: of the run's chain.
 */
export function owedMessages(state: RunState, firstRunId = state.runId): RunMessage[] {
  const from: RunAddress = { workflowId: state.workflowId, runId: state.runId };
  const messages: RunMessage[] = [];
  for (const child of Object.values(state.children)) {
    if (child.phase !== 'starting') continue;
    messages.push({
      kind: 'startChild', key: `${from.runId}/child/${child.seq}`, to: child.workflowId,
      parent: { ...from, seq: child.seq }, workflowType: child.workflowType, input: child.input, options: child.options,
      trace: childTrace(state),
    });
  }
  for (const request of Object.values(state.externals)) {
    if (request.childSeq !== undefined && state.children[request.childSeq]?.phase === 'starting') continue;
    const common = { key: `${from.runId}/external/${request.seq}`, to: request.workflowId, from, seq: request.seq, ...(request.runId !== undefined && { runId: request.runId }) };
    messages.push(request.kind === 'signal' ? { kind: 'signal', ...common, signalName: request.signalName!, args: request.args ?? [] } : { kind: 'cancel', ...common });
  }
  for (const child of state.childrenToClose ?? []) {
    messages.push({ kind: 'closeChild', key: `${from.runId}/close-child/${child.workflowId}`, to: child.workflowId, from, policy: child.policy, reason: `parent ${from.workflowId} closed (${state.status})` });
  }
  const outcome = state.parentNotificationPending && state.closeEvent && outcomeOfCloseEvent(state.closeEvent);
  if (outcome && state.parent) {
    messages.push({
      kind: 'childClosed', key: `${from.runId}/parent`, to: state.parent.workflowId, parentRunId: state.parent.runId, seq: state.parent.seq, child: from, firstRunId,
      status: outcome.status as ChildClosedStatus, outcome: outcome.status === 'completed' ? { result: outcome.result } : { failure: outcome.failure! },
    });
  }
  return messages;
}

/** `answer` to `request`, addressed to the run that sent it. */
export function answerTo(request: RunMessage, sender: RunAddress, answer: Answer): RunMessage {
  return { ...answer, key: `${request.key}/answer`, to: sender.workflowId, runId: sender.runId };
}
