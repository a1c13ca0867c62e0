// Raw HTTP against the REST API of a running `wrangler dev` (docs/api.md), for the end-to-end API tests:
// calls with or without the bearer token, problem+json assertions, whole histories and before/after snapshots.
import { expect } from 'vitest';

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: any;
}

export interface HistoryEvent {
  eventId: number;
  type: string;
  timestamp: number;
  [field: string]: any;
}

/** What a run looks like from outside: compared before and after a refused request. */
export interface RunSnapshot {
  status: string;
  historyLength: number;
  eventIds: number[];
}

export interface CallOptions {
  /** The body as sent, byte for byte (malformed JSON, escapes); `body` is JSON-encoded otherwise. */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
  /** `undefined` sends no Authorization header; default the API's token. */
  token?: string | undefined;
}

export class ApiHttp {
  constructor(readonly baseUrl: string, readonly token: string) {}

  async call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = { ...options.headers };
    const token = 'token' in options ? options.token : this.token;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const payload = options.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload, signal: AbortSignal.timeout(60_000) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, headers: response.headers, text, body: parsed };
  }

  /** POST /v1/workflows, expecting 201. */
  async start(workflowType: string, workflowId: string, input?: unknown, extra: Record<string, unknown> = {}): Promise<{ workflowId: string; runId: string }> {
    const reply = await this.call('POST', '/v1/workflows', { workflowType, workflowId, ...(input !== undefined && { input }), ...extra });
    expect(reply.status, reply.text).toBe(201);
    return reply.body;
  }

  async describe(workflowId: string, runId?: string): Promise<Reply> {
    return this.call('GET', `/v1/workflows/${encodeURIComponent(workflowId)}${runId ? `?runId=${encodeURIComponent(runId)}` : ''}`);
  }

  /** Long-polls until the run closes (at most `deadlineMs`), answering the 200 body. */
  async resultOf(workflowId: string, runId?: string, deadlineMs = 30_000): Promise<any> {
    const deadline = Date.now() + deadlineMs;
    const run = runId ? `&runId=${encodeURIComponent(runId)}` : '';
    for (;;) {
      const reply = await this.call('GET', `/v1/workflows/${encodeURIComponent(workflowId)}/result?wait=10s${run}`);
      if (reply.status === 200) return reply.body;
      expect(reply.status, reply.text).toBe(202);
      if (Date.now() > deadline) throw new Error(`${workflowId} did not close within ${deadlineMs} ms`);
    }
  }

  /** The whole history of a run, a page of `pageSize` at a time. */
  async historyOf(workflowId: string, runId?: string, pageSize = 1_000): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    const run = runId ? `&runId=${encodeURIComponent(runId)}` : '';
    for (let after = 0; ;) {
      const page = await this.call('GET', `/v1/workflows/${encodeURIComponent(workflowId)}/history?after=${after}&limit=${pageSize}${run}`);
      expect(page.status, page.text).toBe(200);
      if (page.body.events.length === 0) return events;
      events.push(...page.body.events);
      after = page.body.nextEventId - 1;
    }
  }

  async snapshot(workflowId: string, runId?: string): Promise<RunSnapshot> {
    const described = await this.describe(workflowId, runId);
    expect(described.status, described.text).toBe(200);
    const events = await this.historyOf(workflowId, runId);
    return { status: described.body.status, historyLength: described.body.historyLength, eventIds: events.map((event) => event.eventId) };
  }

  /** Polls describe until `predicate` holds; for state an operation changes asynchronously. */
  async describeUntil(workflowId: string, predicate: (description: any) => boolean, timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const described = await this.describe(workflowId);
      expect(described.status, described.text).toBe(200);
      if (predicate(described.body)) return described.body;
      if (Date.now() > deadline) throw new Error(`${workflowId} never reached the expected state: ${described.text}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** Asserts an RFC 9457 problem of `status` and `type`. */
export function expectProblem(reply: Reply, status: number, type: string): void {
  expect(reply.status, reply.text.slice(0, 500)).toBe(status);
  expect(reply.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ type, status, title: expect.any(String), detail: expect.any(String) });
}

/** Asserts `actual === expected` for long strings, reporting lengths and the first difference instead of megabytes of diff. */
export function expectSameText(actual: unknown, expected: string, what: string): void {
  if (actual === expected) return;
  if (typeof actual !== 'string') throw new Error(`${what}: expected a string of ${expected.length} code units, got ${typeof actual}`);
  let at = 0;
  while (at < Math.min(actual.length, expected.length) && actual[at] === expected[at]) at++;
  throw new Error(`${what}: ${actual.length} code units instead of ${expected.length}; first difference at ${at}: `
    + `${JSON.stringify(actual.slice(Math.max(0, at - 8), at + 8))} instead of ${JSON.stringify(expected.slice(Math.max(0, at - 8), at + 8))}`);
}

/** A JSON string value whose encoding (quotes included) is exactly `bytes` bytes of ASCII. */
export function asciiPayload(bytes: number): string {
  return 'a'.repeat(bytes - 2);
}

/** UTF-8 bytes of `value` encoded as JSON: what the server counts against the 2 MiB limit (src/core/payload.ts). */
export function encodedSize(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}

/** JSON with every non-ASCII character written as a \u escape: the same value, three times the bytes for emoji. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
