// Schedules (docs/api.md): cron or interval calendars that start workflows, kept by the Scheduler object.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { SchedulerRpc } from '../../protocol/scheduler-rpc';
import { FilterError, parseInstant } from '../../visibility/filter';
import type { ApiBackend } from '../backend';
import { problem, ProblemError, ProblemType, unwrap } from '../problems';
import { ScheduleBody, ScheduleDescriptionSchema, ScheduleListReply, ScheduleParams, TriggerReply } from '../schedule-schemas';
import { EmptyReply } from '../schemas';
import { COMMON_ERRORS, json, problems } from './responses';

const NOT_CONFIGURED = { 501: 'No Scheduler binding in this deployment (`duro:not-implemented`).' } as const;
const NOT_FOUND = { 404: 'No such schedule (`duro:schedule-not-found`).' } as const;

const createSchedule = createRoute({
  method: 'post',
  path: '/v1/schedules',
  tags: ['schedules'],
  summary: 'Create a schedule',
  request: { body: { content: { 'application/json': { schema: ScheduleBody } }, required: true } },
  responses: {
    201: json(ScheduleDescriptionSchema, 'Created.'),
    ...problems({ ...COMMON_ERRORS, 404: 'No such workflow type (`duro:workflow-type-not-found`).', 409: 'The schedule id is taken (`duro:schedule-already-exists`).', ...NOT_CONFIGURED }),
  },
});

const listSchedules = createRoute({
  method: 'get',
  path: '/v1/schedules',
  tags: ['schedules'],
  summary: 'List schedules with their next run times',
  responses: { 200: json(ScheduleListReply, 'Every schedule.'), ...problems(NOT_CONFIGURED) },
});

const describeSchedule = createRoute({
  method: 'get',
  path: '/v1/schedules/{scheduleId}',
  tags: ['schedules'],
  summary: 'Describe a schedule',
  request: { params: ScheduleParams },
  responses: { 200: json(ScheduleDescriptionSchema, 'The schedule.'), ...problems({ ...NOT_FOUND, ...NOT_CONFIGURED }) },
});

const deleteSchedule = createRoute({
  method: 'delete',
  path: '/v1/schedules/{scheduleId}',
  tags: ['schedules'],
  summary: 'Delete a schedule (its running actions go on)',
  request: { params: ScheduleParams },
  responses: { 200: json(EmptyReply, 'Deleted.'), ...problems({ ...NOT_FOUND, ...NOT_CONFIGURED }) },
});

const action = (name: 'pause' | 'unpause' | 'trigger', summary: string) => createRoute({
  method: 'post',
  path: `/v1/schedules/{scheduleId}/${name}`,
  tags: ['schedules'],
  summary,
  request: { params: ScheduleParams },
  responses: { 202: json(name === 'trigger' ? TriggerReply : EmptyReply, name === 'trigger' ? 'Started; the action\'s workflow id.' : 'Done.'), ...problems({ ...NOT_FOUND, ...NOT_CONFIGURED }) },
});

export function registerScheduleRoutes(app: OpenAPIHono, backend: ApiBackend): void {
  const scheduler = (): SchedulerRpc => {
    const stub = backend.scheduler?.();
    if (!stub) throw new ProblemError(problem(ProblemType.notImplemented, 'This deployment has no Scheduler: bind the Scheduler Durable Object (see the README, "Duro in your own Worker").'));
    return stub;
  };

  app.openapi(createSchedule, async (c) => {
    const { scheduleId, workflowType, input, overlap, paused, startAt, endAt, ...calendar } = c.req.valid('json');
    if (!backend.hasWorkflowType(workflowType)) throw new ProblemError(problem(ProblemType.workflowTypeNotFound, `No workflow type '${workflowType}' is registered`, { workflowType }));
    const spec = {
      ...calendar,
      ...(startAt !== undefined && { startAt: instant(startAt, 'startAt') }),
      ...(endAt !== undefined && { endAt: instant(endAt, 'endAt') }),
    };
    const created = unwrap(await scheduler().create({ scheduleId, spec, workflowType, ...(input !== undefined && { input }), overlap: overlap ?? 'skip', paused: paused ?? false }));
    return c.json(created, 201);
  });

  app.openapi(listSchedules, async (c) => c.json(await scheduler().list(), 200));

  app.openapi(describeSchedule, async (c) => c.json(unwrap(await scheduler().describe(c.req.valid('param').scheduleId)), 200));

  app.openapi(deleteSchedule, async (c) => {
    unwrap(await scheduler().remove(c.req.valid('param').scheduleId));
    return c.json({}, 200);
  });

  app.openapi(action('pause', 'Pause a schedule'), async (c) => {
    unwrap(await scheduler().setPaused(c.req.valid('param').scheduleId, true));
    return c.json({}, 202);
  });

  app.openapi(action('unpause', 'Unpause a schedule (times missed while paused are not run)'), async (c) => {
    unwrap(await scheduler().setPaused(c.req.valid('param').scheduleId, false));
    return c.json({}, 202);
  });

  app.openapi(action('trigger', 'Start an action now, besides the calendar'), async (c) => {
    return c.json(unwrap(await scheduler().trigger(c.req.valid('param').scheduleId)), 202);
  });
}

function instant(value: string | number, field: string): number {
  try {
    return parseInstant(value, field);
  } catch (error) {
    if (error instanceof FilterError) throw new ProblemError(problem(ProblemType.invalidRequest, error.message));
    throw error;
  }
}
