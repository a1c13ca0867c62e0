// Sending spans to an OTLP/HTTP collector (otlp.ts writes the request): batched, best effort, bounded while the
// collector is slow or down. Nothing that runs a workflow ever waits on it.
import type { SpanData } from '../core/tracing/span';
import { otlpTraceRequest, type OtlpOptions } from './otlp';

/** Spans a batch holds at most, and how long finished spans wait for others to join them before they are sent. */
const MAX_BATCH = 512;
const FLUSH_AFTER_MS = 200;
/** Spans held at most while the collector does not answer: telemetry never grows without bound. */
const MAX_HELD = 4_096;
/** A collector that fails is reported once in this long, not once per batch. */
const REPORT_EVERY_MS = 60_000;

/**
 * Batches finished spans and POSTs them; best effort: a batch the collector refuses or cannot be reached for is
 * dropped (reported on the console, at most once a minute), and nothing waits on an export.
 */
export class OtlpSpanExporter {
  readonly #options: OtlpOptions;
  readonly #fetch: typeof fetch;
  /** Keeps the export alive past the invocation that started it (a Durable Object's or Worker's `waitUntil`). */
  readonly #waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  #batch: SpanData[] = [];
  /** Spans of requests the collector has not answered yet: held too, so a collector that hangs cannot grow them. */
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastReport = Number.NEGATIVE_INFINITY;

  constructor(options: OtlpOptions, doFetch: typeof fetch = (input, init) => fetch(input, init), waitUntil?: (promise: Promise<unknown>) => void) {
    this.#options = options;
    this.#fetch = doFetch;
    this.#waitUntil = waitUntil;
  }

  /** Queues finished spans; they are sent within FLUSH_AFTER_MS, or at once when a batch is full. */
  readonly export = (spans: SpanData[]): void => {
    if (this.#inFlight + this.#batch.length + spans.length > MAX_HELD) {
      this.#report(`is behind (more than ${MAX_HELD} spans would wait for it)`, spans.length);
      return;
    }
    this.#batch.push(...spans);
    if (this.#batch.length >= MAX_BATCH) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
  };

  /** Sends what is queued now; resolves when the collector answered (or could not be reached). */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#batch.length === 0) return Promise.resolve();
    const spans = this.#batch.splice(0, MAX_BATCH);
    const sent = this.#send(spans);
    this.#waitUntil?.(sent);
    return this.#batch.length > 0 ? sent.then(() => this.flush()) : sent;
  }

  async #send(spans: SpanData[]): Promise<void> {
    this.#inFlight += spans.length;
    try {
      const response = await this.#fetch(this.#options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.#options.headers },
        body: JSON.stringify(otlpTraceRequest(spans, this.#options.serviceName)),
      });
      await response.body?.cancel();
      if (!response.ok) this.#report(`answered ${response.status}`, spans.length);
    } catch (error) {
      this.#report(`could not be reached (${error instanceof Error ? error.message : String(error)})`, spans.length);
    } finally {
      this.#inFlight -= spans.length;
    }
  }

  #report(what: string, dropped: number): void {
    const now = Date.now();
    if (now - this.#lastReport < REPORT_EVERY_MS) return;
    this.#lastReport = now;
    console.warn(`duro: the OTLP collector at ${originOf(this.#options.url)} ${what}; ${dropped} span(s) dropped (reported once a minute)`);
  }
}

/** The URL's origin only: its path or query may carry a key. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(an invalid URL)';
  }
}
