// The zod schemas of the REST API: one schema serves validation, the handlers' types and /openapi.json.
import { z } from '@hono/zod-openapi';
import type { IdConflictPolicy, IdReusePolicy } from '../protocol/execution-rpc';
import { MAX_DURATION_MS, toMs } from '../core/duration';
import { FailureKind, TimeoutType } from '../core/failure';
import { WorkflowStatus } from '../core/history';
import { Limits } from '../core/limits';
import { lookupProblem, maxNameLength, NameKind, nameProblem, RESERVED_WORKFLOW_IDS } from '../core/names';
import { checkPayload, checkSearchAttributes, PayloadError } from '../core/payload';
import { payloadMarkProblem } from '../core/payloads/envelope';

/** Marks a zod issue as "payload over the limit", so the validation hook answers 413 instead of 400. */
export const PAYLOAD_TOO_LARGE_ISSUE = 'duro:payload-too-large';

/** Longest wait a result long-poll may ask for (API.md: max 60 s); longer waits are shortened to this. */
export const MAX_RESULT_WAIT_MS = 60_000;
export const DEFAULT_HISTORY_LIMIT = 1_000;
/** Largest history page; larger `limit`s are shortened to this. */
export const MAX_HISTORY_LIMIT = 10_000;

const ID_MAX = Limits.maxIdLength;

/** A string of `kind` checked by one rule of core/names.ts; the length checks stay zod's, so OpenAPI shows them. */
function named(kind: NameKind, rule: (value: string, kind: NameKind) => string | undefined) {
  const max = maxNameLength(kind);
  return z.string().min(1).max(max).superRefine((value, ctx) => {
    if (value.length === 0 || value.length > max) return; // said by min/max
    const problem = rule(value, kind);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  });
}

/** A new id or name (one this request creates): the full rule of core/names.ts. */
export const newName = (kind: NameKind, description: string) => named(kind, nameProblem).openapi({ description: `${description} ${NAME_RULE}` });

/** An id or name that should exist already: only what no id could ever be is refused; the rest finds it or 404s. */
export const existingName = (kind: NameKind, description: string) => named(kind, lookupProblem).openapi({ description });

const NAME_RULE = 'No control characters, valid Unicode, not "." or "..".';
const id = (what: string) => newName(NameKind.requestId, what);

/** Any JSON value, checked against the 2 MiB payload limit (counted as encoded UTF-8 JSON). */
export function payload(what: string, description: string) {
  return z.unknown().superRefine(refusedAsPayload((value) => {
    checkPayload(value, what);
    checkMarks([value], what);
  })).openapi({ description: `${description} Any JSON value of at most 2 MiB encoded, nested at most ${Limits.maxPayloadDepth} deep; a rich value in its marked form (docs/payloads.md).` });
}

/** Throws a PayloadError when a marked payload among `values` does not read (docs/payloads.md): refused here, not in the workflow. */
function checkMarks(values: unknown[], what: string): void {
  for (const value of values) {
    const problem = payloadMarkProblem(value);
    if (problem !== undefined) throw new PayloadError(`${what}: ${problem}`);
  }
}

/** A refinement: what `check` throws (a PayloadError, as checkPayload's) is the value's issue. */
function refusedAsPayload<T>(check: (value: T) => void) {
  return (value: T, ctx: z.RefinementCtx) => {
    try {
      check(value);
    } catch (error) {
      ctx.addIssue(payloadIssue(error));
    }
  };
}

/** A payload's refusal as a zod issue: 413 when it is too large, 400 when it is not JSON as it is (depth, NaN, …). */
function payloadIssue(error: unknown) {
  const tooLarge = error instanceof PayloadError && error.sizeBytes !== undefined;
  return { code: 'custom' as const, message: (error as Error).message, ...(tooLarge && { params: { duro: PAYLOAD_TOO_LARGE_ISSUE } }) };
}

/** Arguments of a signal, query or update. A non-array value is one argument: `"args": 5` means `[5]`. */
export function args(what: string) {
  return z.unknown().optional()
    .transform((value): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]))
    .superRefine(refusedAsPayload((value: unknown[]) => {
      checkPayload(value, `Arguments of ${what}`);
      checkMarks(value, `Arguments of ${what}`);
    }))
    .openapi({
      type: 'array',
      items: {},
      description: `Arguments of the ${what}, in order (Temporal style). Default \`[]\`. A value that is not an array is taken as the single argument: \`"args": 5\` means \`[5]\`. At most 2 MiB encoded.`,
    });
}

/** A duration as milliseconds (number) or text (`"30s"`, `"2 days"`, `"1h30m"`); handlers receive milliseconds. */
export const DurationSchema = z.union([z.string(), z.number()])
  .transform((value, ctx) => {
    try {
      return toMs(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  })
  .openapi({ description: `Milliseconds (number) or a duration string such as "30s", "5m", "2 days", "1h30m"; at most 100 years (${MAX_DURATION_MS} ms).`, example: '30s' });

const ID_REUSE_POLICIES = ['allowDuplicate', 'allowDuplicateFailedOnly', 'rejectDuplicate', 'terminateIfRunning'] as const satisfies readonly IdReusePolicy[];
const ID_CONFLICT_POLICIES = ['fail', 'useExisting', 'terminateExisting'] as const satisfies readonly IdConflictPolicy[];
export const STATUSES = Object.values(WorkflowStatus) as [WorkflowStatus, ...WorkflowStatus[]];

export const SearchAttributeValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.string()), z.null()]);

// ---- shared shapes ----

export const ProblemSchema = z.looseObject({
  type: z.string().openapi({ example: 'duro:workflow-not-found', description: 'Stable code to match on.' }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
}).openapi('Problem', { description: 'application/problem+json (RFC 9457); extensions such as `failure` or `errors` may follow.' });

type FailureShape = {
  kind: FailureKind;
  type: string;
  message: string;
  nonRetryable: boolean;
  details?: unknown;
  stack?: string;
  cause?: FailureShape;
  activityType?: string;
  activityId?: string;
  attempt?: number;
  timeoutType?: TimeoutType;
  workflowType?: string;
  workflowId?: string;
  runId?: string;
};

export const FailureSchema: z.ZodType<FailureShape, unknown> = z.lazy(() => z.object({
  kind: z.enum(Object.values(FailureKind) as [FailureKind, ...FailureKind[]]).default(FailureKind.application),
  type: z.string().min(1).max(ID_MAX).openapi({ description: 'Stable type to match on, e.g. "PaymentDeclined".' }),
  message: z.string(),
  nonRetryable: z.boolean().default(false),
  details: z.unknown().optional(),
  stack: z.string().optional().openapi({ description: 'Kept in history; replies carry it only when the Worker sets DURO_DEBUG.' }),
  cause: FailureSchema.optional(),
  activityType: z.string().optional(),
  activityId: z.string().optional(),
  attempt: z.number().int().optional(),
  timeoutType: z.enum(Object.values(TimeoutType) as [TimeoutType, ...TimeoutType[]]).optional(),
  workflowType: z.string().optional(),
  workflowId: z.string().optional(),
  runId: z.string().optional(),
})).openapi('Failure', { description: 'A serialized failure; `type` survives every boundary. `cause` nests the same shape.' });

const OutcomeSchema = z.union([z.object({ result: z.unknown() }), z.object({ failure: FailureSchema })])
  .openapi('Outcome', { description: '`{result}` when it succeeded, `{failure}` when it failed.' });

// ---- parameters ----

export const WorkflowParams = z.object({
  workflowId: existingName(NameKind.workflowId, 'The workflow id.').openapi({ param: { name: 'workflowId', in: 'path' } }),
});

export const MessageParams = WorkflowParams.extend({
  name: newName(NameKind.signalName, 'The signal, query or update name.').openapi({ param: { name: 'name', in: 'path' } }),
});

/** An empty query value (`?runId=`) means the parameter was not given, as clients filling a template send it. */
const blank = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema);

const runIdQuery = blank(existingName(NameKind.runId, 'A run id.').optional())
  .openapi({ param: { name: 'runId', in: 'query' }, description: 'A specific run; default the latest run of the workflow id.' });

export const RunQuery = z.object({ runId: runIdQuery });

const nonNegativeInteger = (name: string, description: string) => blank(z.string().regex(/^\d+$/, 'must be a non-negative integer').transform(Number).optional())
  .openapi({ param: { name, in: 'query' }, description, type: 'integer' });

/** A long-poll's `wait` ("30s", or milliseconds): 0 when absent, at most MAX_RESULT_WAIT_MS. */
const waitQuery = (description: string) => blank(z.string().optional()).transform((value, ctx) => {
  if (value === undefined) return 0;
  try {
    return Math.min(toMs(value), MAX_RESULT_WAIT_MS);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
    return z.NEVER;
  }
}).openapi({ param: { name: 'wait', in: 'query' }, description, example: '30s' });

export const StartWorkflowQuery = z.object({
  wait: waitQuery('Start, then wait up to this long for the run (following continue-as-new) to close, and answer with its `outcome` too: one round trip for a short workflow ("30s", or milliseconds). Default 0, no wait; at most 60 s.'),
});

export const ResultQuery = z.object({
  runId: runIdQuery,
  wait: waitQuery('Long-poll: how long to wait for the run to close ("30s", or milliseconds). Default 0; at most 60 s (longer waits are shortened).'),
  followRuns: blank(z.enum(['true', 'false']).default('true')).transform((value) => value === 'true')
    .openapi({ param: { name: 'followRuns', in: 'query' }, description: 'Follow the continue-as-new chain to the last run. Default true.' }),
});

export const HistoryQuery = z.object({
  runId: runIdQuery,
  after: nonNegativeInteger('after', 'Return events whose eventId is greater than this; for the next page pass `nextEventId - 1`.'),
  limit: blank(z.string().regex(/^[1-9]\d*$/, 'must be a positive integer').transform((value) => Math.min(Number(value), MAX_HISTORY_LIMIT)).optional())
    .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', description: `Events per page. Default ${DEFAULT_HISTORY_LIMIT}, at most ${MAX_HISTORY_LIMIT} (larger limits are shortened).` }),
});

export const LogsQuery = z.object({
  runId: runIdQuery,
  after: nonNegativeInteger('after', 'Return lines kept after this one (`seq`); to follow a run, pass the last reply\'s `lastSeq`.'),
  limit: blank(z.string().regex(/^[1-9]\d*$/, 'must be a positive integer').transform((value) => Math.min(Number(value), Limits.logLinesKept)).optional())
    .openapi({ param: { name: 'limit', in: 'query' }, type: 'integer', description: `Lines per page. Default and at most ${Limits.logLinesKept}, what a run keeps.` }),
});

// ---- bodies ----

export const StartWorkflowBody = z.strictObject({
  workflowType: newName(NameKind.workflowType, 'Name of a registered workflow.').openapi({ example: 'orderFulfillment' }),
  workflowId: newName(NameKind.workflowId, `Unique among running executions. Default: a random UUID. Not ${RESERVED_WORKFLOW_IDS.map((name) => `"${name}"`).join(', ')} (routes of the API).`).optional(),
  input: payload('Workflow input', 'The workflow input.').optional(),
  idReusePolicy: z.enum(ID_REUSE_POLICIES).optional().openapi({ description: 'What to do when the id was used by a closed run. Default allowDuplicate.' }),
  idConflictPolicy: z.enum(ID_CONFLICT_POLICIES).optional().openapi({ description: 'What to do when a run of this id is running. Default fail (409).' }),
  executionTimeout: DurationSchema.optional(),
  runTimeout: DurationSchema.optional(),
  startDelay: DurationSchema.optional(),
  retryPolicy: z.strictObject({
    initialInterval: DurationSchema.optional(),
    backoffCoefficient: z.number().min(1).optional(),
    maximumInterval: DurationSchema.optional(),
    maximumAttempts: z.number().int().min(0).optional(),
    nonRetryableErrorTypes: z.array(z.string()).optional(),
  }).optional().openapi({ description: "The workflow's retry policy (Temporal's): a run that fails, or hits its run timeout, is followed by the next attempt after the backoff, until attempts run out or the execution timeout. `result` follows the attempts. Default: no retries." }),
  memo: z.record(z.string(), z.unknown()).superRefine(refusedAsPayload((value: Record<string, unknown>) => checkMarks(Object.values(value), 'Memo'))).optional(),
  searchAttributes: z.record(newName(NameKind.searchAttributeKey, 'A search attribute.'), SearchAttributeValue).superRefine((value, ctx) => {
    try {
      checkSearchAttributes(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message, params: { duro: PAYLOAD_TOO_LARGE_ISSUE } });
    }
  }).optional().openapi({ description: 'Indexed for list, count and batch filters; at most 40 KiB together, encoded.' }),
}).openapi('StartWorkflowRequest');

export const SignalWithStartBody = StartWorkflowBody.extend({
  signalName: newName(NameKind.signalName, 'Signal to send; delivered first if the workflow is started.'),
  signalArgs: args('signal'),
  requestId: id('Repeating the signal with the same requestId records it once.').optional(),
}).openapi('SignalWithStartRequest');

export const SignalWithStartReply = z.object({ workflowId: z.string(), runId: z.string(), started: z.boolean() }).openapi('SignalWithStartReply');

export const UpdateWithStartBody = StartWorkflowBody.extend({
  updateName: newName(NameKind.updateName, 'Update to run once the workflow exists.'),
  updateArgs: args('update'),
  updateId: newName(NameKind.updateId, 'Idempotency key of the update. Default: a random id.').optional(),
}).openapi('UpdateWithStartRequest');

export const SignalBody = z.strictObject({
  args: args('signal'),
  requestId: id('Repeating a signal with the same requestId records it once.').optional(),
}).openapi('SignalRequest');

export const QueryBody = z.strictObject({ args: args('query') }).openapi('QueryRequest');

export const UpdateBody = z.strictObject({
  args: args('update'),
  updateId: newName(NameKind.updateId, 'Idempotency key of the update. Default: a random id.').optional(),
  wait: z.enum(['accepted', 'completed']).default('completed')
    .openapi({ description: 'Answer once the update is accepted (no outcome yet) or completed (default).' }),
}).openapi('UpdateRequest');

export const ResetBody = z.strictObject({
  eventId: z.number().int().min(1).openapi({ description: 'A WorkflowTaskCompleted event of the run: the new run re-runs from the end of that activation.' }),
  reason: z.string().max(10_000).optional(),
}).openapi('ResetRequest');

export const ResetReply = z.object({ runId: z.string() }).openapi('ResetReply');

export const ReasonBody = z.strictObject({ reason: z.string().max(10_000).optional() }).openapi('ReasonRequest');

const taskToken = z.string().min(1).max(10_000).openapi({ description: 'The task token the activity received with its attempt.' });

export const HeartbeatBody = z.strictObject({
  taskToken,
  details: payload('Heartbeat details', 'Progress the next attempt receives as heartbeatDetails.').optional(),
}).openapi('HeartbeatRequest');

export const CompleteBody = z.strictObject({
  taskToken,
  result: payload('Activity result', 'The result, when the activity succeeded.').optional(),
  failure: FailureSchema.optional().openapi({ description: 'The failure, when the activity failed. Give `result` or `failure`, not both; neither completes the activity with no result.' }),
  // Lines never cost a completion its outcome: too many, too long or not lines are trimmed or dropped where the run keeps them.
  logs: z.array(z.unknown()).optional()
    .openapi({ description: `The attempt's log lines, each one JSON line as \`ctx.log\` writes it: the run keeps the latest ${Limits.logLinesPerAttempt} (\`GET /v1/workflows/{workflowId}/logs\`), each cut to ${Limits.logLineMaxChars} characters. What does not read as a line is dropped; none of it is ever refused.` }),
}).refine((body) => !(body.result !== undefined && body.failure !== undefined), { message: 'give result or failure, not both', path: ['failure'] })
  .openapi('CompleteActivityRequest');

// ---- replies ----

export const StartWorkflowReply = z.object({
  workflowId: z.string(),
  runId: z.string(),
  // A lazy reference: the result schemas are declared below.
  outcome: z.lazy(() => z.intersection(z.union([ResultClosedReply, ResultRunningReply]), z.object({ runId: z.string() }))).optional()
    .openapi({ description: 'With `wait`: the result as `GET …/result` gives it (`status: "running"` when the wait ended first), and `runId`, the run it belongs to (the last of a continue-as-new chain).' }),
}).openapi('StartWorkflowReply');

const PendingActivity = z.looseObject({
  activityId: z.string(),
  activityType: z.string(),
  attempt: z.number().int(),
  state: z.enum(['scheduled', 'running', 'backoff']),
  lastFailure: FailureSchema.optional(),
  attemptFailures: z.array(z.looseObject({ attempt: z.number().int(), at: z.number(), type: z.string(), message: z.string() })).optional()
    .openapi({ description: 'Failures of its attempts so far, oldest first (the latest 10)' }),
  heartbeatDetails: z.unknown().optional(),
});

export const WorkflowDescriptionSchema = z.looseObject({
  workflowId: z.string(),
  runId: z.string(),
  workflowType: z.string(),
  status: z.enum(STATUSES),
  startTime: z.number().openapi({ description: 'ms since the epoch' }),
  closeTime: z.number().optional(),
  historyLength: z.number().int(),
  pendingActivities: z.array(PendingActivity),
  pendingTimers: z.array(z.object({ timerId: z.string(), fireAt: z.number() })),
  pendingChildren: z.array(z.object({ workflowId: z.string(), workflowType: z.string(), runId: z.string().optional() })),
  memo: z.record(z.string(), z.unknown()),
  searchAttributes: z.record(z.string(), SearchAttributeValue),
  blockedReason: z.string().optional().openapi({ description: 'Why a running execution is stuck, e.g. a non-determinism diff.' }),
}).openapi('WorkflowDescription');

export const ResultClosedReply = z.union([
  z.object({ status: z.literal('completed'), result: z.unknown() }),
  z.object({ status: z.enum(['failed', 'canceled', 'terminated', 'timedOut']), failure: FailureSchema }),
  z.object({ status: z.literal('continuedAsNew'), newRunId: z.string().optional() })
    .openapi({ description: 'Only with followRuns=false, when the run continued as new.' }),
]).openapi('WorkflowResult');

export const ResultRunningReply = z.object({ status: z.literal('running') }).openapi('WorkflowRunning');

export const HistoryEventSchema = z.looseObject({
  eventId: z.number().int(),
  type: z.string().openapi({ example: 'WorkflowExecutionStarted' }),
  timestamp: z.number(),
}).openapi('HistoryEvent', { description: 'One history event; the other members depend on `type`.' });

export const HistoryPageSchema = z.object({
  events: z.array(HistoryEventSchema),
  nextEventId: z.number().int().openapi({ description: 'The last event id + 1; pass `after = nextEventId - 1` for the next page.' }),
}).openapi('HistoryPage');

export const LogLineSchema = z.looseObject({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  time: z.string().openapi({ description: 'When it was written (ISO 8601, wall clock).' }),
}).openapi('LogLine', { description: 'A line as `ctx.log` wrote it: who wrote it (workflowId, runId, workflowType, activityId, activityType, attempt…) and the attributes given.' });

export const LogPageSchema = z.object({
  runId: z.string(),
  lines: z.array(z.object({ seq: z.number().int(), line: LogLineSchema })),
  lastSeq: z.number().int().openapi({ description: 'The last line\'s `seq` (or `after` when none): pass it as `after` for lines kept since.' }),
}).openapi('LogPage');

export const QueryReply = z.object({ result: z.unknown() }).openapi('QueryReply');

export const UpdateReplySchema = z.object({
  updateId: z.string(),
  outcome: OutcomeSchema.optional().openapi({ description: 'Absent when waiting only for acceptance.' }),
}).openapi('UpdateReply');

export const EmptyReply = z.object({}).openapi('Accepted');

export const HeartbeatReply = z.object({ cancelRequested: z.boolean() }).openapi('HeartbeatReply');

export const HealthReply = z.object({ ok: z.literal(true) });

export const UpdateWithStartReply = z.object({
  workflowId: z.string(),
  runId: z.string(),
  started: z.boolean(),
  updateId: z.string(),
  outcome: OutcomeSchema,
}).openapi('UpdateWithStartReply');
