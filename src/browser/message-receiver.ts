// How the context that drives a workflow applies a message addressed to it: through the workflow's execution
// (src/core/execution/), with the answers the Durable Object host gives (src/protocol/execution-messages.ts).
// Applying one twice is harmless: a child start finds the run it already started (the start policy), a signal carries
// its sender's request id, a cancel or a close policy finds the work done, and an answer or a child's close that the
// run recorded already is dropped by the engine.
import { WorkflowClosedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../core/client-errors';
import type { Execution } from '../core/execution/execution';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../core/failure';
import { owesMessages } from '../core/internals';
import { definedFields } from '../core/objects';
import { PayloadError } from '../core/payload';
import { answerTo, type MessageOf, type RunMessage } from './run-messages';

/** What a context offers the messages to a workflow whose Web Lock it holds: that workflow's execution. */
export interface MessageReceiver {
  executionOf(workflowId: string): Execution;
}

/** A run this page cannot load (its workflow type is not in this page's code): it cannot take the message now, but another context may. */
class NotDrivenHere extends Error {
  constructor(workflowId: string, reason: string) {
    super(`Workflow ${workflowId} has a run this page cannot load (${reason}): the message waits`);
    this.name = 'NotDrivenHere';
  }
}

/** Applies `message`; resolves with its answer, if it has one. Throws (to be re-sent later) when it could not be applied now. */
export async function applyMessage(message: RunMessage, receiver: MessageReceiver): Promise<RunMessage | undefined> {
  const execution = receiver.executionOf(message.to);
  // Tabs may run different code during an update: a run another bundle registers waits for a context that can load it.
  const runId = message.kind === 'childClosed' ? message.parentRunId : 'runId' in message ? message.runId : undefined;
  await execution.runAt(runId === undefined ? {} : { runId });
  const unloadable = execution.unloadableReason(runId);
  if (unloadable !== undefined) throw new NotDrivenHere(message.to, unloadable);
  switch (message.kind) {
    case 'startChild': return startChild(message, execution);
    case 'signal':
    case 'cancel': return signalOrCancel(message, execution);
    case 'closeChild': return closeChild(message, execution);
    case 'childClosed': return childClosed(message, execution);
    case 'answer':
    case 'parentNotified':
    case 'closePolicyApplied':
      await endRequest(message, execution);
      return undefined;
  }
}

async function startChild(message: MessageOf<'startChild'>, execution: Execution): Promise<RunMessage> {
  const { parent, options } = message;
  const answer = (event: Extract<MessageOf<'answer'>['event'], { type: 'ChildWorkflowStarted' | 'ChildWorkflowStartFailed' }>) => answerTo(message, parent, { kind: 'answer', event });
  try {
    // A parent re-sending the start of its child gets the run it already started (the start policy), even when the
    // child continued as new since (children.test.ts, 'answer the parent with the child it already started …').
    const { runId } = await execution.start({
      workflowType: message.workflowType, workflowId: message.to, input: message.input, parent,
      ...definedFields({ trace: message.trace, memo: options.memo, searchAttributes: options.searchAttributes, retryPolicy: options.retryPolicy, runTimeoutMs: options.runTimeoutMs, executionTimeoutMs: options.executionTimeoutMs }),
    });
    return answer({ type: 'ChildWorkflowStarted', seq: parent.seq, workflowId: message.to, runId });
  } catch (error) {
    if (!isRefusal(error)) throw error; // a failed commit: nothing was stored, the parent sends the start again
    return answer({ type: 'ChildWorkflowStartFailed', seq: parent.seq, workflowId: message.to, failure: refusal(error) });
  }
}

async function signalOrCancel(message: MessageOf<'signal' | 'cancel'>, execution: Execution): Promise<RunMessage> {
  const signal = message.kind === 'signal';
  const answer = (failure?: FailureInfo) => answerTo(message, message.from, {
    kind: 'answer',
    event: signal
      ? (failure ? { type: 'ExternalSignalFailed', seq: message.seq, failure } : { type: 'ExternalSignalDelivered', seq: message.seq })
      : (failure ? { type: 'ExternalCancelFailed', seq: message.seq, failure } : { type: 'ExternalCancelDelivered', seq: message.seq }),
  });
  const requestId = `${message.from.runId}:${message.seq}`;
  const target = { ...(message.runId !== undefined && { runId: message.runId }) };
  try {
    // Sent again after a reload: the signal was recorded before the target closed (children.test.ts, 'deliver a signal once …').
    const reached = await execution.runAt(target);
    if (signal && reached && reached.state.signalRequestIds[requestId] !== undefined) return answer();
    if (signal) await execution.signal({ ...target, name: message.signalName, args: message.args, requestId });
    else await execution.cancel({ ...target, reason: `requested by ${message.from.workflowId}` });
    return answer();
  } catch (error) {
    // Cancelling a workflow that already closed has nothing left to do: that is success.
    if (!signal && error instanceof WorkflowClosedError) return answer();
    if (!isRefusal(error)) throw error;
    return answer(refusal(error));
  }
}

async function closeChild(message: MessageOf<'closeChild'>, execution: Execution): Promise<RunMessage> {
  // A child never started needs nothing; one whose start is still queued was applied before this (messages keep their order).
  try {
    await execution.applyParentClosePolicy({ parentRunId: message.from.runId, policy: message.policy, reason: message.reason });
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return answerTo(message, message.from, { kind: 'closePolicyApplied', childWorkflowId: message.to });
}

async function childClosed(message: MessageOf<'childClosed'>, execution: Execution): Promise<RunMessage> {
  await execution.childClosed({
    parentRunId: message.parentRunId, seq: message.seq, workflowId: message.child.workflowId, runId: message.child.runId,
    firstRunId: message.firstRunId, status: message.status, outcome: message.outcome,
  });
  return answerTo(message, message.child, { kind: 'parentNotified' });
}

async function endRequest(message: MessageOf<'answer' | 'parentNotified' | 'closePolicyApplied'>, execution: Execution): Promise<void> {
  const run = await execution.runAt({ runId: message.runId });
  // Gone, or closed owing nothing: the request was ended already.
  if (!run || (run.isClosed && !owesMessages(run.state))) return;
  if (message.kind === 'answer') run.deliver(message.event);
  else if (message.kind === 'parentNotified') run.parentNotified();
  else run.childClosePolicyApplied(message.childWorkflowId);
  await run.idle();
}

/** Errors that end a request for good (answered as a failure); anything else, such as a failed commit, is retried. */
function isRefusal(error: unknown): boolean {
  return error instanceof ApplicationFailure || error instanceof PayloadError || error instanceof WorkflowClosedError || error instanceof WorkflowNotFoundError || error instanceof WorkflowExecutionAlreadyStartedError;
}

/** As the Durable Object host words them, so workflow code can match on `type` on either host. */
function refusal(error: unknown): FailureInfo {
  if (error instanceof WorkflowNotFoundError) return toFailureInfo(ApplicationFailure.nonRetryable(error.message, 'WorkflowNotFound'));
  if (error instanceof WorkflowClosedError) return toFailureInfo(ApplicationFailure.nonRetryable(error.message, 'WorkflowClosed'));
  if (error instanceof WorkflowExecutionAlreadyStartedError) return toFailureInfo(ApplicationFailure.nonRetryable(error.message, 'WorkflowExecutionAlreadyStarted'));
  return toFailureInfo(error);
}
