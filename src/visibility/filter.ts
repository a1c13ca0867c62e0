// The filters of GET /v1/workflows, /count and the batch operations (docs/api.md), checked once at the edge
// and handed to every shard in one normalised shape.
import { WorkflowStatus } from '../core/history';

const WORKFLOW_STATUSES: readonly WorkflowStatus[] = Object.values(WorkflowStatus);

export interface SearchFilter {
  name: string;
  value: string;
}

export interface ListFilter {
  workflowType?: string;
  /** Any of these statuses. */
  statuses?: WorkflowStatus[];
  /** Epoch ms, exclusive. */
  startedAfter?: number;
  /** Epoch ms, exclusive. */
  startedBefore?: number;
  /** Every one of these must match. */
  search?: SearchFilter[];
}

/** The filters as a request spells them (query string or JSON body). */
export interface RawListFilter {
  workflowType?: string;
  /** One status, a comma-separated list, or an array. */
  status?: string | string[];
  /** ISO 8601 or epoch milliseconds. */
  startedAfter?: string | number;
  startedBefore?: string | number;
  search?: Record<string, string | number | boolean>;
}

/** A filter that cannot be applied: a 400 `duro:invalid-request`. */
export class FilterError extends Error {}

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function parseListFilter(raw: RawListFilter): ListFilter {
  const filter: ListFilter = {};
  if (raw.workflowType !== undefined && raw.workflowType !== '') filter.workflowType = raw.workflowType;
  if (raw.status !== undefined) {
    const statuses = (Array.isArray(raw.status) ? raw.status : [raw.status]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
    for (const status of statuses) {
      if (!WORKFLOW_STATUSES.includes(status as WorkflowStatus)) throw new FilterError(`Unknown status '${status}'; expected one of ${WORKFLOW_STATUSES.join(', ')}`);
    }
    if (statuses.length > 0) filter.statuses = [...new Set(statuses as WorkflowStatus[])].sort();
  }
  if (raw.startedAfter !== undefined) filter.startedAfter = parseInstant(raw.startedAfter, 'startedAfter');
  if (raw.startedBefore !== undefined) filter.startedBefore = parseInstant(raw.startedBefore, 'startedBefore');
  const search = Object.entries(raw.search ?? {}).map(([name, value]) => {
    if (!ATTRIBUTE_NAME.test(name)) throw new FilterError(`'${name}' is not a search attribute name (letters, digits, '_' and '-')`);
    if (!['string', 'number', 'boolean'].includes(typeof value)) throw new FilterError(`search.${name} must be a string, number or boolean`);
    return { name, value: String(value) };
  });
  if (search.length > 0) filter.search = search.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return filter;
}

/**
 * A date (UTC midnight), or a date and time with its zone (`Z` or `±hh:mm`): a time without a zone would be read in
 * the server's local time zone.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** The last instant a JavaScript Date can hold. */
const MAX_DATE_MS = 8.64e15;

/** Epoch ms from ISO 8601 or a whole number of milliseconds; anything else (Date.parse is lenient) is a FilterError. */
export function parseInstant(value: string | number, field: string): number {
  const ms = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : ISO_8601.test(value) && isCalendarDate(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 0 || ms > MAX_DATE_MS) throw new FilterError(`${field} must be an ISO 8601 time or epoch milliseconds, not '${value}'`);
  return ms;
}

/** The same filter always yields the same key: a page token is bound to the filter it was made for. */
export function filterKey(filter: ListFilter): string {
  return JSON.stringify([filter.workflowType ?? null, filter.statuses ?? null, filter.startedAfter ?? null, filter.startedBefore ?? null, filter.search ?? null]);
}

/** Date.parse rolls a day past the month's end over into the next month (2025-02-30 → 2 March): refuse it instead. */
function isCalendarDate(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
