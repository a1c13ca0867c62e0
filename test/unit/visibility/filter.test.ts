// The list filters as GET /v1/workflows, /count and the batch operations take them (docs/api.md): one normalised
// shape whatever way a request spells them, and a key that binds a page token to its filter.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filterKey, FilterError, parseListFilter, type RawListFilter } from '../../../src/visibility/filter';

const JAN_31_NOON = Date.UTC(2025, 0, 31, 12);

describe('parseListFilter: status', () => {
  it('takes one status', () => {
    expect(parseListFilter({ status: 'running' })).toEqual({ statuses: ['running'] });
  });

  it('takes a comma-separated list, spaces around the commas allowed', () => {
    expect(parseListFilter({ status: 'running,failed' })).toEqual({ statuses: ['failed', 'running'] });
    expect(parseListFilter({ status: ' timedOut , canceled ' })).toEqual({ statuses: ['canceled', 'timedOut'] });
  });

  it('takes an array, each element itself possibly a comma list', () => {
    expect(parseListFilter({ status: ['terminated', 'completed,continuedAsNew'] })).toEqual({ statuses: ['completed', 'continuedAsNew', 'terminated'] });
  });

  it('keeps each status once', () => {
    expect(parseListFilter({ status: ['failed', 'failed,running', 'running'] })).toEqual({ statuses: ['failed', 'running'] });
  });

  it('accepts every status of API.md', () => {
    const all = ['running', 'completed', 'failed', 'canceled', 'terminated', 'continuedAsNew', 'timedOut'];
    expect(parseListFilter({ status: all.join(',') }).statuses).toEqual([...all].sort());
  });

  it('treats an empty status as no status filter', () => {
    expect(parseListFilter({ status: '' })).toEqual({});
    expect(parseListFilter({ status: [',', ' '] })).toEqual({});
  });

  it.each(['done', 'Running', 'running,closed', 'cancelled'])('rejects the unknown status in %j', (status) => {
    expect(() => parseListFilter({ status })).toThrow(FilterError);
  });

  it('names the unknown status in the error', () => {
    expect(() => parseListFilter({ status: ['running', 'paused'] })).toThrow(/'paused'/);
  });
});

describe('parseListFilter: startedAfter and startedBefore', () => {
  it('reads ISO 8601, with any offset', () => {
    expect(parseListFilter({ startedAfter: '2025-01-31T12:00:00Z' })).toEqual({ startedAfter: JAN_31_NOON });
    expect(parseListFilter({ startedBefore: '2025-01-31T13:00:00.000+01:00' })).toEqual({ startedBefore: JAN_31_NOON });
  });

  it('reads a date alone as midnight UTC, and an offset with or without its colon', () => {
    expect(parseListFilter({ startedAfter: '2025-01-31' })).toEqual({ startedAfter: Date.UTC(2025, 0, 31) });
    expect(parseListFilter({ startedAfter: '2025-01-31T13:00:00+0100' })).toEqual({ startedAfter: JAN_31_NOON });
    expect(parseListFilter({ startedAfter: '2025-01-31T12:00:00.000000001Z' })).toEqual({ startedAfter: JAN_31_NOON });
  });

  it('reads epoch milliseconds given as a number', () => {
    expect(parseListFilter({ startedAfter: JAN_31_NOON, startedBefore: 0 })).toEqual({ startedAfter: JAN_31_NOON, startedBefore: 0 });
  });

  it('reads epoch milliseconds given as a digit string (a query string has no numbers)', () => {
    expect(parseListFilter({ startedAfter: String(JAN_31_NOON) })).toEqual({ startedAfter: JAN_31_NOON });
    // All digits is milliseconds, never a year.
    expect(parseListFilter({ startedBefore: '2025' })).toEqual({ startedBefore: 2025 });
  });

  it.each(['yesterday', '', '12abc', '2025-13-01T00:00:00Z', '1e3', '0x10'])('rejects startedAfter %j', (startedAfter) => {
    expect(() => parseListFilter({ startedAfter })).toThrow(FilterError);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -5, 1.5, 2 ** 53])('rejects the number %d (not a whole, safe, non-negative ms)', (startedBefore) => {
    expect(() => parseListFilter({ startedBefore })).toThrow(FilterError);
  });

  it('names the field in the error', () => {
    expect(() => parseListFilter({ startedBefore: 'soon' })).toThrow(/startedBefore/);
  });

  // Neither ISO 8601 nor epoch milliseconds, but V8's Date.parse falls back to a lenient legacy parser that reads
  // each as some day in 2001 ('-5' → May 2001, '12.5' and 'abc 12' → December 2001).
  it.each(['-5', '12.5', 'abc 12', 'order 7'])('rejects %j, which is neither ISO 8601 nor epoch milliseconds', (startedAfter) => {
    expect(() => parseListFilter({ startedAfter })).toThrow(FilterError);
  });

  // ISO 8601 in shape, but no such day: V8 rolls it over into the next month (30 February → 2 March).
  it.each(['2025-02-30T00:00:00Z', '2025-04-31', '2025-02-29'])('rejects %j, a day that does not exist', (startedAfter) => {
    expect(() => parseListFilter({ startedAfter })).toThrow(FilterError);
  });

  it('reads 29 February of a leap year', () => {
    expect(parseListFilter({ startedAfter: '2024-02-29' })).toEqual({ startedAfter: Date.UTC(2024, 1, 29) });
  });
});

describe('parseListFilter: search attributes', () => {
  it.each(['customerId', '_private', 'region-eu', 'a', 'A9_-', 'x'.repeat(64)])('accepts the name %j', (name) => {
    expect(parseListFilter({ search: { [name]: 'v' } })).toEqual({ search: [{ name, value: 'v' }] });
  });

  it.each(['', '9lives', '-x', 'has space', 'a.b', 'a=b', 'ümlaut', 'x'.repeat(65)])('rejects the name %j', (name) => {
    expect(() => parseListFilter({ search: { [name]: 'v' } })).toThrow(FilterError);
  });

  it('spells numbers and booleans as searchValues does, so search.priority=2 and {"priority": 2} match alike', () => {
    expect(parseListFilter({ search: { tier: 'gold', priority: 2, ratio: 0.5, vip: true, trial: false } }).search).toEqual([
      { name: 'priority', value: '2' },
      { name: 'ratio', value: '0.5' },
      { name: 'tier', value: 'gold' },
      { name: 'trial', value: 'false' },
      { name: 'vip', value: 'true' },
    ]);
  });

  it.each([[null], [{}], [['gold']], [undefined]])('rejects the value %j (a JSON body can carry anything)', (value) => {
    const raw = { search: { tier: value } } as unknown as RawListFilter;
    expect(() => parseListFilter(raw)).toThrow(FilterError);
  });

  it('treats no search attributes as no search filter', () => {
    expect(parseListFilter({ search: {} })).toEqual({});
  });
});

describe('parseListFilter: workflowType', () => {
  it('keeps a workflow type', () => {
    expect(parseListFilter({ workflowType: 'order' })).toEqual({ workflowType: 'order' });
  });

  it('ignores an empty workflow type (?workflowType=)', () => {
    expect(parseListFilter({ workflowType: '' })).toEqual({});
  });

  it('yields an empty filter for no filters', () => {
    expect(parseListFilter({})).toEqual({});
  });
});

describe('filterKey', () => {
  const keyOf = (raw: RawListFilter) => filterKey(parseListFilter(raw));

  it('is the same for the same filter written differently', () => {
    const written: RawListFilter[] = [
      { workflowType: 'order', status: 'running,failed', startedAfter: '2025-01-31T12:00:00Z', search: { tier: 'gold', priority: 2 } },
      { workflowType: 'order', status: ['failed', 'running'], startedAfter: JAN_31_NOON, search: { priority: '2', tier: 'gold' } },
      { workflowType: 'order', status: ' failed , running,failed', startedAfter: String(JAN_31_NOON), search: { priority: 2, tier: 'gold' } },
    ];
    const keys = written.map(keyOf);
    expect(new Set(keys).size).toBe(1);
  });

  it('differs for different filters', () => {
    const filters: RawListFilter[] = [
      {},
      { workflowType: 'order' },
      { workflowType: 'invoice' },
      { status: 'running' },
      { status: 'running,failed' },
      { startedAfter: 1000 },
      { startedBefore: 1000 },
      { startedAfter: 1000, startedBefore: 2000 },
      { startedAfter: 2000, startedBefore: 1000 },
      { search: { tier: 'gold' } },
      { search: { tier: 'silver' } },
      { search: { level: 'gold' } },
      { search: { tier: 'gold', vip: true } },
      { workflowType: 'order', status: 'running' },
    ];
    const keys = filters.map(keyOf);
    expect(new Set(keys).size).toBe(filters.length);
  });

  it('is equal exactly when the parsed filters are equal', () => {
    const status = fc.constantFrom('running', 'failed', 'completed');
    const raw = fc.record(
      {
        workflowType: fc.constantFrom('', 'order', 'invoice'),
        status: fc.oneof(status, fc.array(status, { maxLength: 3 }), fc.array(status, { minLength: 1, maxLength: 3 }).map((s) => s.join(','))),
        startedAfter: fc.oneof(fc.constantFrom(1000, 2000), fc.constantFrom('1000', '1970-01-01T00:00:02Z')),
        search: fc.dictionary(fc.constantFrom('tier', 'region', 'priority'), fc.oneof(fc.constantFrom('gold', '1'), fc.constant(1), fc.boolean())),
      },
      { requiredKeys: [] },
    ) as fc.Arbitrary<RawListFilter>;
    fc.assert(
      fc.property(raw, raw, (a, b) => {
        const [pa, pb] = [parseListFilter(a), parseListFilter(b)];
        expect(filterKey(pa) === filterKey(pb)).toBe(JSON.stringify(sortedKeys(pa)) === JSON.stringify(sortedKeys(pb)));
      }),
    );
  });
});

function sortedKeys(value: object): object {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)));
}
