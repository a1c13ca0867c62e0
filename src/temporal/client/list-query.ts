// Temporal's list filter (a visibility query, `WorkflowType = 'order' AND ExecutionStatus = 'Running'`) as the filter
// Duro's list and count take. Duro filters by type, status, start time and search attribute equality; a query that
// needs more (OR, ORDER BY, LIKE, other fields) is refused rather than answered wrongly.
import type { WorkflowStatus } from '../../core/history';
import type { ExecutionRecord } from '../../visibility/record';
import type { ListFilter as DuroListFilter } from '../../../client/visibility';

/** Duro's list filter, plus a workflow id matched on the client side (Duro's index has no such filter). */
export type ListFilter = DuroListFilter & { workflowId?: string };

const CLAUSE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=|>=|<=|>|<|IN)\s*(.+?)\s*$/i;

export function parseListQuery(query: string | undefined): ListFilter {
  const filter: ListFilter = {};
  if (query === undefined || query.trim() === '') return filter;
  for (const clause of query.split(/\s+AND\s+/i)) {
    const match = CLAUSE.exec(clause);
    if (!match) throw unsupported(query, clause);
    const [, key, operator, raw] = match as unknown as [string, string, string, string];
    const op = operator.toUpperCase();
    if (key === 'ExecutionStatus' && (op === '=' || op === 'IN')) {
      const values = op === 'IN' ? listOf(raw, query, clause) : [literal(raw, query, clause)];
      filter.status = values.map((value) => statusOf(String(value), query));
    } else if (key === 'StartTime' && op !== '=' && op !== 'IN') {
      const at = String(literal(raw, query, clause));
      if (op.startsWith('>')) filter.startedAfter = at;
      else filter.startedBefore = at;
    } else if (op !== '=') {
      throw unsupported(query, clause);
    } else if (key === 'WorkflowType') {
      filter.workflowType = String(literal(raw, query, clause));
    } else if (key === 'WorkflowId') {
      filter.workflowId = String(literal(raw, query, clause));
    } else if (/^(RunId|CloseTime|ExecutionTime|TaskQueue|HistoryLength|BuildIds|TemporalChangeVersion)$/.test(key)) {
      throw unsupported(query, clause);
    } else {
      (filter.search ??= {})[key] = literal(raw, query, clause);
    }
  }
  return filter;
}

/** The filter's conditions a backend's index cannot apply, applied to what it returned. */
export function matchesLocally(filter: ListFilter, record: ExecutionRecord): boolean {
  return filter.workflowId === undefined || record.workflowId === filter.workflowId;
}

function literal(raw: string, query: string, clause: string): string | number | boolean {
  const quoted = /^'([^']*)'$|^"([^"]*)"$/.exec(raw);
  if (quoted) return (quoted[1] ?? quoted[2])!;
  if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  throw unsupported(query, clause);
}

function listOf(raw: string, query: string, clause: string): Array<string | number | boolean> {
  const inner = /^\((.*)\)$/.exec(raw);
  if (!inner) throw unsupported(query, clause);
  return inner[1]!.split(',').map((item) => literal(item.trim(), query, clause));
}

/** Temporal's `ExecutionStatus` values (`Running`, `ContinuedAsNew`, …) are Duro's statuses capitalized. */
function statusOf(value: string, query: string): WorkflowStatus {
  const status = value.charAt(0).toLowerCase() + value.slice(1);
  const known = ['running', 'completed', 'failed', 'canceled', 'terminated', 'continuedAsNew', 'timedOut'];
  if (!known.includes(status)) throw new TypeError(`Unknown ExecutionStatus '${value}' in list query: ${query}`);
  return status as WorkflowStatus;
}

function unsupported(query: string, clause: string): TypeError {
  return new TypeError(
    `Duro's list takes clauses 'Field = value' joined by AND over WorkflowType, WorkflowId, ExecutionStatus (= or IN), StartTime (<, <=, >, >=) and custom search attributes; '${clause.trim()}' of "${query}" is not supported (docs/temporal.md)`,
  );
}
