// An execution's typed errors as the problems its RPC replies carry (docs/api.md): one mapping for every host that
// answers over the wire (the Durable Object, the in-memory backend the API's tests run on).
import { DeterminismViolationError, QueryNotFoundError } from '../core/activator';
import { WorkflowClosedError, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateRejectedError } from '../core/client-errors';
import { ApplicationFailure, toFailureInfo } from '../core/failure';
import type { Execution } from '../core/execution/execution';
import { PayloadError } from '../core/payload';
import { PayloadUnavailableError } from '../core/payloads/payload-unavailable';
import { RowOpenError } from '../core/payloads/row-codecs';
import type { CarriedSignal } from '../core/run';
import type { WorkflowExecutionRpc } from './execution-rpc';
import { ProblemType } from './problem-types';
import { ok, refuse, type Reply } from './reply';

/** ApplicationFailure types the execution throws for a refusal, and their problem types. */
const REFUSAL_TYPES: Record<string, ProblemType> = {
  LimitExceeded: ProblemType.limitExceeded,
  WorkflowTypeNotFound: ProblemType.workflowTypeNotFound,
  BadResetPoint: ProblemType.badResetPoint,
  ActivityNotRunning: ProblemType.activityNotRunning,
  UnknownTaskToken: ProblemType.unknownTaskToken,
};

/** Runs `work` and answers its value, or the refusal its error stands for; an unexpected error is `duro:internal`. */
export async function answer<T>(work: () => Promise<T>): Promise<Reply<T>> {
  try {
    return ok(await work());
  } catch (error) {
    return refusalOf(error);
  }
}

/** As `answer`, for a query: whatever the query handler threw is `duro:query-failed`, with its failure. */
export async function answerQuery(work: () => Promise<unknown>): Promise<Reply<{ result: unknown }>> {
  try {
    return ok({ result: await work() });
  } catch (error) {
    if (error instanceof QueryNotFoundError || error instanceof WorkflowNotFoundError || error instanceof RowOpenError || error instanceof PayloadUnavailableError) return refusalOf(error);
    return refuse(ProblemType.queryFailed, (error as Error).message, { failure: toFailureInfo(error) });
  }
}

export function refusalOf<T>(error: unknown): Reply<T> {
  if (error instanceof WorkflowNotFoundError) return refuse(ProblemType.workflowNotFound, error.message);
  if (error instanceof WorkflowExecutionAlreadyStartedError) return refuse(ProblemType.workflowAlreadyStarted, error.message, { runId: error.runId });
  if (error instanceof WorkflowClosedError) return refuse(ProblemType.workflowClosed, error.message, { workflowStatus: error.status });
  if (error instanceof WorkflowUpdateRejectedError) return refuse(ProblemType.updateRejected, error.failure.message, { failure: error.failure });
  if (error instanceof QueryNotFoundError) return refuse(ProblemType.queryNotFound, error.message);
  // Only a size says too large; a shape (NaN, nesting, not JSON) is an invalid value.
  if (error instanceof PayloadError) return refuse(error.sizeBytes === undefined ? ProblemType.invalidRequest : ProblemType.payloadTooLarge, error.message);
  // A stored row the configured codecs cannot open (a key removed, a row changed): the detail names the row and key.
  if (error instanceof RowOpenError) return refuse(ProblemType.payloadUnreadable, error.message);
  // A row kept in the blob store is missing or changed there (the claim check): the detail names the blob.
  if (error instanceof PayloadUnavailableError) return refuse(ProblemType.payloadUnavailable, error.message, { blobKey: error.key });
  if (error instanceof DeterminismViolationError) return refuse(ProblemType.determinismViolation, error.message);
  if (error instanceof ApplicationFailure && error.type !== undefined && Object.hasOwn(REFUSAL_TYPES, error.type)) return refuse(REFUSAL_TYPES[error.type]!, error.message);
  console.error('duro: unexpected error', error);
  return refuse(ProblemType.internal, error instanceof Error ? error.message : String(error));
}

/**
 * An execution's RPC surface: each call answered as a reply, never a throw. The Durable Object's methods delegate to
 * it; in-process hosts hand it to the outbox senders (execution-messages.ts) as the receiving execution.
 */
export function answering(execution: Execution, historyPageMaxChars?: number): WorkflowExecutionRpc {
  return {
    start: ({ waitMs, ...request }, carriedSignals: CarriedSignal[] = []) => answer(async () => {
      const started = await execution.start(request, carriedSignals);
      if (!waitMs) return started;
      try {
        return { ...started, outcome: await execution.result({ runId: started.runId, waitMs, followRuns: true }) };
      } catch {
        return started; // the run did start: the caller reads the result as it would without a wait (and sees why)
      }
    }),
    signalWithStart: (request) => answer(() => execution.signalWithStart(request)),
    updateWithStart: (request) => answer(() => execution.updateWithStart(request)),
    describe: (options) => answer(() => execution.describe(options)),
    result: (options) => answer(() => execution.result(options)),
    history: (options) => answer(() => execution.history({ ...options, ...(historyPageMaxChars !== undefined && { maxChars: historyPageMaxChars }) })),
    logs: (options) => answer(() => execution.logs(options)),
    signal: (options) => answer(() => execution.signal(options).then(() => null)),
    query: (options) => answerQuery(() => execution.query(options)),
    update: (options) => answer(() => execution.update(options)),
    cancel: (options) => answer(() => execution.cancel(options).then(() => null)),
    terminate: (options) => answer(() => execution.terminate(options).then(() => null)),
    pause: (options) => answer(() => execution.pause(options).then(() => null)),
    unpause: (options) => answer(() => execution.unpause(options).then(() => null)),
    reset: (options) => answer(() => execution.reset(options)),
    activityHeartbeat: (ref, details) => answer(() => execution.activityHeartbeat(ref, details)),
    activityComplete: (ref, outcome) => answer(() => execution.activityComplete(ref, outcome).then(() => null)),
    childStarted: (notice) => answer(() => execution.childStarted(notice).then(() => null)),
    childClosed: (notice) => answer(() => execution.childClosed(notice).then(() => null)),
    applyParentClosePolicy: (request) => answer(() => execution.applyParentClosePolicy(request).then(() => null)),
  };
}
