// Metric changes of one Visibility delivery, summed per series before they are written: a delivery of a hundred
// activity attempts of one type is one counter upsert and one histogram upsert, not a few hundred statements.
import type { AttemptObservation } from '../core/activity-state';
import { bucketIndex, HISTOGRAM_BOUNDS, seriesKey, type Labels } from './metrics';

export interface CounterDelta {
  series: string;
  name: string;
  labels: Labels;
  by: number;
}

export interface HistogramDelta {
  series: string;
  name: string;
  labels: Labels;
  /** Observations added per bucket of `HISTOGRAM_BOUNDS[name]`, plus +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

export class MetricDeltas {
  readonly counters = new Map<string, CounterDelta>();
  readonly histograms = new Map<string, HistogramDelta>();

  count(name: string, labels: Labels, by = 1): void {
    const series = seriesKey(name, labels);
    const delta = this.counters.get(series);
    if (delta) delta.by += by;
    else this.counters.set(series, { series, name, labels, by });
  }

  observe(name: string, labels: Labels, value: number): void {
    observeInto(this.histogram(name, labels), value);
  }

  /** A histogram series' delta, made empty on first use: many observations of one series look its key up once. */
  histogram(name: string, labels: Labels): HistogramDelta {
    const series = seriesKey(name, labels);
    let delta = this.histograms.get(series);
    if (!delta) {
      delta = { series, name, labels, buckets: new Array<number>(HISTOGRAM_BOUNDS[name]!.length + 1).fill(0), sum: 0, count: 0 };
      this.histograms.set(series, delta);
    }
    return delta;
  }

  /** The sums as a message carries them (series keys are made again where they are added). */
  toMessage(): MetricSums {
    return {
      counters: [...this.counters.values()].map(({ name, labels, by }) => ({ name, labels, by })),
      histograms: [...this.histograms.values()].map(({ name, labels, buckets, sum, count }) => ({ name, labels, buckets, sum, count })),
    };
  }

  /** Adds sums made elsewhere (an execution's, summed before they were sent); a histogram of other bounds is dropped. */
  add(sums: MetricSums): void {
    for (const { name, labels, by } of sums.counters) this.count(name, labels, by);
    for (const { name, labels, buckets, sum, count } of sums.histograms) {
      if (HISTOGRAM_BOUNDS[name]?.length !== buckets.length - 1) continue;
      const delta = this.histogram(name, labels);
      buckets.forEach((n, i) => (delta.buckets[i]! += n));
      delta.sum += sum;
      delta.count += count;
    }
  }
}

/** Metric sums as they travel: what `MetricDeltas` holds, without the series keys. */
export interface MetricSums {
  counters: Array<Omit<CounterDelta, 'series'>>;
  histograms: Array<Omit<HistogramDelta, 'series'>>;
}

function observeInto(delta: HistogramDelta, value: number): void {
  delta.buckets[bucketIndex(delta.name, value)]! += 1;
  delta.sum += value;
  delta.count += 1;
}

/**
 * What /metrics counts of activity attempts: attempts by outcome, retries, failures by type, latency and
 * schedule-to-start. Grouped by activity type first, so a flush of a thousand attempts of one type makes a few
 * series keys, not a few thousand.
 */
export function observeAttempts(attempts: readonly AttemptObservation[], metrics: MetricDeltas): void {
  const byType = new Map<string, AttemptObservation[]>();
  for (const attempt of attempts) {
    const list = byType.get(attempt.activityType);
    if (list) list.push(attempt);
    else byType.set(attempt.activityType, [attempt]);
  }
  for (const [activityType, list] of byType) {
    const type = { activity_type: activityType };
    const outcomes = new Map<string, number>();
    const errors = new Map<string, number>();
    let retries = 0;
    const latency = metrics.histogram('duro_activity_latency_seconds', type);
    let scheduleToStart: HistogramDelta | undefined;
    for (const attempt of list) {
      outcomes.set(attempt.outcome, (outcomes.get(attempt.outcome) ?? 0) + 1);
      if (attempt.retrying) retries++;
      // The failure's type names a series: cut to a length a label may have (types are the application's own strings).
      if (attempt.errorType !== undefined) {
        const errorType = attempt.errorType.slice(0, 100);
        errors.set(errorType, (errors.get(errorType) ?? 0) + 1);
      }
      observeInto(latency, attempt.latencyMs / 1000);
      // An attempt started under an older Duro has no due time to measure from.
      if (attempt.scheduleToStartMs !== undefined) observeInto(scheduleToStart ??= metrics.histogram('duro_activity_schedule_to_start_seconds', type), attempt.scheduleToStartMs / 1000);
    }
    for (const [outcome, n] of outcomes) metrics.count('duro_activity_attempts_total', { ...type, outcome }, n);
    if (retries > 0) metrics.count('duro_activity_retries_total', type, retries);
    for (const [errorType, n] of errors) metrics.count('duro_activity_attempt_failures_total', { ...type, error_type: errorType }, n);
  }
}
