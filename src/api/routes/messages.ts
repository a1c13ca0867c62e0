// Messages to a running workflow: signals, queries, updates, cancel, terminate, pause and unpause.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiBackend } from '../backend';
import { unwrap } from '../problems';
import {
  EmptyReply, MessageParams, QueryBody, QueryReply, ReasonBody, ResetBody, ResetReply, RunQuery, SignalBody, UpdateBody, UpdateReplySchema, WorkflowParams,
} from '../schemas';
import { COMMON_ERRORS, json, problems } from './responses';

const NOT_FOUND = { 404: 'No such workflow or run (`duro:workflow-not-found`).' } as const;
const CLOSED = { 409: 'The run is closed (`duro:workflow-closed`).' } as const;

const signalWorkflow = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflowId}/signals/{name}',
  tags: ['messages'],
  summary: 'Send a signal',
  description: 'Recorded once per `requestId`. `?runId=` targets a specific run (default the latest).',
  request: { params: MessageParams, query: RunQuery, body: { content: { 'application/json': { schema: SignalBody } }, required: true } },
  responses: { 202: json(EmptyReply, 'Recorded.'), ...problems({ ...COMMON_ERRORS, ...NOT_FOUND, ...CLOSED }) },
});

const queryWorkflow = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflowId}/queries/{name}',
  tags: ['messages'],
  summary: 'Run a query',
  request: { params: MessageParams, query: RunQuery, body: { content: { 'application/json': { schema: QueryBody } }, required: true } },
  responses: {
    200: json(QueryReply, 'The query handler’s answer.'),
    ...problems({
      ...COMMON_ERRORS,
      ...NOT_FOUND,
      400: 'Invalid request (`duro:invalid-request`), or no handler for this query (`duro:query-not-found`).',
      500: 'The query handler threw (`duro:query-failed`, with `failure`), or an internal error (`duro:internal`).',
    }),
  },
});

const updateWorkflow = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflowId}/updates/{name}',
  tags: ['messages'],
  summary: 'Run an update',
  description: 'A handler that fails still answers 200, with `outcome.failure`; a validator that rejects answers 400 `duro:update-rejected`.',
  request: { params: MessageParams, query: RunQuery, body: { content: { 'application/json': { schema: UpdateBody } }, required: true } },
  responses: {
    200: json(UpdateReplySchema, 'Accepted (and, with wait=completed, its outcome).'),
    ...problems({
      ...COMMON_ERRORS,
      ...NOT_FOUND,
      ...CLOSED,
      400: 'Invalid request (`duro:invalid-request`), or the validator rejected the update (`duro:update-rejected`, with `failure`).',
    }),
  },
});

const closeRoute = (action: 'cancel' | 'terminate' | 'pause' | 'unpause', summary: string) => createRoute({
  method: 'post',
  path: `/v1/workflows/{workflowId}/${action}`,
  tags: ['messages'],
  summary,
  request: { params: WorkflowParams, query: RunQuery, body: { content: { 'application/json': { schema: ReasonBody } }, required: true } },
  responses: { 202: json(EmptyReply, 'Recorded.'), ...problems({ ...COMMON_ERRORS, ...NOT_FOUND, ...CLOSED }) },
});

const cancelWorkflow = closeRoute('cancel', 'Request cancellation (the workflow may clean up)');
const terminateWorkflow = closeRoute('terminate', 'Terminate at once (no workflow code runs)');
const pauseWorkflow = closeRoute('pause', 'Pause: no activity is sent and no timer fires until unpaused; signals and updates are still recorded');
const unpauseWorkflow = closeRoute('unpause', 'Unpause: overdue timers fire and held activities are sent at once');

const resetWorkflow = createRoute({
  method: 'post',
  path: '/v1/workflows/{workflowId}/reset',
  tags: ['messages'],
  summary: 'Reset to the end of an earlier activation: a new run re-runs from there with the current code',
  description: 'The old run ends terminated with the reason; signals it received after that point are re-applied to the new run.',
  request: { params: WorkflowParams, query: RunQuery, body: { content: { 'application/json': { schema: ResetBody } }, required: true } },
  responses: { 201: json(ResetReply, 'The new run.'), ...problems({ ...COMMON_ERRORS, 400: 'Not a WorkflowTaskCompleted of the run, or children are pending there (`duro:bad-reset-point`).', ...NOT_FOUND }) },
});

export function registerMessageRoutes(app: OpenAPIHono, backend: ApiBackend): void {
  app.openapi(resetWorkflow, async (c) => {
    const { workflowId } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    const { eventId, reason } = c.req.valid('json');
    return c.json(unwrap(await backend.execution(workflowId).reset({ eventId, reason, runId })), 201);
  });

  app.openapi(signalWorkflow, async (c) => {
    const { workflowId, name } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    const { args, requestId } = c.req.valid('json');
    unwrap(await backend.execution(workflowId).signal({ name, args, requestId, runId }));
    return c.json({}, 202);
  });

  app.openapi(queryWorkflow, async (c) => {
    const { workflowId, name } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    const { args } = c.req.valid('json');
    const { result } = unwrap(await backend.execution(workflowId).query({ name, args, runId }));
    return c.json({ result }, 200);
  });

  app.openapi(updateWorkflow, async (c) => {
    const { workflowId, name } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    const { args, updateId, wait } = c.req.valid('json');
    const reply = unwrap(await backend.execution(workflowId).update({ name, args, updateId, wait, runId }));
    return c.json(reply, 200);
  });

  for (const [route, action] of [[cancelWorkflow, 'cancel'], [terminateWorkflow, 'terminate'], [pauseWorkflow, 'pause'], [unpauseWorkflow, 'unpause']] as const) {
    app.openapi(route, async (c) => {
      const { workflowId } = c.req.valid('param');
      const { runId } = c.req.valid('query');
      const { reason } = c.req.valid('json');
      unwrap(await backend.execution(workflowId)[action]({ reason, runId }));
      return c.json({}, 202);
    });
  }
}
