// Schemas of the visibility routes (list, count, batch operations), beside schemas.ts for the run routes.
import { z } from '@hono/zod-openapi';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../visibility/pager';
import { NameKind } from '../core/names';
import { args as signalArgs, existingName, newName, STATUSES, WorkflowDescriptionSchema } from './schemas';

const queryParam = (name: string, description: string, example?: string) =>
  z.preprocess((value) => (value === '' ? undefined : value), z.string().max(1_000).optional()).openapi({ param: { name, in: 'query' }, description, ...(example && { example }) });

export const ListQuery = z.object({
  workflowType: queryParam('workflowType', 'Only executions of this workflow type.'),
  status: queryParam('status', `Only executions in one of these statuses (comma-separated): ${STATUSES.join(', ')}.`, 'running,failed'),
  startedAfter: queryParam('startedAfter', 'Only executions started after this time (ISO 8601 or epoch ms, exclusive).', '2026-11-25T00:00:00Z'),
  startedBefore: queryParam('startedBefore', 'Only executions started before this time (ISO 8601 or epoch ms, exclusive).'),
  pageSize: z.preprocess((value) => (value === '' ? undefined : value), z.string().regex(/^[1-9]\d*$/, 'must be a positive integer').optional())
    .transform((value) => (value === undefined ? DEFAULT_PAGE_SIZE : Math.min(Number(value), MAX_PAGE_SIZE)))
    .openapi({ param: { name: 'pageSize', in: 'query' }, type: 'integer', description: `Executions per page. Default ${DEFAULT_PAGE_SIZE}, at most ${MAX_PAGE_SIZE} (larger sizes are shortened).` }),
  nextPageToken: queryParam('nextPageToken', 'The `nextPageToken` of the previous page; pass the same filters with it.'),
}).openapi({
  description: 'Search attributes filter as `search.<attribute>=<value>` (repeat for several; all must match; a keyword list matches any of its elements).',
});

/** One execution as the index keeps it: the identifying fields of a description. */
export const ExecutionInfoSchema = z.object(WorkflowDescriptionSchema.pick({
  workflowId: true, runId: true, workflowType: true, status: true, startTime: true, closeTime: true, memo: true, searchAttributes: true,
}).shape).openapi('ExecutionInfo');

export const ListReply = z.object({
  executions: z.array(ExecutionInfoSchema).openapi({ description: 'Newest start first.' }),
  nextPageToken: z.string().optional().openapi({ description: 'Present when more executions follow.' }),
}).openapi('ListWorkflowsReply');

export const CountReply = z.object({
  count: z.number().int(),
  byStatus: z.record(z.string(), z.number().int()),
}).openapi('CountWorkflowsReply');

const SearchFilterBody = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const BatchBody = z.strictObject({
  workflowType: z.string().min(1).max(1_000).optional(),
  status: z.union([z.string().max(1_000), z.array(z.string().max(100)).max(10)]).optional().openapi({ description: 'A status, comma-separated statuses, or an array.' }),
  startedAfter: z.union([z.string().max(100), z.number()]).optional(),
  startedBefore: z.union([z.string().max(100), z.number()]).optional(),
  search: SearchFilterBody.optional().openapi({ description: 'Search attributes that must match, as in `search.<attribute>=<value>`.' }),
  reason: z.string().max(10_000).optional().openapi({ description: 'Recorded with each cancel or terminate.' }),
  signalName: newName(NameKind.signalName, 'For `signal`: the signal to send.').optional(),
  args: signalArgs('batch signal'),
  batchId: newName(NameKind.batchId, 'Your id for this batch: sending the same request again with it starts nothing new (use it to retry after an error).')
    .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only').optional(),
}).openapi('BatchRequest', { description: 'The filters of GET /v1/workflows (at least one), and what to do.' });

export const BatchParams = z.object({
  operation: z.enum(['cancel', 'terminate', 'signal']).openapi({ param: { name: 'operation', in: 'path' } }),
});

export const BatchIdParams = z.object({
  batchId: existingName(NameKind.batchId, 'The batch id.').openapi({ param: { name: 'batchId', in: 'path' } }),
});

export const BatchStartedReply = z.object({ batchId: z.string(), matched: z.number().int() }).openapi('BatchStarted');

export const BatchProgressSchema = z.object({
  batchId: z.string(),
  operation: z.enum(['cancel', 'terminate', 'signal']),
  status: z.enum(['running', 'completed']),
  matched: z.number().int(),
  succeeded: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int().openapi({ description: 'Already closed when their turn came.' }),
  failures: z.array(z.object({ workflowId: z.string(), runId: z.string(), type: z.string(), detail: z.string() })),
  createdAt: z.number(),
  completedAt: z.number().optional(),
}).openapi('BatchProgress');
