// Listing and counting executions, batch operations over a filter, and /metrics: the routes served by the
// Visibility shards. Each route asks every shard and merges; shards are fed asynchronously, so a run shows up
// here shortly after it changes (eventually consistent, as in Temporal).
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { mergeBatchProgress, type BatchSpec } from '../../visibility/batch';
import { FilterError, parseListFilter, type ListFilter, type RawListFilter } from '../../visibility/filter';
import { mergeSnapshots, renderPrometheus } from '../../visibility/metrics';
import { listAcrossShards } from '../../visibility/pager';
import type { ApiBackend, VisibilityShard } from '../backend';
import { problem, ProblemError, ProblemType } from '../problems';
import { BatchBody, BatchIdParams, BatchParams, BatchProgressSchema, BatchStartedReply, CountReply, ListQuery, ListReply } from '../visibility-schemas';
import { COMMON_ERRORS, json, problems } from './responses';

const NOT_CONFIGURED = { 501: 'No Visibility binding in this deployment (`duro:not-implemented`).' } as const;

const listWorkflows = createRoute({
  method: 'get',
  path: '/v1/workflows',
  tags: ['visibility'],
  summary: 'List executions, newest first',
  request: { query: ListQuery },
  responses: { 200: json(ListReply, 'One page.'), ...problems({ ...COMMON_ERRORS, ...NOT_CONFIGURED }) },
});

const countWorkflows = createRoute({
  method: 'get',
  path: '/v1/workflows/count',
  tags: ['visibility'],
  summary: 'Count executions, in all and by status',
  request: { query: ListQuery.omit({ pageSize: true, nextPageToken: true }) },
  responses: { 200: json(CountReply, 'The count.'), ...problems({ ...COMMON_ERRORS, ...NOT_CONFIGURED }) },
});

const startBatch = createRoute({
  method: 'post',
  path: '/v1/batch/{operation}',
  tags: ['visibility'],
  summary: 'Cancel, terminate or signal every execution a filter matches',
  description: 'Takes the executions the filter matches now and works through them in the background; follow with GET /v1/batch/{batchId}.',
  request: { params: BatchParams, body: { content: { 'application/json': { schema: BatchBody } }, required: true } },
  responses: { 202: json(BatchStartedReply, 'Started.'), ...problems({ ...COMMON_ERRORS, ...NOT_CONFIGURED }) },
});

const batchProgress = createRoute({
  method: 'get',
  path: '/v1/batch/{batchId}',
  tags: ['visibility'],
  summary: 'Progress of a batch operation',
  request: { params: BatchIdParams },
  responses: { 200: json(BatchProgressSchema, 'Its progress.'), ...problems({ ...COMMON_ERRORS, 404: 'No such batch (`duro:batch-not-found`).', ...NOT_CONFIGURED }) },
});

const metrics = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['operations'],
  summary: 'Metrics in Prometheus text format',
  responses: { 200: { description: 'Prometheus text exposition format 0.0.4.', content: { 'text/plain': { schema: z.string() } } }, ...problems(NOT_CONFIGURED) },
});

export function registerVisibilityRoutes(app: OpenAPIHono, backend: ApiBackend): void {
  const shards = (): VisibilityShard[] => {
    const all = backend.visibilityShards?.();
    if (!all || all.length === 0) {
      throw new ProblemError(problem(ProblemType.notImplemented, 'This deployment has no Visibility index: bind the Visibility Durable Object (see the README, "Duro in your own Worker").'));
    }
    return all;
  };

  app.openapi(listWorkflows, async (c) => {
    const { pageSize, nextPageToken, ...raw } = c.req.valid('query');
    const filter = filterOf({ ...raw, search: searchParams(c) });
    const page = await guardFilter(() => listAcrossShards(shards(), filter, pageSize, nextPageToken));
    return c.json(page, 200);
  });

  app.openapi(countWorkflows, async (c) => {
    const filter = filterOf({ ...c.req.valid('query'), search: searchParams(c) });
    const byStatus: Record<string, number> = {};
    for (const part of await Promise.all(shards().map((shard) => shard.countByStatus(filter)))) {
      for (const [status, n] of Object.entries(part)) byStatus[status] = (byStatus[status] ?? 0) + n;
    }
    return c.json({ count: Object.values(byStatus).reduce((sum, n) => sum + n, 0), byStatus }, 200);
  });

  app.openapi(startBatch, async (c) => {
    const { operation } = c.req.valid('param');
    const { reason, signalName, args, batchId, ...raw } = c.req.valid('json');
    const filter = filterOf(raw);
    if (Object.keys(filter).length === 0) throw invalid('A batch needs at least one filter (workflowType, status, startedAfter, startedBefore or search).');
    if (operation === 'signal' && signalName === undefined) throw invalid('A signal batch needs `signalName`.');
    const spec: BatchSpec = {
      batchId: batchId ?? crypto.randomUUID(),
      operation,
      filter,
      createdAt: Date.now(),
      ...(reason !== undefined && { reason }),
      ...(operation === 'signal' && { signalName: signalName!, args: args ?? [] }),
    };
    // Every shard must take its part; a shard that cannot is asked again (startBatch is idempotent by batchId).
    const matched = (await Promise.all(shards().map((shard) => withRetries(() => shard.startBatch(spec))))).reduce((sum, n) => sum + n, 0);
    return c.json({ batchId: spec.batchId, matched }, 202);
  });

  app.openapi(batchProgress, async (c) => {
    const { batchId } = c.req.valid('param');
    const progress = mergeBatchProgress(await Promise.all(shards().map((shard) => shard.batchProgress(batchId))));
    if (!progress) throw new ProblemError(problem(ProblemType.batchNotFound, `Batch ${batchId} not found`));
    return c.json(progress, 200);
  });

  app.openapi(metrics, async (c) => {
    // The Scheduler keeps its own series (how late schedule actions started): a deployment without one has none.
    const scheduler = backend.scheduler?.();
    // The Scheduler's series (schedule lag) are left out, not the whole reply, when it cannot answer: during a deploy
    // an object of the older code has no metrics() yet.
    const schedulerMetrics = scheduler?.metrics().catch((error: unknown) => {
      console.warn('duro: /metrics without the Scheduler\'s series:', error instanceof Error ? error.message : error);
      return undefined;
    });
    const snapshots = await Promise.all([...shards().map((shard) => shard.metrics()), schedulerMetrics]);
    const snapshot = mergeSnapshots(snapshots.filter((found) => found !== undefined));
    return c.text(renderPrometheus(snapshot), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
}

/** A shard call, tried up to three times: a shard restarting (a deploy) refuses calls for a moment. */
async function withRetries<T>(call: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** `search.<attribute>=<value>` query parameters. */
function searchParams(c: Context): Record<string, string> {
  const search: Record<string, string> = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (!key.startsWith('search.')) continue;
    const name = key.slice('search.'.length);
    if (values.length > 1) throw invalid(`search.${name} is given more than once`);
    search[name] = values[0]!;
  }
  return search;
}

function filterOf(raw: RawListFilter): ListFilter {
  try {
    return parseListFilter(raw);
  } catch (error) {
    if (error instanceof FilterError) throw invalid(error.message);
    throw error;
  }
}

async function guardFilter<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof FilterError) throw invalid(error.message);
    throw error;
  }
}

function invalid(detail: string): ProblemError {
  return new ProblemError(problem(ProblemType.invalidRequest, detail));
}
