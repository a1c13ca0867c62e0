// A finished span as Duro hands it to its host's exporter (src/protocol/otlp.ts writes it as OpenTelemetry's OTLP).
export type SpanKind = 'internal' | 'server' | 'client';

export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanData {
  traceId: string;
  spanId: string;
  /** None: the root of its trace. */
  parentSpanId?: string;
  name: string;
  kind: SpanKind;
  /** ms since the epoch. */
  startTime: number;
  endTime: number;
  attributes: SpanAttributes;
  /** Set when what the span stands for failed (OpenTelemetry's status ERROR). */
  error?: string;
}

/** Where a host sends finished spans. Export is best effort: telemetry never holds up or fails a run. */
export type SpanSink = (spans: SpanData[]) => void;
