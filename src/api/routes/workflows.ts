// Starting workflows and reading them: POST /v1/workflows, describe, result (long-poll) and history.
import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { StartRequest } from '../../protocol/execution-rpc';
import { Limits } from '../../core/limits';
import { definedFields } from '../../core/objects';
import { parseTraceparent, runTraceFrom } from '../../core/tracing/trace-context';
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from '../../core/retry-policy';
import type { ApiBackend } from '../backend';
import { problem, ProblemError, ProblemType, unwrap } from '../problems';
import {
  DEFAULT_HISTORY_LIMIT, HistoryPageSchema, HistoryQuery, LogPageSchema, LogsQuery, ResultClosedReply, ResultQuery, ResultRunningReply, RunQuery,
  SignalWithStartBody, SignalWithStartReply, StartWorkflowBody, StartWorkflowQuery, StartWorkflowReply, UpdateWithStartBody, UpdateWithStartReply,
  WorkflowDescriptionSchema, WorkflowParams,
} from '../schemas';
import { COMMON_ERRORS, json, problems } from './responses';

/** Header carrying the run id a result belongs to (the body keeps API.md's exact shape). */
export const RUN_ID_HEADER = 'Duro-Run-Id';

const startWorkflow = createRoute({
  method: 'post',
  path: '/v1/workflows',
  tags: ['workflows'],
  summary: 'Start a workflow',
  request: { query: StartWorkflowQuery, body: { content: { 'application/json': { schema: StartWorkflowBody } }, required: true } },
  responses: {
    201: json(StartWorkflowReply, 'Started (with `wait`: and its `outcome`).'),
    200: json(StartWorkflowReply, 'A run of this id was already running and `idConflictPolicy` is `useExisting`: that run.'),
    ...problems({
      ...COMMON_ERRORS,
      404: 'No such workflow type (`duro:workflow-type-not-found`).',
      409: 'A run of this id is running, or the reuse policy forbids a new one (`duro:workflow-already-started`).',
    }),
  },
});

const signalWithStart = createRoute({
  method: 'post',
  path: '/v1/workflows/signal-with-start',
  tags: ['workflows'],
  summary: 'Signal a workflow, starting it first if it is not running',
  request: { body: { content: { 'application/json': { schema: SignalWithStartBody } }, required: true } },
  responses: {
    200: json(SignalWithStartReply, '`started` says whether a new run was started.'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow type (`duro:workflow-type-not-found`).', 409: 'The reuse policy forbids a new run (`duro:workflow-already-started`).' }),
  },
});

const updateWithStart = createRoute({
  method: 'post',
  path: '/v1/workflows/update-with-start',
  tags: ['workflows'],
  summary: 'Run an update, starting the workflow first if it is not running',
  request: { body: { content: { 'application/json': { schema: UpdateWithStartBody } }, required: true } },
  responses: {
    200: json(UpdateWithStartReply, 'The update completed; `started` says whether a new run was started.'),
    ...problems({ ...COMMON_ERRORS, 400: 'Invalid body, or the validator rejected the update (`duro:update-rejected`).', 404: 'No such workflow type (`duro:workflow-type-not-found`).' }),
  },
});

const describeWorkflow = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflowId}',
  tags: ['workflows'],
  summary: 'Describe a workflow execution',
  request: { params: WorkflowParams, query: RunQuery },
  responses: {
    200: json(WorkflowDescriptionSchema, 'The run (default the latest run of the id).'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow or run (`duro:workflow-not-found`).' }),
  },
});

const workflowResult = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflowId}/result',
  tags: ['workflows'],
  summary: 'Get the result, waiting up to `wait` for it',
  description: `Follows continue-as-new to the last run unless followRuns=false. The run the result belongs to is in the \`${RUN_ID_HEADER}\` header.`,
  request: { params: WorkflowParams, query: ResultQuery },
  responses: {
    200: json(ResultClosedReply, 'The run closed: `{status:"completed", result}` or `{status, failure}`.'),
    202: json(ResultRunningReply, 'Still running when the wait ended.'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow or run (`duro:workflow-not-found`).' }),
  },
});

const workflowHistory = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflowId}/history',
  tags: ['workflows'],
  summary: 'Read the event history of a run, a page at a time',
  request: { params: WorkflowParams, query: HistoryQuery },
  responses: {
    200: json(HistoryPageSchema, 'Events with eventId > `after`, oldest first.'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow or run (`duro:workflow-not-found`).' }),
  },
});

const workflowLogs = createRoute({
  method: 'get',
  path: '/v1/workflows/{workflowId}/logs',
  tags: ['workflows'],
  summary: "Read a run's latest log lines",
  description: `What the run's workflow code, its local activities and its activity servers wrote with \`ctx.log\`, oldest first: the latest ${Limits.logLinesKept} a run keeps, outside history, removed with the run.`,
  request: { params: WorkflowParams, query: LogsQuery },
  responses: {
    200: json(LogPageSchema, 'Lines with seq > `after`, oldest first.'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow or run (`duro:workflow-not-found`).' }),
  },
});

export function registerWorkflowRoutes(app: OpenAPIHono, backend: ApiBackend): void {
  app.openapi(startWorkflow, async (c) => {
    const request = startRequestOf(c.req.valid('json'), backend, c.req.header('traceparent'));
    const { wait } = c.req.valid('query');
    const started = unwrap(await backend.execution(request.workflowId).start(wait > 0 ? { ...request, waitMs: wait } : request));
    const reply = { workflowId: started.workflowId, runId: started.runId, ...(started.outcome && { outcome: started.outcome }) };
    return started.started ? c.json(reply, 201) : c.json(reply, 200);
  });

  app.openapi(signalWithStart, async (c) => {
    const body = c.req.valid('json');
    const request = startRequestOf(body, backend, c.req.header('traceparent'));
    const reply = unwrap(await backend.execution(request.workflowId).signalWithStart({ ...request, signalName: body.signalName, signalArgs: body.signalArgs, ...definedFields({ requestId: body.requestId }) }));
    return c.json({ workflowId: reply.workflowId, runId: reply.runId, started: reply.started }, 200);
  });

  app.openapi(updateWithStart, async (c) => {
    const body = c.req.valid('json');
    const request = startRequestOf(body, backend, c.req.header('traceparent'));
    const update = { name: body.updateName, args: body.updateArgs, wait: 'completed' as const, ...definedFields({ updateId: body.updateId }) };
    const reply = unwrap(await backend.execution(request.workflowId).updateWithStart({ ...request, update }));
    return c.json({ workflowId: reply.workflowId, runId: reply.runId, started: reply.started, updateId: reply.updateId, outcome: reply.outcome! }, 200);
  });

  app.openapi(describeWorkflow, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    return c.json(unwrap(await backend.execution(workflowId).describe({ runId })), 200);
  });

  app.openapi(workflowResult, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { runId, wait, followRuns } = c.req.valid('query');
    const { runId: resultRunId, ...body } = unwrap(await backend.execution(workflowId).result({ runId, waitMs: wait, followRuns }));
    c.header(RUN_ID_HEADER, resultRunId);
    if (body.status === 'running') return c.json({ status: body.status }, 202);
    return c.json(body, 200);
  });

  app.openapi(workflowLogs, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { runId, after, limit } = c.req.valid('query');
    return c.json(unwrap(await backend.execution(workflowId).logs({ runId, afterSeq: after, limit })), 200);
  });

  app.openapi(workflowHistory, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { runId, after, limit } = c.req.valid('query');
    const page = unwrap(await backend.execution(workflowId).history({ runId, afterEventId: after, limit: limit ?? DEFAULT_HISTORY_LIMIT }));
    return c.json(page, 200);
  });
}

/**
 * The backend's start request out of a validated start body; an unknown workflow type is a 404. A request's W3C
 * `traceparent` (one not valid is ignored, as the standard asks) makes the run's span a child of the caller's.
 */
function startRequestOf(body: z.infer<typeof StartWorkflowBody>, backend: ApiBackend, traceparent: string | undefined): StartRequest {
  if (!backend.hasWorkflowType(body.workflowType)) {
    throw new ProblemError(problem(ProblemType.workflowTypeNotFound, `No workflow type '${body.workflowType}' is registered`, { workflowType: body.workflowType }));
  }
  return {
    workflowType: body.workflowType,
    workflowId: body.workflowId ?? crypto.randomUUID(),
    ...definedFields({
      input: body.input,
      idReusePolicy: body.idReusePolicy,
      idConflictPolicy: body.idConflictPolicy,
      executionTimeoutMs: body.executionTimeout,
      runTimeoutMs: body.runTimeout,
      startDelayMs: body.startDelay,
      memo: body.memo,
      searchAttributes: body.searchAttributes,
      retryPolicy: body.retryPolicy && retryPolicyOf(body.retryPolicy),
      trace: runTraceFrom(parseTraceparent(traceparent)),
    }),
  };
}

/** The resolved policy (defaults applied, milliseconds); an inconsistent one is a 400. */
function retryPolicyOf(policy: RetryPolicy): ResolvedRetryPolicy {
  try {
    return resolveRetryPolicy(policy);
  } catch (error) {
    throw new ProblemError(problem(ProblemType.invalidRequest, `retryPolicy: ${(error as Error).message}`));
  }
}
