// How the context that drives a workflow applies a message addressed to it, with the Durable Object host's answers
// (durable-objects/execution-messages.ts). Applying one twice is harmless: a child start finds the run it already
// started (decideStart), a signal carries its sender's request id, a cancel or a close policy finds the work done,
// and an answer or a child's close that the run recorded already is dropped by the engine.
import { WorkflowNotFoundError } from '../core/client-errors';
import { ApplicationFailure, toFailureInfo, type FailureInfo } from '../core/failure';
import { WorkflowClosedError, type RunState, type StartParams, type WorkflowRun } from '../core/internals';
import { PayloadError } from '../core/payload';
import { decideStart } from '../core/start-policy';
import { answerTo, type AnswerEvent, type MessageOf, type RunMessage } from './run-messages';
import { firstRunParams } from '../core/execution/first-run';
import { definedFields } from '../core/objects';

/** A run as the receiver finds it: driven here (open, or closed but still owing messages), or as stored. */
export interface FoundRun {
  state: RunState;
  driven?: { run: WorkflowRun; broken: Promise<never> };
}

/** What a context offers the messages to a workflow whose Web Lock it holds. */
export interface MessageReceiver {
  /** Run `runId` of `workflowId`, or its latest run; undefined when none is stored. */
  find(workflowId: string, runId?: string): Promise<FoundRun | undefined>;
  /** Starts a run; resolves once its start is committed. Throws `ApplicationFailure` or `PayloadError` when it cannot start. */
  startRun(params: StartParams): Promise<void>;
  /** The first run of the chain `runId` belongs to (from its start, read from history if need be). */
  chainFirstRunId(runId: string): Promise<string | undefined>;
}

/** A run of a workflow type this context does not register: it cannot take the message now, but another context may. */
class NotDrivenHere extends Error {
  constructor(workflowId: string) {
    super(`Workflow ${workflowId} is running but not driven here (its type is not registered in this page): the message waits`);
    this.name = 'NotDrivenHere';
  }
}

/** Applies `message`; resolves with its answer, if it has one. Throws (to be re-sent later) when it could not be applied now. */
export async function applyMessage(message: RunMessage, receiver: MessageReceiver): Promise<RunMessage | undefined> {
  switch (message.kind) {
    case 'startChild': return startChild(message, receiver);
    case 'signal':
    case 'cancel': return signalOrCancel(message, receiver);
    case 'closeChild': return closeChild(message, receiver);
    case 'childClosed': return childClosed(message, receiver);
    case 'answer':
    case 'parentNotified':
    case 'closePolicyApplied':
      await endRequest(message, receiver);
      return undefined;
  }
}

async function startChild(message: MessageOf<'startChild'>, receiver: MessageReceiver): Promise<RunMessage> {
  const { parent, options } = message;
  const answer = (event: AnswerEvent) => answerTo(message, parent, { kind: 'answer', event });
  const started = (runId: string) => answer({ type: 'ChildWorkflowStarted', seq: parent.seq, workflowId: message.to, runId });
  const startFailed = (failure: FailureInfo) => answer({ type: 'ChildWorkflowStartFailed', seq: parent.seq, workflowId: message.to, failure });
  const latest = await receiver.find(message.to);
  const { state } = latest ?? {};
  // A parent re-sending the start of its child gets the run it already started: a reload between the two commits
  // (children.test.ts, 'answer the parent with the child it already started …').
  const firstRunId = state && (await receiver.chainFirstRunId(state.runId));
  const decision = decideStart(state && { runId: state.runId, status: state.status, ...(state.parent && { parent: state.parent }), ...(firstRunId !== undefined && { firstRunId }) }, { workflowId: message.to, parent });
  if (decision.action === 'useExisting') return started(decision.runId);
  if (decision.action !== 'start') return startFailed(toFailureInfo(ApplicationFailure.nonRetryable(decision.action === 'refuse' ? decision.detail : `Workflow ${message.to} is already running`, 'WorkflowExecutionAlreadyStarted')));
  const request = {
    workflowType: message.workflowType, workflowId: message.to, input: message.input, parent,
    ...definedFields({ memo: options.memo, searchAttributes: options.searchAttributes, retryPolicy: options.retryPolicy, runTimeoutMs: options.runTimeoutMs, executionTimeoutMs: options.executionTimeoutMs }),
  };
  const params = firstRunParams(request, crypto.randomUUID(), crypto.randomUUID(), Date.now());
  try {
    await receiver.startRun(params);
  } catch (error) {
    if (!isRefusal(error)) throw error; // a failed commit: nothing was stored, the parent sends the start again
    return startFailed(toFailureInfo(error));
  }
  return started(params.runId);
}

async function signalOrCancel(message: MessageOf<'signal' | 'cancel'>, receiver: MessageReceiver): Promise<RunMessage> {
  const signal = message.kind === 'signal';
  const answer = (failure?: FailureInfo) => answerTo(message, message.from, {
    kind: 'answer',
    event: signal
      ? (failure ? { type: 'ExternalSignalFailed', seq: message.seq, failure } : { type: 'ExternalSignalDelivered', seq: message.seq })
      : (failure ? { type: 'ExternalCancelFailed', seq: message.seq, failure } : { type: 'ExternalCancelDelivered', seq: message.seq }),
  });
  const requestId = `${message.from.runId}:${message.seq}`;
  // A run that closed while the message waited in its queue hands it to the next run when the message names no run.
  for (let handOvers = 0; ; handOvers++) {
    const target = await receiver.find(message.to, message.runId);
    if (!target) return answer(refusal(new WorkflowNotFoundError(message.to, message.runId)));
    // Sent again after a reload: the signal was recorded before the target closed (children.test.ts, 'deliver a signal once …').
    if (signal && target.state.signalRequestIds[requestId] !== undefined) return answer();
    // Cancelling a workflow that already closed has nothing left to do: that is success.
    if (target.state.status !== 'running') return answer(signal ? refusal(new WorkflowClosedError(message.to, target.state.status)) : undefined);
    const { run, broken } = drivenOrWait(target);
    try {
      await Promise.race([signal ? run.signal(message.signalName, message.args, requestId) : run.cancel(`requested by ${message.from.workflowId}`), broken]);
      return answer();
    } catch (error) {
      if (error instanceof WorkflowClosedError && message.runId === undefined && handOvers < 10) continue;
      if (!isRefusal(error)) throw error;
      return answer(refusal(error));
    }
  }
}

async function closeChild(message: MessageOf<'closeChild'>, receiver: MessageReceiver): Promise<RunMessage> {
  const target = await receiver.find(message.to);
  // Only the chain this parent started: an id its child no longer holds (closed, then reused) is left alone. A child
  // never started needs nothing; one whose start is still queued was applied before this (messages keep their order).
  if (target && target.state.status === 'running' && target.state.parent?.runId === message.from.runId) {
    const { run, broken } = drivenOrWait(target);
    try {
      await Promise.race([message.policy === 'TERMINATE' ? run.terminate(message.reason) : run.cancel(message.reason), broken]);
    } catch (error) {
      if (!(error instanceof WorkflowClosedError)) throw error;
    }
  }
  return answerTo(message, message.from, { kind: 'closePolicyApplied', childWorkflowId: message.to });
}

async function childClosed(message: MessageOf<'childClosed'>, receiver: MessageReceiver): Promise<RunMessage> {
  const parent = await receiver.find(message.to, message.parentRunId);
  // A parent that closed meanwhile abandoned the child: the notice is acknowledged and dropped.
  if (parent && parent.state.status === 'running') {
    const { run, broken } = drivenOrWait(parent);
    // The close overtook the answer to the start (both were on their way): the start is recorded first, as it happened.
    if (parent.state.children[message.seq]?.phase === 'starting') run.deliver({ type: 'ChildWorkflowStarted', seq: message.seq, workflowId: message.child.workflowId, runId: message.firstRunId });
    run.deliver({ type: 'ChildWorkflowClosed', seq: message.seq, workflowId: message.child.workflowId, runId: message.child.runId, status: message.status, outcome: message.outcome });
    await Promise.race([run.idle(), broken]);
  }
  return answerTo(message, message.child, { kind: 'parentNotified' });
}

async function endRequest(message: MessageOf<'answer' | 'parentNotified' | 'closePolicyApplied'>, receiver: MessageReceiver): Promise<void> {
  const run = (await receiver.find(message.to, message.runId))?.driven;
  if (!run) return; // gone, or closed owing nothing: the request was ended already
  if (message.kind === 'answer') run.run.deliver(message.event);
  else if (message.kind === 'parentNotified') run.run.parentNotified();
  else run.run.childClosePolicyApplied(message.childWorkflowId);
  await Promise.race([run.run.idle(), run.broken]);
}

function drivenOrWait(found: FoundRun): NonNullable<FoundRun['driven']> {
  if (!found.driven) throw new NotDrivenHere(found.state.workflowId);
  return found.driven;
}

/** Errors that end a request for good (answered as a failure); anything else, such as a failed commit, is retried. */
function isRefusal(error: unknown): boolean {
  return error instanceof ApplicationFailure || error instanceof PayloadError || error instanceof WorkflowClosedError || error instanceof WorkflowNotFoundError;
}

/** As the Durable Object host words them, so workflow code can match on `type` on either host. */
function refusal(error: unknown): FailureInfo {
  if (error instanceof WorkflowNotFoundError) return toFailureInfo(ApplicationFailure.nonRetryable(error.message, 'WorkflowNotFound'));
  if (error instanceof WorkflowClosedError) return toFailureInfo(ApplicationFailure.nonRetryable(error.message, 'WorkflowClosed'));
  return toFailureInfo(error);
}
