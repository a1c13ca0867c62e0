// What the Visibility index keeps of a run, and the values a search attribute matches.
import { describe, expect, it } from 'vitest';
import type { RunState } from '../../../src/core/run-state';
import { executionRecordOf, searchValues } from '../../../src/visibility/record';

const MAX_RECORD_CHARS = 64 * 1024;

function runState(overrides: Partial<RunState> = {}): RunState {
  return {
    workflowId: 'order-42', runId: 'run-1', workflowType: 'order', status: 'running', startTime: Date.UTC(2025, 0, 31),
    nextEventId: 12, historySizeBytes: 4096,
    memo: { note: 'gift wrap' }, searchAttributes: { customerId: 'c-7', priority: 2, tags: ['vip', 'eu'] },
    activities: {}, timers: {}, children: {}, externals: {}, inFlightUpdates: [], completedUpdates: {}, signalRequestIds: {},
    cancelRequested: false, activationFailures: 0,
    ...overrides,
  };
}

describe('executionRecordOf', () => {
  it('keeps what list and count show of a running run, and no closeTime', () => {
    const record = executionRecordOf(runState());
    expect(record).toEqual({
      workflowId: 'order-42', runId: 'run-1', workflowType: 'order', status: 'running', startTime: Date.UTC(2025, 0, 31),
      memo: { note: 'gift wrap' }, searchAttributes: { customerId: 'c-7', priority: 2, tags: ['vip', 'eu'] },
    });
    expect(record).not.toHaveProperty('closeTime');
  });

  it('keeps closeTime once the run is closed', () => {
    const closeTime = Date.UTC(2025, 0, 31, 1);
    expect(executionRecordOf(runState({ status: 'completed', closeTime }))).toMatchObject({ status: 'completed', closeTime });
  });

  it('keeps closeTime 0', () => {
    expect(executionRecordOf(runState({ status: 'failed', startTime: 0, closeTime: 0 }))).toHaveProperty('closeTime', 0);
  });

  it('replaces a memo that makes the record too large with a note, and keeps the rest', () => {
    const state = runState({ memo: { blob: 'x'.repeat(MAX_RECORD_CHARS) } });
    const record = executionRecordOf(state);
    expect(record.memo).toEqual({ memoOmitted: expect.stringMatching(/too large.*describe/) });
    expect(record.searchAttributes).toEqual(state.searchAttributes);
    expect(JSON.stringify(record).length).toBeLessThanOrEqual(MAX_RECORD_CHARS);
    // The run itself keeps its memo (describe shows it).
    expect(state.memo).toEqual({ blob: 'x'.repeat(MAX_RECORD_CHARS) });
  });

  it('keeps a memo that leaves the record at exactly the limit, and drops one a character longer', () => {
    const withBlob = (length: number) => runState({ status: 'completed', closeTime: Date.UTC(2025, 0, 31, 1), memo: { blob: 'x'.repeat(length) } });
    const overhead = JSON.stringify(executionRecordOf(withBlob(0))).length;
    const atLimit = executionRecordOf(withBlob(MAX_RECORD_CHARS - overhead));
    expect(JSON.stringify(atLimit).length).toBe(MAX_RECORD_CHARS);
    expect(atLimit.memo).toEqual({ blob: 'x'.repeat(MAX_RECORD_CHARS - overhead) });
    expect(executionRecordOf(withBlob(MAX_RECORD_CHARS - overhead + 1)).memo).toHaveProperty('memoOmitted');
  });
});

describe('searchValues', () => {
  it('matches a string as it is', () => {
    expect(searchValues('gold')).toEqual(['gold']);
    expect(searchValues('')).toEqual(['']);
  });

  it('spells numbers and booleans as JSON does', () => {
    expect(searchValues(2)).toEqual(['2']);
    expect(searchValues(0.5)).toEqual(['0.5']);
    expect(searchValues(-3)).toEqual(['-3']);
    expect(searchValues(true)).toEqual(['true']);
    expect(searchValues(false)).toEqual(['false']);
  });

  it('matches each element of a keyword list, flattening nested lists', () => {
    expect(searchValues(['vip', 'eu'])).toEqual(['vip', 'eu']);
    expect(searchValues(['a', ['b', ['c']], 3, false])).toEqual(['a', 'b', 'c', '3', 'false']);
    expect(searchValues([])).toEqual([]);
  });

  it('matches nothing for null, undefined and objects, alone or in a list', () => {
    expect(searchValues(null)).toEqual([]);
    expect(searchValues(undefined)).toEqual([]);
    expect(searchValues({ tier: 'gold' })).toEqual([]);
    expect(searchValues(['vip', null, { tier: 'gold' }, undefined, 'eu'])).toEqual(['vip', 'eu']);
  });
});
