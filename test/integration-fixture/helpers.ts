// Talking to the fixture Worker (test/fixtures/integration-worker) as a client would: through its fetch
// handler, in the same workerd as the Durable Objects. No sleeps: long-polls and polling with a deadline.
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';
import { pollUntil } from '../support/poll';

export interface HistoryEvent {
  type: string;
  eventId: number;
  timestamp: number;
  [field: string]: unknown;
}

export interface Description {
  workflowId: string;
  runId: string;
  status: string;
  historyLength: number;
  pendingActivities: Array<{ activityId: string; activityType: string; attempt: number; state: string; heartbeatDetails?: unknown; lastFailure?: { type: string; message: string } }>;
  pendingTimers: Array<{ timerId: string; fireAt: number }>;
  blockedReason?: string;
}

export function api(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(`http://duro.test${path}`, init));
}

export function post(path: string, body: unknown): Promise<Response> {
  return api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** A workflow id no other test uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

export async function start(workflowType: string, workflowId: string, input?: unknown): Promise<string> {
  const res = await post('/v1/workflows', { workflowType, workflowId, ...(input === undefined ? {} : { input }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { runId: string }).runId;
}

/** Long-polls the result endpoint; `status` is the HTTP status (200 closed, 202 still running). */
export async function result(workflowId: string, query = 'wait=8s'): Promise<{ status: number; body: Record<string, any> }> {
  const res = await api(`/v1/workflows/${workflowId}/result?${query}`);
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

export async function describe(workflowId: string, runId?: string): Promise<Description> {
  const res = await api(`/v1/workflows/${workflowId}${runId ? `?runId=${runId}` : ''}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Description;
}

export async function history(workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const res = await api(`/v1/workflows/${workflowId}/history${runId ? `?runId=${runId}` : ''}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { events: HistoryEvent[] }).events;
}

export async function signal(workflowId: string, name: string, args: unknown[] = []): Promise<Response> {
  return post(`/v1/workflows/${workflowId}/signals/${name}`, { args });
}

/** Polls `probe` until it returns a truthy value; fails after `timeoutMs`. */
export function eventually<T>(probe: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<NonNullable<T>> {
  return pollUntil(probe, what, timeoutMs);
}

/** Waits until the run's history contains an event of `type` (`count` of them). */
export function historyReaches(workflowId: string, type: string, count = 1): Promise<HistoryEvent[]> {
  return eventually(async () => {
    const events = await history(workflowId);
    return events.filter((event) => event.type === type).length >= count ? events : undefined;
  }, 5_000, `${count} ${type} in the history of ${workflowId}`);
}

/** The Durable Object that holds `workflowId`. */
export function executionStub(workflowId: string): DurableObjectStub {
  const namespace = env.WORKFLOW_EXECUTION as unknown as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(workflowId));
}

/** The history without what differs between two runs of the same code: ids, times, seeds. */
export function shapeOf(events: HistoryEvent[]): Array<Record<string, unknown>> {
  const ignored = new Set(['eventId', 'timestamp', 'workflowId', 'runId', 'firstRunId', 'randomnessSeed', 'fireAt', 'codeVersion']);
  return events.map((event) => Object.fromEntries(Object.entries(event).filter(([key]) => !ignored.has(key))));
}
