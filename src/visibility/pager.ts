// Paging one ordered list across every shard. Executions are ordered newest first by (startTime, runId),
// a total order; each page asks every shard for the rows after the cursor and merges them. The cursor is the
// last row returned, so a page never repeats or skips a row that existed when the listing began.
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../protocol/encoding';
import { filterKey, FilterError, type ListFilter } from './filter';
import type { ExecutionRecord } from './record';

/** The last row of a page: the next page starts strictly after it. */
export interface ListCursor {
  startTime: number;
  runId: string;
}

/** What a shard answers: up to `limit` of its rows after `after`, in list order. */
export interface ShardLister {
  list(filter: ListFilter, after: ListCursor | undefined, limit: number): Promise<ExecutionRecord[]>;
}

export interface ListPage {
  executions: ExecutionRecord[];
  nextPageToken?: string;
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1_000;

/** List order: newest start first, then by run id (descending), so equal start times still have one order. */
export function compareListOrder(a: ListCursor, b: ListCursor): number {
  if (a.startTime !== b.startTime) return b.startTime - a.startTime;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

export async function listAcrossShards(shards: ShardLister[], filter: ListFilter, pageSize: number, pageToken?: string): Promise<ListPage> {
  const after = pageToken === undefined ? undefined : decodePageToken(pageToken, filter);
  // One more than a page from each shard: if any row is left over, there is a next page.
  const rows = (await Promise.all(shards.map((shard) => shard.list(filter, after, pageSize + 1)))).flat().sort(compareListOrder);
  const executions = rows.slice(0, pageSize);
  const last = executions.at(-1);
  return rows.length > pageSize && last ? { executions, nextPageToken: encodePageToken({ startTime: last.startTime, runId: last.runId }, filter) } : { executions };
}

interface TokenBody {
  v: 1;
  s: number;
  r: string;
  /** The filter the listing was made with. */
  f: string;
}

export function encodePageToken(cursor: ListCursor, filter: ListFilter): string {
  const body: TokenBody = { v: 1, s: cursor.startTime, r: cursor.runId, f: filterKey(filter) };
  return toBase64Url(utf8(JSON.stringify(body)));
}

export function decodePageToken(token: string, filter: ListFilter): ListCursor {
  let body: Partial<TokenBody> | null;
  try {
    body = JSON.parse(fromUtf8(fromBase64Url(token))) as Partial<TokenBody> | null;
  } catch {
    throw new FilterError('nextPageToken is not a token this API issued');
  }
  if (typeof body !== 'object' || body === null || body.v !== 1 || typeof body.s !== 'number' || typeof body.r !== 'string') throw new FilterError('nextPageToken is not a token this API issued');
  if (body.f !== filterKey(filter)) throw new FilterError('nextPageToken belongs to a listing with other filters; pass the same filters to page on');
  return { startTime: body.s, runId: body.r };
}
