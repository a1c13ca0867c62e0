// Where a run's spans sit in a trace (W3C Trace Context: https://www.w3.org/TR/trace-context/). A run records the
// context it was started in (the client's request, its parent workflow's run, the run it continues); every span id
// of the run is derived from its ids, so any host, after any restart, names the same spans without storing them.
import { hash32 } from '../hash';

/** The trace a run belongs to and the span its own span is a child of, as recorded in its start event. */
export interface RunTrace {
  /** 32 lowercase hex digits. */
  traceId: string;
  /** The caller's span (16 hex digits): the client request, or the parent workflow's run span. None: a root span. */
  parentSpanId?: string;
  /** The caller asked not to record this trace (its `traceparent` flags): no span of the run is exported. */
  notSampled?: true;
}

/** A W3C `traceparent` as parsed: the caller's trace, span, and whether it samples. */
export interface SpanContext {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The context a `traceparent` header carries, or undefined when it is absent or not valid (it is then ignored). */
export function parseTraceparent(header: string | null | undefined): SpanContext | undefined {
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim()) : null;
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has exactly four fields; a later version may add fields after them.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, spanId: spanId!, sampled: (parseInt(flags!, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** What a run started by a caller with this context records (none given: a new trace, named after the chain). */
export function runTraceFrom(caller: SpanContext | undefined): RunTrace | undefined {
  if (!caller) return undefined;
  return { traceId: caller.traceId, parentSpanId: caller.spanId, ...(!caller.sampled && { notSampled: true as const }) };
}

/** A run's trace: the recorded one, or (started without one, or stored before runs recorded one) a trace of its own, named after the run. */
export function runTrace(run: { trace?: RunTrace | undefined; runId: string }): RunTrace {
  return run.trace ?? { traceId: derivedId(`trace/${run.runId}`, 4) };
}

/** The `traceparent` an activity attempt's request carries: the activity server's span is a child of the attempt's. */
export function attemptTraceparent(run: { trace?: RunTrace | undefined; runId: string }, activityId: string, attempt: number): string {
  const trace = runTrace(run);
  return formatTraceparent(trace.traceId, attemptSpanId(run.runId, activityId, attempt), !trace.notSampled);
}

/** The span of a whole run, from its start to its close. */
export function runSpanId(runId: string): string {
  return derivedId(`run/${runId}`, 2);
}

/** The span of one activity attempt, as Duro sends it (the activity server's span is its child). */
export function attemptSpanId(runId: string, activityId: string, attempt: number): string {
  return derivedId(`attempt/${runId}/${activityId}/${attempt}`, 2);
}

/** The trace a child workflow's run records: its parent's, under the parent's run span. */
export function childTrace(parent: { trace?: RunTrace | undefined; runId: string }): RunTrace {
  const trace = runTrace(parent);
  return { traceId: trace.traceId, parentSpanId: runSpanId(parent.runId), ...(trace.notSampled && { notSampled: true as const }) };
}

/** A random span id (for spans that no one else needs to name: activations, handlers). */
export function randomSpanId(random: () => number = Math.random): string {
  let id = '';
  while (id.length < 16) id += Math.floor(random() * 0x1_0000_0000).toString(16).padStart(8, '0');
  return id === ZERO_SPAN ? randomSpanId(random) : id;
}

/**
 * `words` × 32 bits of hex, hashed from `text` (one seed a word): stable everywhere, not a secret. Never all zeros,
 * which W3C reserves for "invalid".
 */
function derivedId(text: string, words: number): string {
  let hex = '';
  for (let word = 0; word < words; word++) hex += hash32(text, 0x811c9dc5 ^ Math.imul(word + 1, 0x9e3779b1)).toString(16).padStart(8, '0');
  return /^0+$/.test(hex) ? `${hex.slice(0, -1)}1` : hex;
}
