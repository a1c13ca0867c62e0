// An ApiBackend over TestWorkflowEnvironment: a second, in-memory host under the REST API. Real workflows run on
// the real engine; only time is virtual, and waiting (long-poll, updates) skips it as env.sleep would.
import type { HistoryPage, ResultReply, StartRequest } from '../../../src/protocol/execution-rpc';
import type { Reply } from '../../../src/protocol/reply';
import type { ApiBackend, ExecutionStub } from '../../../src/api/backend';
import { problem, ProblemType, type Problem } from '../../../src/api/problems';
import { WorkflowRegistry, toFailureInfo } from '../../../src/core';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '../../../src/core/client-errors';
import { QueryNotFoundError, WorkflowClosedError, definedFields, outcomeOfCloseEvent, type RunOutcome, type WorkflowRun } from '../../../src/core/internals';
import { TestWorkflowEnvironment, type TestEnvironmentOptions } from '../../../src/testing';
import { decideStart } from '../../../src/core/start-policy';

export interface EnvBackendOptions extends TestEnvironmentOptions {
  workflows: Record<string, unknown>;
  activitySecret?: string;
}

export const TEST_ACTIVITY_SECRET = 'test-activity-secret';

/** A fresh environment and the backend that serves it to the API. */
export async function createEnvBackend(options: EnvBackendOptions): Promise<{ env: TestWorkflowEnvironment; backend: ApiBackend }> {
  const env = await TestWorkflowEnvironment.create(options);
  const registry = new WorkflowRegistry(options.workflows);
  const backend: ApiBackend = {
    execution: (workflowId) => executionStub(env, workflowId),
    hasWorkflowType: (name) => registry.has(name),
    activitySecret: options.activitySecret ?? TEST_ACTIVITY_SECRET,
  };
  return { env, backend };
}

/** The engine's errors as the problems the Durable Object host answers with (docs/api.md). */
function problemOf(error: unknown): Problem | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error instanceof WorkflowNotFoundError) return problem(ProblemType.workflowNotFound, error.message);
  if (error instanceof WorkflowExecutionAlreadyStartedError) return problem(ProblemType.workflowAlreadyStarted, error.message, { runId: error.runId });
  if (error instanceof WorkflowClosedError) return problem(ProblemType.workflowClosed, error.message);
  if (error instanceof QueryNotFoundError) return problem(ProblemType.queryNotFound, error.message);
  if (error.name === 'PayloadError') return problem((error as { sizeBytes?: number }).sizeBytes === undefined ? ProblemType.invalidRequest : ProblemType.payloadTooLarge, error.message);
  return undefined;
}

async function reply<T>(work: () => Promise<T>, otherwise?: (error: unknown) => Problem): Promise<Reply<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    const known = problemOf(error) ?? otherwise?.(error);
    if (known) return { ok: false, problem: known };
    throw error;
  }
}

const refuse = (p: Problem): never => {
  throw Object.assign(new Error(p.detail), { problem: p });
};

/** Awaits an engine promise, skipping virtual time while nothing else happens (e.g. an update handler sleeping). */
async function settled<T>(env: TestWorkflowEnvironment, promise: Promise<T>): Promise<T> {
  let state: { value: T } | { error: unknown } | undefined;
  promise.then((value) => (state = { value }), (error: unknown) => (state = { error }));
  const done = await env.waitFor(() => state);
  if ('error' in done) throw done.error;
  return done.value;
}

function executionStub(env: TestWorkflowEnvironment, workflowId: string): ExecutionStub {
  const runOf = (runId?: string): WorkflowRun => env.runOf(workflowId, runId);
  const latest = (): WorkflowRun | undefined => {
    try {
      return runOf();
    } catch {
      return undefined;
    }
  };
  const taskToken = (ref: { runId: string; activityId: string; attempt: number }) => JSON.stringify([workflowId, ref.runId, ref.activityId, ref.attempt]);

  const stub: ExecutionStub = {
    signalWithStart: (req) => reply(async () => {
      const { handle, started } = await env.signalWithStart(req.workflowType, { ...startOptions(req), workflowId, ...definedFields({ requestId: req.requestId }) }, req.signalName, ...req.signalArgs);
      return { workflowId, runId: handle.runId, started };
    }, problemCarried),

    updateWithStart: async (req) => {
      const current = latest();
      let started = { workflowId, runId: current?.runId ?? '', started: false };
      if (!current || current.isClosed) {
        const reply = await stub.start(req);
        if (!reply.ok) return reply;
        started = reply.value;
      }
      const updated = await stub.update({ ...req.update, runId: started.runId });
      return updated.ok ? { ok: true, value: { ...started, ...updated.value } } : updated;
    },

    start: (req) => reply(async () => {
      const current = latest();
      const decision = decideStart(current && { runId: current.runId, status: current.state.status }, req);
      if (decision.action === 'useExisting') return { workflowId, runId: decision.runId, started: false };
      if (decision.action === 'refuse') refuse(problem(ProblemType.workflowAlreadyStarted, decision.detail, { runId: decision.runId }));
      if (decision.action === 'terminateThenStart') await settled(env, current!.terminate('terminated by a new start of the same workflow id'));
      const handle = await env.start(req.workflowType, startOptions(req));
      return { workflowId, runId: handle.runId, started: true };
    }, problemCarried),

    describe: ({ runId }) => reply(async () => env.getHandle(workflowId).describe(runOf(runId).runId)),

    result: ({ runId, waitMs, followRuns }) => reply(async () => {
      let run = runOf(runId);
      let expired = false;
      const cancel = env.clock.setTimer(env.now() + waitMs, () => (expired = true));
      try {
        for (;;) {
          const current = run;
          const outcome = await env.waitFor<RunOutcome | 'running'>(() => {
            const live = runOf(current.runId); // env.deploy() may replace run objects
            if (live.isClosed) return outcomeOfCloseEvent(live.state.closeEvent!);
            return expired || waitMs === 0 ? 'running' : undefined;
          });
          if (outcome === 'running') return { status: 'running', runId: current.runId };
          if (outcome.status === 'continuedAsNew' && followRuns && outcome.newRunId) {
            run = runOf(outcome.newRunId);
            continue;
          }
          return resultReply(current.runId, outcome);
        }
      } finally {
        cancel();
      }
    }),

    history: ({ runId, afterEventId, limit }) => reply(async (): Promise<HistoryPage> => {
      const after = afterEventId ?? 0;
      const events = env.history(workflowId, runOf(runId).runId).filter((e) => e.eventId > after).slice(0, limit ?? 1_000);
      return { events, nextEventId: (events.at(-1)?.eventId ?? after) + 1 };
    }),

    signal: ({ name, args, requestId, runId }) => reply(async () => {
      await settled(env, (async () => runOf(runId).signal(name, args, requestId))());
      return null;
    }),

    query: ({ name, args, runId }) => reply(
      async () => ({ result: await settled(env, (async () => runOf(runId).query(name, args))()) }),
      (error) => problem(ProblemType.queryFailed, `Query '${name}' failed: ${(error as Error).message}`, { failure: toFailureInfo(error) }),
    ),

    update: ({ name, args, updateId, wait, runId }) => reply(async () => {
      const outcome = await settled(env, (async () => runOf(runId).update(name, args, { ...definedFields({ updateId }), acceptedOnly: wait === 'accepted' }))());
      if (outcome.rejected) refuse(problem(ProblemType.updateRejected, `Update '${name}' rejected: ${outcome.rejected.message}`, { failure: outcome.rejected }));
      return { updateId: outcome.updateId, ...definedFields({ outcome: outcome.outcome }) };
    }, problemCarried),

    cancel: ({ reason, runId }) => reply(async () => {
      await settled(env, (async () => runOf(runId).cancel(reason))());
      return null;
    }),

    terminate: ({ reason, runId }) => reply(async () => {
      await settled(env, (async () => runOf(runId).terminate(reason))());
      return null;
    }),

    reset: ({ eventId, reason, runId }) => reply(async () => {
      try {
        return { runId: await env.reset(workflowId, eventId, reason, runOf(runId).runId) };
      } catch (error) {
        if ((error as { type?: string }).type === 'BadResetPoint') refuse(problem(ProblemType.badResetPoint, (error as Error).message));
        throw error;
      }
    }, problemCarried),

    pause: ({ reason, runId }) => reply(async () => {
      await env.getHandle(workflowId, runOf(runId).runId).pause(reason);
      return null;
    }),

    unpause: ({ runId }) => reply(async () => {
      await env.getHandle(workflowId, runOf(runId).runId).unpause();
      return null;
    }),

    activityHeartbeat: (ref, details) => reply(async () => {
      const answer = env.heartbeatActivity(taskToken(ref), details);
      if (!answer) refuse(notRunning(ref));
      return answer!;
    }, problemCarried),

    activityComplete: (ref, outcome) => reply(async () => {
      if (!env.completeActivity(taskToken(ref), outcome)) refuse(notRunning(ref));
      return null;
    }, problemCarried),
  };
  return stub;
}

/** Unwraps the problems thrown by `refuse`. */
function problemCarried(error: unknown): Problem {
  const carried = (error as { problem?: Problem }).problem;
  if (carried) return carried;
  throw error;
}

const notRunning = (ref: { activityId: string; attempt: number }) =>
  problem(ProblemType.activityNotRunning, `Attempt ${ref.attempt} of activity ${ref.activityId} is no longer running`);

function startOptions(req: StartRequest) {
  return {
    workflowId: req.workflowId,
    input: req.input,
    ...definedFields({ memo: req.memo, searchAttributes: req.searchAttributes, runTimeout: req.runTimeoutMs, executionTimeout: req.executionTimeoutMs, startDelay: req.startDelayMs }),
  };
}

function resultReply(runId: string, outcome: RunOutcome): ResultReply {
  switch (outcome.status) {
    case 'completed':
      return { status: 'completed', runId, result: outcome.result };
    case 'failed': case 'canceled': case 'terminated': case 'timedOut':
      return { status: outcome.status, runId, failure: outcome.failure! };
    case 'continuedAsNew':
      return { status: 'continuedAsNew', runId, newRunId: outcome.newRunId! };
    default:
      throw new Error(`unexpected outcome ${outcome.status}`);
  }
}

