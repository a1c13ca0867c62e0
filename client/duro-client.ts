// DuroClient: the REST API (docs/api.md) as typed calls, over fetch — Node 20, browsers, Workers, Deno, Bun.
// Typed by the same defineWorkflow/defineSignal/defineQuery/defineUpdate definitions the workflows use.
import { mapDescriptionPayloads } from '../src/core/describe';
import { RunPayloads } from '../src/core/payloads/run-payloads';
import type { PayloadConverter } from '../src/core/payloads/envelope';
import {
  WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRejectedError,
} from '../src/core/client-errors';
import { brandClass } from '../src/core/brand';
import { nameOf, type QueryDefinition, type SignalDefinition, type UpdateDefinition, type WorkflowDefinition, type WorkflowInput, type WorkflowOutput } from '../src/core/definitions';
import type { Duration } from '../src/core/duration';
import type { RetryPolicy } from '../src/core/retry-policy';
import { toFailureInfo, type FailureInfo } from '../src/core/failure';
import type { HistoryEvent, Outcome, SearchAttributes } from '../src/core/history';
import type { HistoryPage, IdConflictPolicy, IdReusePolicy, ResultReply, WorkflowDescription } from '../src/protocol/execution-rpc';
import type { Problem } from '../src/protocol/problem-types';
import { followLogs, type FollowLogsOptions, type KeptLog, type LogPage, type LogsOptions } from './follow-logs';
import {
  batchBody, filterQuery, type BatchCloseOptions, type BatchDescription, type BatchSignalOptions, type BatchStarted, type CountReply, type ExecutionInfo,
  type ListFilter, type ListOptions, type ListPage, type ListPageOptions,
} from './visibility';

export interface DuroClientOptions {
  /** Base URL of the Duro Worker, e.g. `https://duro.example.workers.dev`. */
  baseUrl?: string;
  /** `DURO_API_TOKEN`, sent as a bearer token. */
  token?: string;
  /** A fetch of your own: a service binding (`env.DURO`) or a test's. */
  fetch?: (request: Request) => Promise<Response>;
  /** Long-poll window of each `result()` request. Default 30 s (the server caps it at 60 s). */
  resultPollWait?: Duration;
  /**
   * How the values this client sends are written (docs/payloads.md): `json` (default) or `rich` (Date, Map, Set,
   * BigInt, bytes…), as the Worker's `payloads.converter`. Values it receives are read by their mark, whatever this says.
   */
  payloads?: { converter?: PayloadConverter };
}

export interface StartWorkflowOptions<I = unknown> {
  workflowId?: string;
  input?: I;
  idReusePolicy?: IdReusePolicy;
  idConflictPolicy?: IdConflictPolicy;
  executionTimeout?: Duration;
  runTimeout?: Duration;
  startDelay?: Duration;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The workflow's retry policy; `result()` follows the attempts. */
  retryPolicy?: RetryPolicy;
}

export interface CreateScheduleOptions {
  scheduleId: string;
  workflowType: string;
  input?: unknown;
  /** A cron expression (5 fields, or 6 with seconds); give `cron` or `every`. */
  cron?: string;
  /** A fixed interval, aligned to `startAt` (or the epoch). */
  every?: Duration;
  /** IANA zone of `cron`; default UTC. */
  timezone?: string;
  jitter?: Duration;
  catchupWindow?: Duration;
  startAt?: Date | string | number;
  endAt?: Date | string | number;
  overlap?: 'skip' | 'bufferOne' | 'allowAll';
  paused?: boolean;
}

export interface ScheduleDescription {
  scheduleId: string;
  workflowType: string;
  input?: unknown;
  spec: Record<string, unknown>;
  overlap: 'skip' | 'bufferOne' | 'allowAll';
  paused: boolean;
  createdAt: number;
  /** The next scheduled times (epoch ms, before jitter); empty while paused. */
  nextRunTimes: number[];
  state: {
    actions: number;
    skippedOverlap: number;
    missedCatchup: number;
    buffered?: number;
    lastAction?: { scheduledTime: number; workflowId: string; startedAt: number };
  };
}

/** A response the API refused, with its problem+json body. */
export class DuroApiError extends Error {
  static {
    brandClass(this, 'DuroApiError');
  }

  constructor(readonly status: number, readonly problem: Problem) {
    super(`${problem.type}: ${problem.detail}`);
    this.name = 'DuroApiError';
  }

  get type(): string {
    return this.problem.type;
  }
}

type Named<D> = D | string;

/**
 * @example
 * const client = new DuroClient({ baseUrl: 'http://127.0.0.1:8787' });
 * const handle = await client.start(order, { workflowId: 'order-42', input: { id: '42' } });
 * await handle.signal(approve, 'ada');
 * console.log(await handle.result());
 */
export class DuroClient {
  readonly #baseUrl: string;
  readonly #token: string | undefined;
  readonly #fetch: (request: Request) => Promise<Response>;
  readonly #resultPollWait: Duration;
  /** @internal How this client writes what it sends and reads what it is answered. */
  readonly payloads: RunPayloads;

  constructor(options: DuroClientOptions = {}) {
    this.payloads = RunPayloads.forCaller(options.payloads?.converter);
    this.#baseUrl = (options.baseUrl ?? 'http://duro.internal').replace(/\/+$/, '');
    this.#token = options.token;
    this.#fetch = options.fetch ?? ((request) => fetch(request));
    this.#resultPollWait = options.resultPollWait ?? '30s';
  }

  /** Starts a workflow; resolves with its handle once the start is recorded. */
  async start<W extends WorkflowDefinition>(workflow: Named<W>, options: StartWorkflowOptions<WorkflowInput<W>> = {}): Promise<WorkflowHandle<W>> {
    const reply = await this.#start(workflow, options);
    return new WorkflowHandle<W>(this, reply.workflowId, reply.runId);
  }

  /** `POST /v1/workflows`, with `wait` when given: the reply then carries the run's outcome if it closed meanwhile. */
  async #start(workflow: Named<WorkflowDefinition>, options: StartWorkflowOptions<unknown>, wait?: Duration): Promise<{ workflowId: string; runId: string; outcome?: ResultReply }> {
    const body = startBody(nameOf(workflow), options, this.payloads);
    try {
      return await this.request('POST', `/v1/workflows${wait === undefined ? '' : `?wait=${encodeURIComponent(String(wait))}`}`, body);
    } catch (error) {
      if (error instanceof DuroApiError && error.type === 'duro:workflow-already-started') {
        throw new WorkflowExecutionAlreadyStartedError(options.workflowId ?? '', String(error.problem.runId ?? ''));
      }
      throw error;
    }
  }

  /**
   * Signals the running workflow of `options.workflowId`, or starts it with the signal delivered first.
   * @example await client.signalWithStart(cart, { workflowId: 'cart-7', signal: addItem, signalArgs: [{ sku: 'a', qty: 1 }] });
   */
  async signalWithStart<W extends WorkflowDefinition, Args extends unknown[]>(
    workflow: Named<W>,
    options: StartWorkflowOptions<WorkflowInput<W>> & { workflowId: string; signal: Named<SignalDefinition<Args>>; signalArgs?: Args; requestId?: string },
  ): Promise<WorkflowHandle<W> & { started: boolean }> {
    const { signal, signalArgs, requestId, ...start } = options;
    const body = { ...startBody(nameOf(workflow), start, this.payloads), signalName: nameOf(signal), signalArgs: this.payloads.writeArgs(signalArgs ?? [], `Arguments of signal '${nameOf(signal)}'`), requestId: requestId ?? crypto.randomUUID() };
    const reply = await this.request<{ workflowId: string; runId: string; started: boolean }>('POST', '/v1/workflows/signal-with-start', body);
    return Object.assign(new WorkflowHandle<W>(this, reply.workflowId), { started: reply.started });
  }

  /**
   * Starts a workflow and waits for its result. The start request itself waits (`POST /v1/workflows?wait=`), so a
   * workflow that finishes within the client's `resultPollWait` costs one round trip; a longer one is long-polled.
   */
  async execute<W extends WorkflowDefinition>(workflow: Named<W>, options: StartWorkflowOptions<WorkflowInput<W>> = {}): Promise<WorkflowOutput<W>> {
    return (await this.startAndWait(workflow, options)).result;
  }

  /**
   * @internal Starts a workflow and waits for its result (as `execute`), giving the handle too (the CLI prints its ids).
   * `result` is a promise that rejects with `WorkflowFailedError` when the run did not complete.
   */
  async startAndWait<W extends WorkflowDefinition>(workflow: Named<W>, options: StartWorkflowOptions<WorkflowInput<W>> = {}): Promise<{ handle: WorkflowHandle<W>; result: Promise<WorkflowOutput<W>> }> {
    const reply = await this.#start(workflow, options, this.#resultPollWait);
    const handle = new WorkflowHandle<W>(this, reply.workflowId, reply.runId);
    const { outcome } = reply;
    const stillRunning = outcome === undefined || outcome.status === 'running' || outcome.status === 'continuedAsNew';
    const result = stillRunning ? handle.result() : Promise.resolve().then(() => handle.outcomeOf(outcome));
    result.catch(() => undefined); // the caller awaits it; a failure must not surface as unhandled before it does
    return { handle, result };
  }

  /** A handle on an existing workflow (its latest run, or `runId`). */
  getHandle<W extends WorkflowDefinition = WorkflowDefinition>(workflowId: string, runId?: string): WorkflowHandle<W> {
    return new WorkflowHandle<W>(this, workflowId, runId);
  }

  /**
   * Every execution the filter matches, newest first, fetched a page at a time as you iterate.
   * @example
   * for await (const execution of client.list({ workflowType: 'order', status: ['failed', 'timedOut'] })) {
   *   console.log(execution.workflowId, execution.status);
   * }
   */
  async *list(filter: ListFilter = {}, options: ListOptions = {}): AsyncIterable<ExecutionInfo> {
    let nextPageToken: string | undefined;
    do {
      const page = await this.listPage(filter, { ...options, ...(nextPageToken !== undefined && { nextPageToken }) });
      yield* page.executions;
      nextPageToken = page.nextPageToken;
    } while (nextPageToken);
  }

  /**
   * One page of `list`; pass its `nextPageToken` back for the next one.
   * @example const { executions, nextPageToken } = await client.listPage({ status: 'running' }, { pageSize: 50 });
   */
  async listPage(filter: ListFilter = {}, options: ListPageOptions = {}): Promise<ListPage> {
    const page = await this.request<ListPage>('GET', `/v1/workflows${filterQuery(filter, { pageSize: options.pageSize, nextPageToken: options.nextPageToken })}`);
    return { ...page, executions: page.executions.map((execution) => (execution.memo ? { ...execution, memo: this.payloads.readRecord(execution.memo) } : execution)) };
  }

  /**
   * How many executions the filter matches, in all and by status.
   * @example const { count, byStatus } = await client.count({ workflowType: 'order' });
   */
  async count(filter: ListFilter = {}): Promise<CountReply> {
    return this.request('GET', `/v1/workflows/count${filterQuery(filter)}`);
  }

  /**
   * Cancels, terminates or signals every execution the filter matches, in the background; follow it with `describeBatch`.
   * @example
   * const { batchId } = await client.batch('terminate', { workflowType: 'order', status: 'running', reason: 'bad release' });
   * const { status, succeeded } = await client.describeBatch(batchId);
   */
  async batch(operation: 'cancel' | 'terminate', options: BatchCloseOptions): Promise<BatchStarted>;
  async batch<Args extends unknown[]>(operation: 'signal', options: BatchSignalOptions<Args>): Promise<BatchStarted>;
  async batch(operation: 'cancel' | 'terminate' | 'signal', options: BatchCloseOptions | BatchSignalOptions): Promise<BatchStarted> {
    if (operation === 'signal' && !('signalName' in options)) throw new TypeError("batch('signal') needs a signalName");
    const body = batchBody(options);
    if (Array.isArray(body.args)) body.args = this.payloads.writeArgs(body.args, `Arguments of signal '${String(body.signalName)}'`);
    return this.request('POST', `/v1/batch/${operation}`, body);
  }

  /** Progress of a batch operation: counts so far and the executions it could not act on. */
  async describeBatch(batchId: string): Promise<BatchDescription> {
    return this.request('GET', `/v1/batch/${encodeURIComponent(batchId)}`);
  }

  /** Creates a schedule (docs/api.md, Schedules): a cron or interval calendar that starts `workflowType`. */
  async createSchedule(options: CreateScheduleOptions): Promise<ScheduleDescription> {
    const body: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) if (value !== undefined) body[key] = value instanceof Date ? value.toISOString() : value;
    if (options.input !== undefined) body.input = this.payloads.write(options.input, 'Input of the schedule');
    return this.#scheduleRead(await this.request('POST', '/v1/schedules', body));
  }

  async listSchedules(): Promise<ScheduleDescription[]> {
    return (await this.request<{ schedules: ScheduleDescription[] }>('GET', '/v1/schedules')).schedules.map((schedule) => this.#scheduleRead(schedule));
  }

  async describeSchedule(scheduleId: string): Promise<ScheduleDescription> {
    return this.#scheduleRead(await this.request('GET', `/v1/schedules/${encodeURIComponent(scheduleId)}`));
  }

  /** A schedule as answered, its action's input read as the payload it is. */
  #scheduleRead(schedule: ScheduleDescription): ScheduleDescription {
    return schedule.input === undefined ? schedule : { ...schedule, input: this.payloads.read(schedule.input) };
  }

  async deleteSchedule(scheduleId: string): Promise<void> {
    await this.request('DELETE', `/v1/schedules/${encodeURIComponent(scheduleId)}`);
  }

  async pauseSchedule(scheduleId: string): Promise<void> {
    await this.request('POST', `/v1/schedules/${encodeURIComponent(scheduleId)}/pause`);
  }

  async unpauseSchedule(scheduleId: string): Promise<void> {
    await this.request('POST', `/v1/schedules/${encodeURIComponent(scheduleId)}/unpause`);
  }

  /** Starts an action now, besides the calendar; answers its workflow id. */
  async triggerSchedule(scheduleId: string): Promise<{ workflowId: string }> {
    return this.request('POST', `/v1/schedules/${encodeURIComponent(scheduleId)}/trigger`);
  }

  /**
   * Completes an activity that answered 202 (asynchronous completion) with its result, from anywhere that holds its
   * task token — a webhook, a human's decision. Temporal's `client.activity.complete`.
   */
  async completeActivity(taskToken: string, result?: unknown): Promise<void> {
    await this.request('POST', '/v1/activities/complete', result === undefined ? { taskToken } : { taskToken, result: this.payloads.write(result, 'Activity result') });
  }

  /** Fails such an activity; the retry policy decides whether another attempt follows (`ApplicationFailure.nonRetryable` stops it). */
  async failActivity(taskToken: string, error: unknown): Promise<void> {
    await this.request('POST', '/v1/activities/complete', { taskToken, failure: toFailureInfo(error) });
  }

  /** Records a heartbeat (progress details) for such an activity; says whether its cancellation was requested. */
  async heartbeatActivity(taskToken: string, details?: unknown): Promise<{ cancelRequested: boolean }> {
    return this.request('POST', '/v1/activities/heartbeat', details === undefined ? { taskToken } : { taskToken, details: this.payloads.write(details, 'Heartbeat details') });
  }

  /** @internal One API call: JSON in, JSON out, problems thrown as errors. */
  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.requestRaw(method, path, body);
    return (await response.json()) as T;
  }

  /** @internal */
  async requestRaw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await this.#fetch(new Request(`${this.#baseUrl}${path}`, init));
    if (response.ok) return response;
    const text = await response.text();
    let problem: Problem;
    try {
      problem = JSON.parse(text) as Problem;
    } catch {
      problem = { type: 'duro:http-error', title: response.statusText, status: response.status, detail: text.slice(0, 500) };
    }
    if (problem.type === 'duro:workflow-not-found') throw new WorkflowNotFoundError(decodeURIComponent(path.split('/')[3] ?? ''));
    throw new DuroApiError(response.status, problem);
  }

  /** @internal */
  get resultPollWait(): Duration {
    return this.#resultPollWait;
  }
}

export class WorkflowHandle<W extends WorkflowDefinition = WorkflowDefinition> {
  constructor(
    readonly client: DuroClient,
    readonly workflowId: string,
    /** The run this handle was created for; undefined means "the latest run". */
    readonly runId?: string,
  ) {}

  #path(suffix = ''): string {
    return `/v1/workflows/${encodeURIComponent(this.workflowId)}${suffix}`;
  }

  #runQuery(extra: Record<string, string> = {}): string {
    return this.#queryOf(undefined, extra);
  }

  /**
   * Waits for the result, long-polling and following continue-as-new; throws `WorkflowFailedError`
   * (with the workflow's failure as `cause`) when it did not complete.
   */
  async result(): Promise<WorkflowOutput<W>> {
    const wait = String(this.client.resultPollWait);
    for (;;) {
      const response = await this.client.requestRaw('GET', this.#path(`/result${this.#runQuery({ wait })}`));
      if (response.status === 202) continue;
      const reply = (await response.json()) as ResultReply;
      if (reply.status === 'running' || reply.status === 'continuedAsNew') continue;
      return this.outcomeOf(reply);
    }
  }

  /** @internal The value of a closed run's reply, or its `WorkflowFailedError`. */
  outcomeOf(reply: Exclude<ResultReply, { status: 'running' | 'continuedAsNew' }>): WorkflowOutput<W> {
    if (reply.status === 'completed') return this.client.payloads.read(reply.result) as WorkflowOutput<W>;
    throw new WorkflowFailedError(this.workflowId, reply.status, reply.failure);
  }

  /** Sends a signal. A request id makes retries safe: the same id is recorded once. */
  async signal<Args extends unknown[]>(signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.signalWithRequestId(crypto.randomUUID(), signal, ...args);
  }

  async signalWithRequestId<Args extends unknown[]>(requestId: string, signal: Named<SignalDefinition<Args>>, ...args: Args): Promise<void> {
    await this.client.request('POST', this.#path(`/signals/${encodeURIComponent(nameOf(signal))}${this.#runQuery()}`), { args: this.client.payloads.writeArgs(args, `Arguments of signal '${nameOf(signal)}'`), requestId });
  }

  async query<R, Args extends unknown[]>(query: Named<QueryDefinition<R, Args>>, ...args: Args): Promise<R> {
    const reply = await this.client.request<{ result: unknown }>('POST', this.#path(`/queries/${encodeURIComponent(nameOf(query))}${this.#runQuery()}`), { args: this.client.payloads.writeArgs(args, `Arguments of query '${nameOf(query)}'`) });
    return this.client.payloads.read(reply.result) as R;
  }

  /**
   * Runs an update and returns its result. Throws `WorkflowUpdateRejectedError` when the validator refused it
   * (nothing was recorded), `WorkflowUpdateFailedError` when the handler failed.
   */
  async executeUpdate<R, Args extends unknown[]>(update: Named<UpdateDefinition<R, Args>>, options: { args?: Args; updateId?: string } = {}): Promise<R> {
    const name = nameOf(update);
    let reply: { updateId: string; outcome?: Outcome };
    try {
      reply = await this.client.request('POST', this.#path(`/updates/${encodeURIComponent(name)}${this.#runQuery()}`), { args: this.client.payloads.writeArgs(options.args ?? [], `Arguments of update '${name}'`), updateId: options.updateId ?? crypto.randomUUID(), wait: 'completed' });
    } catch (error) {
      if (error instanceof DuroApiError && error.type === 'duro:update-rejected') throw new WorkflowUpdateRejectedError(name, (error.problem.failure as FailureInfo | undefined) ?? failureOf(error.problem));
      throw error;
    }
    const outcome = reply.outcome!;
    if ('failure' in outcome) throw new WorkflowUpdateFailedError(name, outcome.failure);
    return this.client.payloads.read(outcome.result) as R;
  }

  async cancel(reason?: string): Promise<void> {
    await this.client.request('POST', this.#path(`/cancel${this.#runQuery()}`), reason === undefined ? {} : { reason });
  }

  async terminate(reason?: string): Promise<void> {
    await this.client.request('POST', this.#path(`/terminate${this.#runQuery()}`), reason === undefined ? {} : { reason });
  }

  /** Holds activities and timers until `unpause`; signals and updates are still recorded. */
  async pause(reason?: string): Promise<void> {
    await this.client.request('POST', this.#path(`/pause${this.#runQuery()}`), reason === undefined ? {} : { reason });
  }

  /** Resumes a paused run: overdue timers fire and held activities are sent at once. */
  async unpause(): Promise<void> {
    await this.client.request('POST', this.#path(`/unpause${this.#runQuery()}`), {});
  }

  async describe(): Promise<WorkflowDescription> {
    const description = await this.client.request<WorkflowDescription>('GET', this.#path(this.#runQuery()));
    return mapDescriptionPayloads(description, (stored) => this.client.payloads.read(stored));
  }

  /** Every event of the run, oldest first (all pages). */
  async fetchHistory(): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await this.client.request<HistoryPage>('GET', this.#path(`/history${this.#runQuery({ after: String(after), limit: '1000' })}`));
      events.push(...page.events);
      if (page.events.length === 0) return events;
      after = page.nextEventId - 1;
    }
  }

  /**
   * A page of the run's kept log lines (what its workflow code and activities wrote with `ctx.log`: the latest
   * 1 000), oldest first.
   * @example
   * const { lines, lastSeq } = await handle.logs();
   * for (const { line } of lines) console.log(line.time, line.level, line.message);
   * const since = await handle.logs({ after: lastSeq });
   */
  async logs(options: LogsOptions = {}): Promise<LogPage> {
    const query: Record<string, string> = {};
    if (options.after !== undefined) query.after = String(options.after);
    if (options.limit !== undefined) query.limit = String(options.limit);
    return this.client.request('GET', this.#path(`/logs${this.#queryOf(options.runId, query)}`));
  }

  /**
   * The run's log lines as they are kept, polling until the run closes (or `signal` aborts).
   * @example
   * for await (const { line } of handle.followLogs()) console.log(line.level, line.message);
   */
  followLogs(options: FollowLogsOptions = {}): AsyncGenerator<KeptLog, void, undefined> {
    return followLogs({
      logs: ({ runId, after }) => this.logs({ ...(runId !== undefined && { runId }), after }),
      status: (runId) => this.client.request<WorkflowDescription>('GET', this.#path(this.#queryOf(runId))),
      continuedAs: async (runId) => {
        const result = await this.client.request<{ status: string; newRunId?: string }>('GET', this.#path(`/result${this.#queryOf(runId, { followRuns: 'false' })}`));
        return result.status === 'continuedAsNew' ? result.newRunId : undefined;
      },
    }, options);
  }

  /** The query string naming `runId` (default: the handle's run), with `extra`. */
  #queryOf(runId: string | undefined, extra: Record<string, string> = {}): string {
    const params = new URLSearchParams(extra);
    const run = runId ?? this.runId;
    if (run) params.set('runId', run);
    const text = params.toString();
    return text ? `?${text}` : '';
  }
}

function failureOf(problem: Problem): FailureInfo {
  return { kind: 'application', type: problem.type, message: problem.detail, nonRetryable: true };
}

/** @internal The body of a start (POST /v1/workflows and the with-start routes): options as given, the input and memo written as payloads. */
export function startBody(workflowType: string, options: object & { memo?: Record<string, unknown> }, payloads: RunPayloads): Record<string, unknown> {
  const body: Record<string, unknown> = { workflowType };
  for (const [key, value] of Object.entries(options)) if (value !== undefined) body[key] = value;
  if ('input' in body) body.input = payloads.write(body.input, 'Workflow input');
  if (options.memo !== undefined) body.memo = payloads.writeRecord(options.memo, 'Memo');
  return body;
}
