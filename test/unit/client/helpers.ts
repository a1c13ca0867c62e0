// Helpers for the activity-server tests: signed activity requests as Duro sends them, and a fake Duro API
// (a real HTTP server on 127.0.0.1) that records heartbeat and completion callbacks.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { idempotencyKey, IDEMPOTENCY_KEY_HEADER, type ActivityRequest } from '../../../src/protocol/activity-protocol';
import { SIGNATURE_HEADER, signBody } from '../../../src/protocol/signature';
import { createTaskToken } from '../../../src/protocol/task-token';

export const SECRET = 'activity-test-secret';

/** One attempt of one activity, as the Durable Object host builds it. */
export async function activityRequest(overrides: Partial<ActivityRequest> = {}): Promise<ActivityRequest> {
  const task = {
    workflowId: 'order-1',
    runId: 'run-1',
    workflowType: 'order',
    activityId: '1',
    activityType: 'charge',
    taskQueue: 'payments',
    input: { amount: 42 },
    attempt: 1,
    scheduledAt: Date.now(),
    startedAt: Date.now(),
    ...overrides,
  };
  return { taskToken: await createTaskToken(SECRET, task), ...task };
}

export interface SignOptions {
  secret?: string;
  /** Signing time (ms); default now. */
  at?: number;
  /** Replaces the Duro-Signature header; `null` leaves it out. */
  signature?: string | null;
  /** Sent instead of the body that was signed. */
  tamperedBody?: string;
}

/** The POST Duro sends: JSON body, `Idempotency-Key`, `Duro-Signature`. */
export async function signedRequest(task: ActivityRequest | unknown, options: SignOptions = {}, url = 'http://activities.test/'): Promise<Request> {
  const body = JSON.stringify(task);
  const signature = options.signature === undefined ? await signBody(options.secret ?? SECRET, body, options.at) : options.signature;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (signature !== null) headers[SIGNATURE_HEADER] = signature;
  if (isTask(task)) headers[IDEMPOTENCY_KEY_HEADER] = idempotencyKey(task);
  return new Request(url, { method: 'POST', headers, body: options.tamperedBody ?? body });
}

function isTask(value: unknown): value is ActivityRequest {
  return typeof value === 'object' && value !== null && 'workflowId' in value && 'runId' in value && 'activityId' in value;
}

export interface Callback {
  path: string;
  body: { taskToken: string; details?: unknown; result?: unknown; failure?: Record<string, unknown>; logs?: string[] };
  at: number;
}

/** A stand-in for the Duro API's activity routes; `reply` decides each answer (default heartbeat 200 {cancelRequested:false}, complete 200 {}). */
export class FakeDuroApi {
  readonly calls: Callback[] = [];
  reply: (call: Callback) => { status: number; body: unknown } = (call) =>
    call.path === '/v1/activities/heartbeat' ? { status: 200, body: { cancelRequested: false } } : { status: 200, body: {} };
  readonly #server: Server;
  readonly #waiters: Array<{ match: (call: Callback) => boolean; resolve: (call: Callback) => void }> = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeDuroApi> {
    let api!: FakeDuroApi;
    const server = createServer((req, res) => void api.#handle(req).then(({ status, body }) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    }));
    api = new FakeDuroApi(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  callsTo(path: string): Callback[] {
    return this.calls.filter((call) => call.path === path);
  }

  /** Resolves with the first call (past or future) that matches; rejects after `timeoutMs`. */
  next(path: string, match: (call: Callback) => boolean = () => true, timeoutMs = 5_000): Promise<Callback> {
    const test = (call: Callback) => call.path === path && match(call);
    const seen = this.calls.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no call to ${path} within ${timeoutMs} ms`)), timeoutMs);
      this.#waiters.push({ match: test, resolve: (call) => (clearTimeout(timer), resolve(call)) });
    });
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const call: Callback = { path: new URL(req.url ?? '/', 'http://x').pathname, body: JSON.parse(text), at: Date.now() };
    this.calls.push(call);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.match(call)) continue;
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      waiter.resolve(call);
    }
    return this.reply(call);
  }
}

/** A promise and its resolve function, to let a test release an activity. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets every pending timer of 0 ms and I/O callback run: used to show that something did *not* happen. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}
