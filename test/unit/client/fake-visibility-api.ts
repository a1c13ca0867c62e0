// A stand-in for the list, count, batch and history routes (docs/api.md), as a fetch function: it serves
// executions and histories it is given, records every request, and pages the way the real API does.
import type { HistoryEvent } from 'duro/workflow';
import type { BatchDescription, ExecutionInfo } from 'duro/client';

export interface RecordedRequest {
  method: string;
  origin: string;
  path: string;
  query: URLSearchParams;
  body: any;
  authorization: string | null;
}

export class FakeVisibilityApi {
  readonly requests: RecordedRequest[] = [];
  /** Newest first, as the API lists them. */
  executions: ExecutionInfo[] = [];
  /** Histories by run id. */
  histories = new Map<string, HistoryEvent[]>();
  batches = new Map<string, BatchDescription>();

  readonly fetch = async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const text = await request.text();
    const recorded: RecordedRequest = { method: request.method, origin: url.origin, path: url.pathname, query: url.searchParams, body: text ? JSON.parse(text) : undefined, authorization: request.headers.get('authorization') };
    this.requests.push(recorded);
    return this.#route(recorded);
  };

  /** The requests to one path (without query). */
  requestsTo(path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.path === path);
  }

  #route({ method, path, query, body }: RecordedRequest): Response {
    if (method === 'GET' && path === '/v1/workflows') return this.#list(query);
    if (method === 'GET' && path === '/v1/workflows/count') {
      const matched = this.#matching(query);
      const byStatus: Record<string, number> = {};
      for (const execution of matched) byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
      return json(200, { count: matched.length, byStatus });
    }
    const batch = /^\/v1\/batch\/(cancel|terminate|signal)$/.exec(path);
    if (method === 'POST' && batch) {
      const batchId = `batch-${this.batches.size + 1}`;
      const matched = this.executions.filter((e) => (!body.workflowType || e.workflowType === body.workflowType) && (!body.status || [body.status].flat().includes(e.status))).length;
      this.batches.set(batchId, { batchId, operation: batch[1] as 'cancel', status: 'running', matched, succeeded: 0, failed: 0, skipped: 0, failures: [], createdAt: Date.UTC(2025, 1, 1) });
      return json(202, { batchId, matched });
    }
    const batchStatus = /^\/v1\/batch\/([^/]+)$/.exec(path);
    if (method === 'GET' && batchStatus) {
      const found = this.batches.get(decodeURIComponent(batchStatus[1]!));
      return found ? json(200, found) : problem(404, 'duro:batch-not-found', 'no such batch');
    }
    const history = /^\/v1\/workflows\/([^/]+)\/history$/.exec(path);
    if (method === 'GET' && history) return this.#history(query);
    return problem(404, 'duro:not-found', `${method} ${path}`);
  }

  #matching(query: URLSearchParams): ExecutionInfo[] {
    const type = query.get('workflowType');
    const statuses = query.get('status')?.split(',');
    return this.executions.filter((e) => (!type || e.workflowType === type) && (!statuses || statuses.includes(e.status)));
  }

  /** Pages by offset; the token is the offset, bound to nothing (the real one is opaque). */
  #list(query: URLSearchParams): Response {
    const pageSize = Number(query.get('pageSize') ?? 100);
    const offset = Number(query.get('nextPageToken') ?? 0);
    const matched = this.#matching(query);
    const executions = matched.slice(offset, offset + pageSize);
    const next = offset + pageSize;
    return json(200, next < matched.length ? { executions, nextPageToken: String(next) } : { executions });
  }

  #history(query: URLSearchParams): Response {
    const events = this.histories.get(query.get('runId') ?? '');
    if (!events) return problem(404, 'duro:workflow-not-found', 'no such run');
    const after = Number(query.get('after') ?? 0);
    const limit = Number(query.get('limit') ?? 1000);
    const page = events.filter((event) => event.eventId > after).slice(0, limit);
    return json(200, { events: page, nextEventId: (page.at(-1)?.eventId ?? after) + 1 });
  }
}

/** An execution row with defaults. */
export function execution(overrides: Partial<ExecutionInfo> & { workflowId: string }): ExecutionInfo {
  return { runId: `run-${overrides.workflowId}`, workflowType: 'order', status: 'running', startTime: Date.UTC(2025, 0, 31, 12), memo: {}, searchAttributes: {}, ...overrides };
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, type: string, detail: string): Response {
  return new Response(JSON.stringify({ type, title: 'Refused', status, detail }), { status, headers: { 'content-type': 'application/problem+json' } });
}
