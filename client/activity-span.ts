// The span an activity server records for one attempt it runs (docs/observability.md, Traces): a child of the
// attempt's span in Duro, whose context the request's `traceparent` carries. The activity sees this span's context as
// `ctx.info.traceparent`, so what it calls (and logs) joins the trace under it.
import type { ActivityCallRequest } from '../src/protocol/activity-protocol';
import type { FailureInfo } from '../src/core/failure';
import { formatTraceparent, parseTraceparent, randomSpanId } from '../src/core/tracing/trace-context';
import { otlpOptionsFrom, type OtlpOptions } from '../src/protocol/otlp';
import { OtlpSpanExporter } from '../src/protocol/otlp-exporter';

export interface AttemptSpan {
  /** The context to hand the activity (this span's). */
  traceparent: string;
  /** Ends the span with the attempt's outcome and sends it (kept alive by `waitUntil` where there is one). */
  finish(settled: { result: unknown } | { failure: FailureInfo } | { completesLater: true }, waitUntil?: (promise: Promise<unknown>) => void): void;
}

/** The attempt's span, when the request carries a sampled trace context (spans have somewhere to go: `exporter`). */
export function attemptSpan(header: string | null | undefined, exporter: OtlpSpanExporter, task: ActivityCallRequest): AttemptSpan | undefined {
  const caller = parseTraceparent(header);
  if (!caller || !caller.sampled) return undefined;
  const spanId = randomSpanId();
  const startTime = Date.now();
  return {
    traceparent: formatTraceparent(caller.traceId, spanId),
    finish(settled, waitUntil) {
      if ('completesLater' in settled) return; // its outcome comes through the callback: Duro's span covers it
      exporter.export([{
        traceId: caller.traceId,
        spanId,
        parentSpanId: caller.spanId,
        name: `ExecuteActivity:${task.activityType}`,
        kind: 'server',
        startTime,
        endTime: Date.now(),
        attributes: {
          'duro.activity.id': task.activityId,
          'duro.activity.type': task.activityType,
          'duro.activity.attempt': task.attempt,
          'duro.workflow.id': task.workflowId,
          'duro.run.id': task.runId,
          ...('failure' in settled && { 'error.type': settled.failure.type }),
        },
        ...('failure' in settled && { error: settled.failure.message }),
      }]);
      // In a Worker the invocation ends with the reply: send now, kept alive by waitUntil. Elsewhere the batch timer sends it.
      if (waitUntil) waitUntil(exporter.flush());
    },
  };
}

/** One exporter per configuration: the server's own, or per `env` (a Worker's env object lives as long as its isolate). */
export function spanExporters(configured: OtlpOptions | undefined): (env: unknown) => OtlpSpanExporter | undefined {
  const own = configured && new OtlpSpanExporter(configured);
  const byEnv = new WeakMap<object, OtlpSpanExporter | null>();
  return (env) => {
    if (configured) return own;
    if (typeof env !== 'object' || env === null) return undefined;
    let exporter = byEnv.get(env);
    if (exporter === undefined) {
      const options = otlpOptionsFrom(env as Record<string, unknown>);
      exporter = options ? new OtlpSpanExporter(options) : null;
      byEnv.set(env, exporter);
    }
    return exporter ?? undefined;
  };
}
