// Reading what an OTLP/HTTP JSON export request carries, for tests that stand in for the collector.

/** One span as OTLP/JSON writes it (src/protocol/otlp.ts). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status: { code?: number; message?: string };
}

interface ExportBody {
  resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> }; scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

/** The spans of an export request's body, each with the `service.name` of the resource it came from. */
export function otlpSpansOf(body: unknown): Array<OtlpSpan & { service: unknown }> {
  return (body as ExportBody).resourceSpans.flatMap((resource) => {
    const service = resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
    return resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ ...span, service })));
  });
}

/** A span attribute's OTLP value (`{ stringValue }`, `{ intValue }`…), or undefined. */
export function attributeOf(span: OtlpSpan, key: string): Record<string, unknown> | undefined {
  return span.attributes.find((entry) => entry.key === key)?.value;
}
