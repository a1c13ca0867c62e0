// Keyset paging across Visibility shards: following nextPageToken visits every execution once, newest start first,
// whatever the shard count, the page size or the number of equal start times.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toBase64Url, utf8 } from '../../../src/protocol/encoding';
import { FilterError, type ListFilter } from '../../../src/visibility/filter';
import {
  compareListOrder, decodePageToken, encodePageToken, listAcrossShards, type ListCursor, type ListPage, type ShardLister,
} from '../../../src/visibility/pager';
import type { ExecutionRecord } from '../../../src/visibility/record';

/** A shard as the Visibility object answers: its rows after the cursor, in list order, at most `limit`. The filter is ignored. */
class FakeShard implements ShardLister {
  readonly asked: Array<{ filter: ListFilter; after: ListCursor | undefined; limit: number }> = [];

  constructor(public records: ExecutionRecord[]) {}

  async list(filter: ListFilter, after: ListCursor | undefined, limit: number): Promise<ExecutionRecord[]> {
    this.asked.push({ filter, after, limit });
    return [...this.records]
      .sort(compareListOrder)
      .filter((record) => after === undefined || compareListOrder(after, record) < 0)
      .slice(0, limit);
  }
}

function record(runId: string, startTime: number): ExecutionRecord {
  return { workflowId: `wf-${runId}`, runId, workflowType: 'order', status: 'running', startTime, memo: {}, searchAttributes: {} };
}

async function listAll(shards: ShardLister[], filter: ListFilter, pageSize: number, beforeEachPage?: (page: number) => void): Promise<ListPage[]> {
  const pages: ListPage[] = [];
  let token: string | undefined;
  do {
    beforeEachPage?.(pages.length);
    const page = await listAcrossShards(shards, filter, pageSize, token);
    pages.push(page);
    token = page.nextPageToken;
    if (pages.length > 10_000) throw new Error('the listing does not end');
  } while (token !== undefined);
  return pages;
}

/** 0–60 records with unique run ids, few distinct start times (so many ties), spread over 1–6 shards (some empty). */
const shardedRecords = fc
  .record({
    shardCount: fc.integer({ min: 1, max: 6 }),
    rows: fc.uniqueArray(
      fc.record({
        // Short ids over a small alphabet: prefixes of each other ('a' < 'ab') and ties on startTime are common.
        runId: fc.stringMatching(/^[a-d]{1,4}$/),
        startTime: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 ** 45 })),
        shard: fc.nat(),
      }),
      { selector: (row) => row.runId, maxLength: 60 },
    ),
  })
  .map(({ shardCount, rows }) => {
    const shards = Array.from({ length: shardCount }, () => [] as ExecutionRecord[]);
    for (const row of rows) shards[row.shard % shardCount]!.push(record(row.runId, row.startTime));
    return shards;
  });

const runIdsOf = (records: ExecutionRecord[]) => records.map((r) => r.runId);

describe('listAcrossShards', () => {
  it('yields every execution exactly once, in list order, in full pages but the last', async () => {
    await fc.assert(
      fc.asyncProperty(shardedRecords, fc.integer({ min: 1, max: 20 }), async (shardRecords, pageSize) => {
        const pages = await listAll(shardRecords.map((records) => new FakeShard(records)), {}, pageSize);

        const expected = shardRecords.flat().sort(compareListOrder);
        expect(runIdsOf(pages.flatMap((page) => page.executions))).toEqual(runIdsOf(expected));
        for (const page of pages.slice(0, -1)) {
          expect(page.executions).toHaveLength(pageSize);
          expect(page.nextPageToken).toBeDefined();
        }
        const last = pages.at(-1)!;
        expect(last.nextPageToken).toBeUndefined();
        expect(last.executions.length).toBeLessThanOrEqual(pageSize);
        // Only an empty index answers an empty page.
        if (expected.length > 0) expect(last.executions.length).toBeGreaterThan(0);
      }),
    );
  });

  it('never repeats or skips an execution that existed when the listing began, while others start meanwhile', async () => {
    const arrivals = fc.array(fc.record({ startTime: fc.integer({ min: 0, max: 6 }), shard: fc.nat(), page: fc.nat({ max: 10 }) }), { maxLength: 20 });
    await fc.assert(
      fc.asyncProperty(shardedRecords, fc.integer({ min: 1, max: 7 }), arrivals, async (shardRecords, pageSize, arriving) => {
        const existing = runIdsOf(shardRecords.flat().sort(compareListOrder));
        const shards = shardRecords.map((records) => new FakeShard([...records]));
        const pages = await listAll(shards, {}, pageSize, (page) => {
          arriving.forEach((arrival, i) => {
            if (arrival.page === page) shards[arrival.shard % shards.length]!.records.push(record(`new-${i}`, arrival.startTime));
          });
        });

        const seen = runIdsOf(pages.flatMap((page) => page.executions));
        expect(new Set(seen).size).toBe(seen.length);
        expect(seen.filter((runId) => !runId.startsWith('new-'))).toEqual(existing);
      }),
    );
  });

  it('answers an empty index with one empty page and no token', async () => {
    expect(await listAcrossShards([new FakeShard([]), new FakeShard([])], {}, 10)).toEqual({ executions: [] });
  });

  it('has no next page when the last page is exactly full', async () => {
    const shards = [new FakeShard([record('a', 3), record('b', 2)]), new FakeShard([record('c', 1), record('d', 1)])];
    const first = await listAcrossShards(shards, {}, 2);
    expect(runIdsOf(first.executions)).toEqual(['a', 'b']);
    const second = await listAcrossShards(shards, {}, 2, first.nextPageToken);
    expect(second).toEqual({ executions: [record('d', 1), record('c', 1)] });
  });

  it('orders newest start first, then run id descending', () => {
    const rows = [record('a', 1), record('b', 2), record('c', 1), record('ab', 1)];
    expect(runIdsOf(rows.sort(compareListOrder))).toEqual(['b', 'c', 'ab', 'a']);
  });

  it('hands every shard the filter and the last row of the previous page as the cursor', async () => {
    const filter: ListFilter = { workflowType: 'order', statuses: ['running'] };
    const shards = [new FakeShard([record('a', 5), record('b', 4)]), new FakeShard([record('c', 3)])];
    const first = await listAcrossShards(shards, filter, 2);
    await listAcrossShards(shards, filter, 2, first.nextPageToken);
    for (const shard of shards) {
      expect(shard.asked.map(({ filter, after }) => ({ filter, after }))).toEqual([
        { filter, after: undefined },
        { filter, after: { startTime: 4, runId: 'b' } },
      ]);
    }
  });
});

describe('page tokens', () => {
  const order: ListFilter = { workflowType: 'order' };

  it('rejects a token made for other filters', async () => {
    const shards = [new FakeShard([record('a', 3), record('b', 2), record('c', 1)])];
    const { nextPageToken } = await listAcrossShards(shards, order, 1);
    expect(nextPageToken).toBeDefined();
    for (const other of [{}, { workflowType: 'invoice' }, { ...order, statuses: ['running'] }] as ListFilter[]) {
      await expect(listAcrossShards(shards, other, 1, nextPageToken)).rejects.toThrow(FilterError);
    }
    await expect(listAcrossShards(shards, order, 1, nextPageToken)).resolves.toMatchObject({ executions: [record('b', 2)] });
  });

  const forged = (body: unknown) => toBase64Url(utf8(JSON.stringify(body)));
  const f = JSON.stringify([null, null, null, null, null]);

  it.each([
    ['not base64url', 'not a token!'],
    ['padded base64', `${forged({ v: 1, s: 1, r: 'a', f })}=`],
    ['an impossible base64 length', 'a'],
    ['empty', ''],
    ['not JSON', toBase64Url(utf8('{"v":1,'))],
    ['JSON null', forged(null)],
    ['a JSON number', forged(7)],
    ['a JSON array', forged([1, 1, 'a'])],
    ['another version', forged({ v: 2, s: 1, r: 'a', f })],
    ['a string start time', forged({ v: 1, s: '1', r: 'a', f })],
    ['no run id', forged({ v: 1, s: 1, f })],
  ])('rejects a garbage token (%s) as a FilterError', async (_, token) => {
    expect(() => decodePageToken(token, {})).toThrow(FilterError);
    await expect(listAcrossShards([new FakeShard([record('a', 1)])], {}, 1, token)).rejects.toThrow(FilterError);
  });

  it('is opaque base64url without padding and gives back the cursor it was made from', () => {
    fc.assert(
      fc.property(
        fc.record({ startTime: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), runId: fc.string({ unit: 'grapheme', maxLength: 40 }) }),
        fc.record({ workflowType: fc.string({ unit: 'grapheme', minLength: 1 }), search: fc.array(fc.record({ name: fc.constant('k'), value: fc.string() }), { maxLength: 1 }) }, { requiredKeys: [] }),
        (cursor, filter) => {
          const token = encodePageToken(cursor, filter);
          expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
          expect(decodePageToken(token, filter)).toEqual(cursor);
        },
      ),
    );
  });
});
