// Spans out over OTLP/HTTP in its JSON encoding (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding):
// the one request shape every collector takes (OpenTelemetry Collector, Jaeger, Tempo, Honeycomb, Grafana, Axiom…).
// Written here rather than through the OpenTelemetry SDK's exporter: that needs ReadableSpans from its tracer, and
// Duro's spans outlive any tracer (a run's span starts and ends in different invocations; decision 018).
import type { SpanAttributes, SpanData, SpanKind } from '../core/tracing/span';

/** Where spans go: the collector's traces URL (…/v1/traces), with headers (an API key). */
export interface OtlpOptions {
  url: string;
  headers?: Record<string, string>;
  /** The `service.name` of the resource the spans come from. Default 'duro'. */
  serviceName?: string;
}

/** OpenTelemetry's own variable names, as a Worker's `env` (or `process.env`) holds them; undefined: no endpoint set. */
export function otlpOptionsFrom(env: Record<string, unknown> | undefined): OtlpOptions | undefined {
  const text = (name: string) => (typeof env?.[name] === 'string' && env[name] !== '' ? (env[name] as string) : undefined);
  const base = text('OTEL_EXPORTER_OTLP_ENDPOINT');
  const url = text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? (base && `${base.replace(/\/+$/, '')}/v1/traces`);
  if (!url) return undefined;
  const headers = parseHeaders(text('OTEL_EXPORTER_OTLP_TRACES_HEADERS') ?? text('OTEL_EXPORTER_OTLP_HEADERS'));
  const serviceName = text('OTEL_SERVICE_NAME');
  return { url, ...(headers && { headers }), ...(serviceName && { serviceName }) };
}

/** An HTTP field name (RFC 9110 token), and a value without the characters fetch refuses. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[^\0\r\n]*$/;

/**
 * `key1=value1,key2=value2`, values percent-encoded (the OTLP exporter spec's format). A pair that is malformed, or
 * that fetch would refuse as a header, is skipped: kept, it would make every export throw.
 */
function parseHeaders(text: string | undefined): Record<string, string> | undefined {
  if (!text) return undefined;
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, at).trim());
      value = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      continue; // a malformed escape
    }
    if (HEADER_NAME.test(name) && HEADER_VALUE.test(value)) headers[name] = value;
  }
  return headers;
}

const KIND: Record<SpanKind, number> = { internal: 1, server: 2, client: 3 };
const STATUS_ERROR = 2;

/** The JSON body of an OTLP/HTTP export request for `spans`. */
export function otlpTraceRequest(spans: readonly SpanData[], serviceName = 'duro'): unknown {
  return {
    resourceSpans: [{
      resource: { attributes: attributesOf({ 'service.name': serviceName, 'telemetry.sdk.name': 'duro', 'telemetry.sdk.language': 'webjs' }) },
      scopeSpans: [{
        scope: { name: 'duro' },
        spans: spans.map((span) => ({
          traceId: span.traceId,
          spanId: span.spanId,
          ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
          name: bounded(span.name),
          kind: KIND[span.kind],
          startTimeUnixNano: nanos(span.startTime),
          endTimeUnixNano: nanos(span.endTime),
          attributes: attributesOf(span.attributes),
          status: span.error === undefined ? {} : { code: STATUS_ERROR, message: bounded(span.error) },
        })),
      }],
    }],
  };
}

/**
 * A span's names, messages and string attributes are cut to this: a failure message may be 2 MiB, and collectors
 * refuse or truncate large attributes (the OpenTelemetry SDKs' attribute value length limits do the same).
 */
const MAX_STRING = 1_024;

function bounded(text: string): string {
  return text.length <= MAX_STRING ? text : `${text.slice(0, MAX_STRING - 1)}…`;
}

/** ms since the epoch (maybe fractional) as the decimal string of nanoseconds OTLP/JSON carries 64-bit integers in. */
function nanos(ms: number): string {
  return (BigInt(Math.round(ms * 1_000)) * 1_000n).toString();
}

/** An integer past 2^53 is written as a double: String(1e21) is `1e+21`, no int64 a collector reads. */
function attributesOf(attributes: SpanAttributes): unknown[] {
  return Object.entries(attributes).map(([key, value]) => ({
    key,
    value: typeof value === 'string' ? { stringValue: bounded(value) }
      : typeof value === 'boolean' ? { boolValue: value }
        : Number.isSafeInteger(value) ? { intValue: String(value) } : { doubleValue: doubleOf(value) },
  }));
}

/** A double as proto3's JSON mapping writes it: JSON has no NaN or infinities (JSON.stringify would write null). */
function doubleOf(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}
