// `duro`: the REST API from a terminal, through DuroClient, plus the local replay and determinism checks.
// Node only (the bin entry). Human-readable output by default, `--json` for scripts.
import { mapDescriptionPayloads } from '../src/core/describe';
import { cliJsonOf, memoOfCliJson, valueOfCliJson } from './cli-payloads';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { WorkflowFailedError } from '../src/core/client-errors';
import { ApplicationFailure } from '../src/core/failure';
import { WorkflowStatus, type HistoryEvent } from '../src/core/history';
import { formatBatch, formatCount, formatDescription, formatExecutions, formatHistory, formatKeyValues, formatLogLine, formatValue } from './cli-format';
import { initProject, nextSteps } from './cli-init';
import { loadWorkflowModule } from './load-workflows';
import { formatReplayOutcome, replayOne, replayRecentRuns } from './cli-replay';
import { SCHEDULE_USAGE, scheduleCommand } from './cli-schedule';
import { DuroApiError, DuroClient, type WorkflowHandle } from './duro-client';
import type { LogLine } from './follow-logs';
import type { ExecutionInfo, ListFilter } from './visibility';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** fetch for the client (tests pass the API app's). */
  fetch?: (request: Request) => Promise<Response>;
  /** How often `logs --follow` polls; default 1 s (tests pass a short one). */
  followPollMs?: number;
}

const USAGE = `usage: duro <command> [arguments] [--address URL] [--token TOKEN] [--json]

New project
  init [dir]                                  scaffold a Worker with Duro, a workflow, its activities and a test

Workflows
  start <workflowType> [--id ID] [--input JSON] [--memo JSON] [--search-attributes JSON] [--wait]
  execute <workflowType> [same as start]      start and wait for the result
  describe <workflowId> [--run RUN]
  result <workflowId> [--run RUN]
  history <workflowId> [--run RUN]            timeline: event id, time since start, type, summary
  logs <workflowId> [--run RUN] [--follow]    the run's kept ctx.log lines: time, level, who wrote it
                                              (workflow or activityType#attempt), message, attributes;
                                              --follow polls each second until the run closes;
                                              --json prints one line object per line
  signal <workflowId> <name> [--args JSON] [--request-id ID]
  query <workflowId> <name> [--args JSON]
  update <workflowId> <name> [--args JSON] [--update-id ID]
  cancel | terminate | pause | unpause <workflowId> [--run RUN] [--reason TEXT]
  reset <workflowId> --event EVENT_ID [--reason TEXT]

Activities that complete later (answered 202)
  complete <taskToken> [--input JSON]         complete it with this result
  fail <taskToken> [--reason TEXT]            fail it (non-retryable)

Many workflows (filters: --type T --status S[,S] --started-after ISO --started-before ISO --search attr=value ...)
  list [filters] [--page-size N] [--limit N]  newest first
  count [filters]
  batch <cancel|terminate|signal> <filters> [--reason TEXT] [--signal NAME --args JSON]
                                              at least one filter; --status running matches every running one
  batch-status <batchId>

Schedules
${SCHEDULE_USAGE}

Local checks
  replay <history.json> --workflows <module>  replay an exported history against your workflow code
  replay --workflow-type T --workflows <module> [--limit N] [filters]
                                              replay the newest N runs of T (default 10) from --address;
                                              exits 1 if any does not replay (gate a deploy on it)
  check <file or dir...>                      flag Date.now(), new Date(), Math.random(), fetch(),
                                              setTimeout/setInterval, crypto.randomUUID() in workflow code
                                              and the helpers it calls (same file or ./ imports); a file's
                                              re-exported workflows too; a directory: every source file in it

  --address (alias --url) defaults to $DURO_ADDRESS, $DURO_URL or http://127.0.0.1:8787;
  --token to $DURO_API_TOKEN. --args takes a JSON array (a single value is one argument).
  --json prints the API's JSON instead of text. Exit codes: 0 ok, 1 failure, 2 usage error.`;

const HELP_HINT = "Run 'duro --help' for usage.";

const OPTIONS = {
  address: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
  id: { type: 'string' }, input: { type: 'string' }, memo: { type: 'string' }, 'search-attributes': { type: 'string' }, wait: { type: 'boolean' },
  run: { type: 'string' }, args: { type: 'string' }, 'request-id': { type: 'string' }, 'update-id': { type: 'string' },
  reason: { type: 'string' }, event: { type: 'string' }, workflows: { type: 'string' }, signal: { type: 'string' },
  type: { type: 'string' }, 'workflow-type': { type: 'string' }, status: { type: 'string' }, 'started-after': { type: 'string' },
  'started-before': { type: 'string' }, search: { type: 'string', multiple: true }, 'page-size': { type: 'string' }, limit: { type: 'string' },
  cron: { type: 'string' }, every: { type: 'string' }, timezone: { type: 'string' }, jitter: { type: 'string' }, 'catchup-window': { type: 'string' },
  'start-at': { type: 'string' }, 'end-at': { type: 'string' }, overlap: { type: 'string' }, paused: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
} as const;

type Parsed = ReturnType<typeof parse>;

interface Command {
  client: DuroClient;
  values: Parsed['values'];
  /** Positionals after the command name. */
  operands: string[];
  io: CliIo;
  /** `--json` prints `json`; otherwise `human()` is printed. */
  emit(json: unknown, human: () => string): void;
}

const COMMANDS: Record<string, (c: Command) => Promise<number>> = {
  start: startCommand,
  execute: executeCommand,
  describe: async (c) => {
    return emitted(c, mapDescriptionPayloads(await handleOf(c).describe(), cliJsonOf), formatDescription);
  },
  result: async (c) => {
    const result = cliJsonOf(await handleOf(c).result());
    return emitted(c, { result }, () => formatValue(result));
  },
  history: async (c) => emitted(c, await handleOf(c).fetchHistory(), formatHistory),
  logs: logsCommand,
  signal: async (c) => {
    const name = need(c.operands[1], 'signal name');
    await handleOf(c).signalWithRequestId(c.values['request-id'] ?? crypto.randomUUID(), name, ...argsOf(c));
    return emitted(c, { ok: true }, () => `Sent signal '${name}' to ${c.operands[0]}.`);
  },
  query: async (c) => {
    const result = cliJsonOf(await handleOf(c).query(need(c.operands[1], 'query name'), ...argsOf(c)));
    return emitted(c, { result }, () => formatValue(result));
  },
  update: async (c) => {
    const updateId = c.values['update-id'];
    const result = cliJsonOf(await handleOf(c).executeUpdate(need(c.operands[1], 'update name'), { args: argsOf(c), ...(updateId && { updateId }) }));
    return emitted(c, { result }, () => formatValue(result));
  },
  complete: async (c) => {
    const taskToken = need(c.operands[0], 'taskToken');
    await c.client.completeActivity(taskToken, c.values.input === undefined ? undefined : valueOfCliJson(parseJson(c.values.input, '--input')));
    return emitted(c, { ok: true }, () => 'Completed the activity.');
  },
  fail: async (c) => {
    const taskToken = need(c.operands[0], 'taskToken');
    await c.client.failActivity(taskToken, ApplicationFailure.nonRetryable(c.values.reason ?? 'failed from the duro CLI', 'CompletedWithFailure'));
    return emitted(c, { ok: true }, () => 'Failed the activity.');
  },
  cancel: acted((handle, reason) => handle.cancel(reason), 'Requested cancellation of'),
  terminate: acted((handle, reason) => handle.terminate(reason), 'Terminated'),
  pause: acted((handle, reason) => handle.pause(reason), 'Paused'),
  unpause: acted((handle) => handle.unpause(), 'Unpaused'),
  reset: async (c) => {
    const workflowId = need(c.operands[0], 'workflowId');
    const eventId = positiveInteger(need(c.values.event, '--event'), '--event');
    const runQuery = c.values.run ? `?runId=${encodeURIComponent(c.values.run)}` : '';
    const reply = await c.client.request<{ runId: string }>('POST', `/v1/workflows/${encodeURIComponent(workflowId)}/reset${runQuery}`, { eventId, ...(c.values.reason && { reason: c.values.reason }) });
    return emitted(c, reply, () => `Reset ${workflowId}: new run ${reply.runId}.`);
  },
  list: listCommand,
  count: async (c) => emitted(c, await c.client.count(filterOf(c.values)), formatCount),
  batch: batchCommand,
  'batch-status': async (c) => emitted(c, await c.client.describeBatch(need(c.operands[0], 'batchId')), formatBatch),
  schedule: (c) => scheduleCommand({ ...c, emit: (json, human) => c.emit(json, human), usage: (message) => new UsageError(message), parseJson }),
  replay: replayCommand,
  init: async (c) => {
    const dir = c.operands[0] ?? '.';
    const result = await initProject(dir);
    return emitted(c, result, () => nextSteps(result, dir));
  },
  check: async (c) => {
    if (c.operands.length === 0) throw new UsageError('missing file(s) to check');
    // Loaded on demand: the parser is only needed here, and every other command starts faster without it.
    const { runCheck } = await import('./cli-check');
    return runCheck(c.operands, { json: c.values.json === true, out: c.io.out });
  },
};

/** Runs one command; resolves with the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`duro: ${(error as Error).message}\n${HELP_HINT}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [name, ...operands] = positionals;
  if (!name || values.help) {
    io.out(USAGE);
    return name || values.help ? 0 : 2;
  }
  const token = values.token ?? io.env.DURO_API_TOKEN;
  const baseUrl = values.address ?? values.url ?? io.env.DURO_ADDRESS ?? io.env.DURO_URL ?? 'http://127.0.0.1:8787';
  // Rich: what the command line gives is a stored form, written back as it was given (cli-payloads.ts).
  const client = new DuroClient({ baseUrl, ...(token && { token }), ...(io.fetch && { fetch: io.fetch }), payloads: { converter: 'rich' } });
  const emit = (json: unknown, human: () => string) => io.out(values.json ? JSON.stringify(json, null, 2) : human());
  try {
    if (!Object.hasOwn(COMMANDS, name)) throw new UsageError(`unknown command '${name}'`);
    return await COMMANDS[name]!({ client, values, operands, io, emit });
  } catch (error) {
    return reportError(error, io, values.json === true);
  }
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
}

function reportError(error: unknown, io: CliIo, json: boolean): number {
  if (error instanceof UsageError) {
    io.err(`duro: ${error.message}\n${HELP_HINT}`);
    return 2;
  }
  if (error instanceof DuroApiError) io.err(json ? JSON.stringify(error.problem, null, 2) : `duro: ${error.problem.detail || error.problem.title} (${error.problem.type}, HTTP ${error.status})`);
  else if (error instanceof WorkflowFailedError && json) io.err(JSON.stringify({ workflowId: error.workflowId, status: error.status, failure: error.failure }, null, 2));
  else io.err(`duro: ${messageOf(error)}`);
  return 1;
}

/** The message and its causes: `fetch failed (connect ECONNREFUSED 127.0.0.1:8787)`. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? messageOf(error.cause) : '';
  return cause && !error.message.includes(cause) ? `${error.message} (${cause})` : error.message;
}

async function startCommand(c: Command): Promise<number> {
  if (!c.values.wait) {
    const handle = await c.client.start(need(c.operands[0], 'workflowType'), startOptionsOf(c));
    const started = { workflowId: handle.workflowId, runId: handle.runId };
    return emitted(c, started, () => formatKeyValues([['workflowId', started.workflowId], ['runId', started.runId]]));
  }
  const { handle, result: waited } = await c.client.startAndWait(need(c.operands[0], 'workflowType'), startOptionsOf(c));
  const result = cliJsonOf(await waited);
  return emitted(c, { workflowId: handle.workflowId, runId: handle.runId, result }, () => formatKeyValues([['workflowId', handle.workflowId], ['runId', handle.runId!], ['result', JSON.stringify(result)]]));
}

/** Starts and waits in one request (`POST /v1/workflows?wait=`), long-polling only a workflow that takes longer. */
async function executeCommand(c: Command): Promise<number> {
  const { handle, result: waited } = await c.client.startAndWait(need(c.operands[0], 'workflowType'), startOptionsOf(c));
  const result = cliJsonOf(await waited);
  return emitted(c, { workflowId: handle.workflowId, runId: handle.runId, result }, () => formatValue(result));
}

/** A run's kept log lines, one printed line each (JSON lines with --json); --follow prints them as they are kept. */
async function logsCommand(c: Command): Promise<number> {
  const handle = handleOf(c);
  const print = (line: LogLine) => c.io.out(c.values.json ? JSON.stringify(line) : formatLogLine(line));
  if (c.values.follow) {
    for await (const { line } of handle.followLogs(c.io.followPollMs === undefined ? {} : { pollInterval: c.io.followPollMs })) print(line);
    return 0;
  }
  const { lines } = await handle.logs();
  if (lines.length === 0 && !c.values.json) c.io.out('No log lines kept.');
  for (const { line } of lines) print(line);
  return 0;
}

async function listCommand(c: Command): Promise<number> {
  const limit = c.values.limit === undefined ? Infinity : positiveInteger(c.values.limit, '--limit');
  const executions: ExecutionInfo[] = [];
  for await (const execution of c.client.list(filterOf(c.values), pageSizeOf(c.values, limit))) {
    executions.push(execution);
    if (executions.length >= limit) break;
  }
  return emitted(c, executions, () => formatExecutions(executions));
}

async function batchCommand(c: Command): Promise<number> {
  const operation = need(c.operands[0], 'batch operation (cancel, terminate or signal)');
  const filter = filterOf(c.values);
  if (Object.keys(filter).length === 0) throw new UsageError('a batch needs at least one filter (--type, --status, --started-after, --started-before or --search)');
  const reason = c.values.reason;
  let started;
  if (operation === 'signal') {
    started = await c.client.batch('signal', { ...filter, signalName: need(c.values.signal, '--signal'), args: argsOf(c), ...(reason && { reason }) });
  } else if (operation === 'cancel' || operation === 'terminate') {
    started = await c.client.batch(operation, { ...filter, ...(reason && { reason }) });
  } else {
    throw new UsageError(`unknown batch operation '${operation}' (cancel, terminate or signal)`);
  }
  return emitted(c, started, () => `Batch ${started.batchId} started: ${operation} ${started.matched} matching workflow${started.matched === 1 ? '' : 's'}.\nFollow it with: duro batch-status ${started.batchId}`);
}

async function replayCommand(c: Command): Promise<number> {
  const workflows = await loadWorkflowModule(need(c.values.workflows, '--workflows'));
  const file = c.operands[0];
  if (file !== undefined) {
    const history = parseJson(await readFile(file, 'utf8'), file) as HistoryEvent[] | { events: HistoryEvent[] };
    const outcome = await replayOne(workflows, history);
    c.emit({ replayed: file, ...outcome }, () => formatReplayOutcome(outcome, file));
    return outcome.ok ? 0 : 1;
  }
  const workflowType = c.values['workflow-type'] ?? c.values.type;
  if (!workflowType) throw new UsageError('replay needs a history file, or --workflow-type to replay recent runs from --address');
  const limit = c.values.limit === undefined ? 10 : positiveInteger(c.values.limit, '--limit');
  const outcomes = await replayRecentRuns(c.client, workflows, { ...filterOf(c.values), workflowType }, limit);
  const failed = outcomes.filter((outcome) => !outcome.ok).length;
  c.emit(outcomes, () => [
    ...outcomes.map((outcome) => formatReplayOutcome(outcome, `${outcome.workflowId} ${outcome.runId}`)),
    `${outcomes.length} run${outcomes.length === 1 ? '' : 's'} of ${workflowType} replayed, ${failed} failed`,
  ].join('\n'));
  return failed > 0 ? 1 : 0;
}

function emitted<T>(c: Command, json: T, human: (value: T) => string): number {
  c.emit(json, () => human(json));
  return 0;
}

/** A command that acts on one workflow and has nothing to print but that it did. */
function acted(act: (handle: WorkflowHandle, reason: string | undefined) => Promise<void>, done: string) {
  return async (c: Command): Promise<number> => {
    await act(handleOf(c), c.values.reason);
    return emitted(c, { ok: true }, () => `${done} ${c.operands[0]}.`);
  };
}

function handleOf(c: Command) {
  return c.client.getHandle(need(c.operands[0], 'workflowId'), c.values.run);
}

function startOptionsOf(c: Command) {
  const { id, input, memo } = c.values;
  const searchAttributes = c.values['search-attributes'];
  return {
    ...(id && { workflowId: id }),
    ...(input !== undefined && { input: valueOfCliJson(parseJson(input, '--input')) }),
    ...(memo !== undefined && { memo: memoOfCliJson(parseJson(memo, '--memo') as Record<string, unknown>) }),
    ...(searchAttributes !== undefined && { searchAttributes: parseJson(searchAttributes, '--search-attributes') as Record<string, string> }),
  };
}

function argsOf(c: Command): unknown[] {
  if (c.values.args === undefined) return [];
  const parsed = parseJson(c.values.args, '--args');
  return (Array.isArray(parsed) ? parsed : [parsed]).map(valueOfCliJson);
}

const STATUSES: readonly string[] = Object.values(WorkflowStatus);

/** The list filters of list, count, batch and replay, checked before anything is sent. */
function filterOf(values: Parsed['values']): ListFilter {
  const filter: ListFilter = {};
  if (values.type !== undefined) filter.workflowType = values.type;
  if (values.status !== undefined) {
    const statuses = values.status.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = statuses.find((status) => !STATUSES.includes(status));
    if (unknown !== undefined) throw new UsageError(`unknown status '${unknown}' (one of ${STATUSES.join(', ')})`);
    filter.status = statuses as WorkflowStatus[];
  }
  if (values['started-after'] !== undefined) filter.startedAfter = timeOf(values['started-after'], '--started-after');
  if (values['started-before'] !== undefined) filter.startedBefore = timeOf(values['started-before'], '--started-before');
  for (const pair of values.search ?? []) {
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new UsageError(`--search takes attr=value, not '${pair}'`);
    (filter.search ??= {})[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return filter;
}

function pageSizeOf(values: Parsed['values'], limit: number): { pageSize?: number } {
  if (values['page-size'] !== undefined) return { pageSize: positiveInteger(values['page-size'], '--page-size') };
  // No more than --limit asks for: a short list needs one small page.
  return Number.isFinite(limit) ? { pageSize: Math.min(limit, 1_000) } : {};
}

/** ISO 8601 or epoch milliseconds. */
function timeOf(text: string, what: string): string | number {
  if (/^\d+$/.test(text)) return Number(text);
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`${what} takes an ISO 8601 time (2025-01-31T12:00:00Z) or epoch milliseconds, not '${text}'`);
  return text;
}

function positiveInteger(text: string, what: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} takes a positive integer, not '${text}'`);
  return n;
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

class UsageError extends Error {}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}
