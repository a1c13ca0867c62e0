// Ids and names: one rule set for every door (the API, workflow code). An id or name is new text that will be
// stored, put in a URL path, an HTTP header and a Durable Object name, so it must survive all four.
import { ApplicationFailure } from './failure';
import { Limits } from './limits';

/** The kinds of ids and names; each is checked by {@link nameProblem}. */
export const NameKind = {
  workflowId: 'workflowId',
  runId: 'runId',
  activityId: 'activityId',
  workflowType: 'workflowType',
  signalName: 'signal name',
  queryName: 'query name',
  updateName: 'update name',
  updateId: 'updateId',
  requestId: 'requestId',
  scheduleId: 'scheduleId',
  batchId: 'batchId',
  searchAttributeKey: 'search attribute key',
} as const;
export type NameKind = (typeof NameKind)[keyof typeof NameKind];

/**
 * Fixed path segments under `/v1/workflows/`: a workflow of one of these ids could not be described by
 * `GET /v1/workflows/{workflowId}` (it would be the route), so none can be started.
 */
export const RESERVED_WORKFLOW_IDS: readonly string[] = ['count', 'signal-with-start', 'update-with-start'];

/** Schedule and batch ids are also prefixes of other ids; they keep their shorter limit. */
const SHORT_KINDS: ReadonlySet<NameKind> = new Set([NameKind.scheduleId, NameKind.batchId]);

// C0 controls, DEL, and the line and paragraph separators (JSON and JavaScript treat them as line breaks).
// oxlint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/;
// In `u` mode a surrogate pair is one code point: only a lone surrogate matches.
const LONE_SURROGATE = /\p{Cs}/u;

/** The longest id or name of a kind, in UTF-16 code units. */
export function maxNameLength(kind: NameKind): number {
  return SHORT_KINDS.has(kind) ? Limits.maxShortIdLength : Limits.maxIdLength;
}

/**
 * Why `value` cannot be a new id or name of `kind`, or `undefined` when it can: empty, too long, a control
 * character (U+0000–U+001F, U+007F, U+2028, U+2029), a lone surrogate (not valid UTF-16), `.` or `..` (a URL path
 * cannot carry them), and for a workflowId one of {@link RESERVED_WORKFLOW_IDS}. Apply it where an id is created.
 *
 * @example
 * nameProblem('order-42', NameKind.workflowId); // undefined
 * nameProblem('count', NameKind.workflowId); // '"count" is reserved: …'
 */
export function nameProblem(value: string, kind: NameKind): string | undefined {
  const lookup = lookupProblem(value, kind);
  if (lookup) return lookup;
  const control = CONTROL.exec(value);
  if (control) return `must not contain control characters (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${control.index})`;
  if (value === '.' || value === '..') return `must not be "${value}" (a URL path cannot carry it)`;
  if (kind === NameKind.workflowId && RESERVED_WORKFLOW_IDS.includes(value)) {
    return `"${value}" is reserved: /v1/workflows/${value} is a route of the API`;
  }
  return undefined;
}

/**
 * Why `value` cannot name an existing id or name of `kind`: only what no version could have created or could
 * address (empty, too long, a lone surrogate, which no URL, header or Durable Object name keeps). Ids created
 * before the full rule of {@link nameProblem} keep working.
 */
export function lookupProblem(value: string, kind: NameKind): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value.length === 0) return 'must not be empty';
  const max = maxNameLength(kind);
  if (value.length > max) return `is ${value.length} characters long, over the ${max}-character limit`;
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (it contains a lone UTF-16 surrogate)';
  return undefined;
}

/** Workflow code's door: throws a non-retryable `InvalidName` {@link ApplicationFailure} when `nameProblem` finds one. */
export function checkName(value: string, kind: NameKind): void {
  const problem = nameProblem(value, kind);
  if (problem !== undefined) throw invalidName(value, kind, problem);
}

/** As {@link checkName} for an existing id (an external workflow): only {@link lookupProblem}. */
export function checkLookupName(value: string, kind: NameKind): void {
  const problem = lookupProblem(value, kind);
  if (problem !== undefined) throw invalidName(value, kind, problem);
}

function invalidName(value: string, kind: NameKind, problem: string): ApplicationFailure {
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value) : String(value);
  return ApplicationFailure.nonRetryable(`Invalid ${kind} ${shown}: ${problem}`, 'InvalidName');
}
