// W3C Trace Context as Duro reads and writes it (https://www.w3.org/TR/trace-context/#traceparent-header), and the
// span ids it derives from a run's ids, which every host must name alike after any restart.
import { describe, expect, it } from 'vitest';
import {
  attemptSpanId, attemptTraceparent, childTrace, formatTraceparent, parseTraceparent, randomSpanId, runSpanId, runTrace, runTraceFrom,
} from '../../../src/core/tracing/trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('reads the trace, the parent span and the sampled flag', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });

  it('reads only the sampled bit of the flags', () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.sampled).toBe(false);
  });

  it('ignores what a later version adds after the four fields, and reads the four', () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-what-comes-next`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
    expect(parseTraceparent(`cc-${TRACE}-${SPAN}-00`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: false });
  });

  it('tolerates the whitespace a header value may carry around it', () => {
    expect(parseTraceparent(` 00-${TRACE}-${SPAN}-01\t`)).toEqual({ traceId: TRACE, spanId: SPAN, sampled: true });
  });

  it.each([
    ['version 00 with fields after the flags', `00-${TRACE}-${SPAN}-01-extra`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['a later version glued to more text without a dash', `01-${TRACE}-${SPAN}-01extra`],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['an all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['uppercase hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['uppercase in the span id', `00-${TRACE}-00F067AA0BA902B7-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['a long span id', `00-${TRACE}-${SPAN}0-01`],
    ['a one-digit version', `0-${TRACE}-${SPAN}-01`],
    ['a three-digit flags field', `00-${TRACE}-${SPAN}-001`],
    ['a non-hex digit', `00-${TRACE.slice(0, -1)}g-${SPAN}-01`],
    ['whitespace inside', `00-${TRACE} -${SPAN}-01`],
    ['another separator', `00_${TRACE}_${SPAN}_01`],
    ['an empty value', ''],
  ])('refuses %s', (_case, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it('takes an absent header as no context', () => {
    expect(parseTraceparent(undefined)).toBeUndefined();
    expect(parseTraceparent(null)).toBeUndefined();
  });
});

describe('formatTraceparent', () => {
  it('writes version 00, which parseTraceparent reads back', () => {
    expect(formatTraceparent(TRACE, SPAN)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent(TRACE, SPAN, false)).toBe(`00-${TRACE}-${SPAN}-00`);
    for (const sampled of [true, false]) {
      expect(parseTraceparent(formatTraceparent(TRACE, SPAN, sampled))).toEqual({ traceId: TRACE, spanId: SPAN, sampled });
    }
  });
});

describe('derived ids', () => {
  const derived: Array<[string, (input: string) => string, number]> = [
    ['runSpanId', (id) => runSpanId(id), 16],
    ['attemptSpanId', (id) => attemptSpanId(id, '1', 1), 16],
    ['runTrace', (id) => runTrace({ runId: id }).traceId, 32],
  ];

  it.each(derived)('%s is lowercase hex of its W3C length, never all zeros', (_name, idOf, length) => {
    for (let i = 0; i < 200; i++) {
      const id = idOf(`run-${i}`);
      expect(id).toMatch(new RegExp(`^[0-9a-f]{${length}}$`));
      expect(id).not.toMatch(/^0+$/);
    }
  });

  it.each(derived)('%s differs between runs (that it never changes is pinned below)', (_name, idOf) => {
    const ids = new Set(Array.from({ length: 500 }, (_, i) => idOf(`run-${i}`)));
    expect(ids.size).toBe(500);
  });

  it('gives each attempt of each activity of a run its own span, apart from the run\'s', () => {
    const ids = [runSpanId('r'), attemptSpanId('r', '1', 1), attemptSpanId('r', '1', 2), attemptSpanId('r', '2', 1), attemptSpanId('s', '1', 1)];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the same ids as before (they must not change between versions: a run\'s spans are named across restarts)', () => {
    expect([runSpanId('run-1'), attemptSpanId('run-1', '1', 1), runTrace({ runId: 'run-1' }).traceId]).toMatchInlineSnapshot(`
      [
        "206d90711a7f2f1f",
        "ad1d691301c39121",
        "83a22b720028b3a4a7c0caa0e799eea7",
      ]
    `);
  });

  it('runTrace keeps a recorded trace, and names one of the run\'s own otherwise', () => {
    const recorded = { traceId: TRACE, parentSpanId: SPAN };
    expect(runTrace({ trace: recorded, runId: 'run-1' })).toBe(recorded);
    expect(runTrace({ runId: 'run-1' }).traceId).not.toBe(runTrace({ runId: 'run-2' }).traceId);
    expect(runTrace({ runId: 'run-1' })).not.toHaveProperty('parentSpanId');
  });

  it('randomSpanId never gives the all-zero id, even from a random source that says 0', () => {
    const zeros = [0, 0, 0, 0, 0.5, 0.5];
    expect(randomSpanId(() => zeros.shift() ?? 0.5)).toBe('8000000080000000');
    expect(randomSpanId()).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('run traces', () => {
  it('a start with a caller records the caller\'s trace and span, and notSampled when the caller does not sample', () => {
    expect(runTraceFrom({ traceId: TRACE, spanId: SPAN, sampled: true })).toEqual({ traceId: TRACE, parentSpanId: SPAN });
    expect(runTraceFrom({ traceId: TRACE, spanId: SPAN, sampled: false })).toEqual({ traceId: TRACE, parentSpanId: SPAN, notSampled: true });
    expect(runTraceFrom(undefined)).toBeUndefined();
  });

  it('a child keeps its parent\'s trace and sits under the parent run\'s span', () => {
    expect(childTrace({ trace: { traceId: TRACE, parentSpanId: SPAN }, runId: 'parent-run' })).toEqual({ traceId: TRACE, parentSpanId: runSpanId('parent-run') });
  });

  it('a child of a run its caller did not sample is not sampled either', () => {
    expect(childTrace({ trace: { traceId: TRACE, notSampled: true }, runId: 'parent-run' })).toEqual({ traceId: TRACE, parentSpanId: runSpanId('parent-run'), notSampled: true });
  });

  it('an attempt\'s traceparent names the attempt\'s span in the run\'s trace, with the run\'s sampling', () => {
    expect(attemptTraceparent({ trace: { traceId: TRACE }, runId: 'r' }, '3', 2)).toBe(`00-${TRACE}-${attemptSpanId('r', '3', 2)}-01`);
    expect(attemptTraceparent({ trace: { traceId: TRACE, notSampled: true }, runId: 'r' }, '3', 2)).toBe(`00-${TRACE}-${attemptSpanId('r', '3', 2)}-00`);
    expect(attemptTraceparent({ runId: 'r' }, '3', 2)).toBe(`00-${runTrace({ runId: 'r' }).traceId}-${attemptSpanId('r', '3', 2)}-01`);
  });
});
