// Metric changes of one Visibility delivery, summed per series before they are written: a delivery of a hundred
// activity attempts of one type is one counter upsert and one histogram upsert, not a few hundred statements.
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

  count(name: string, labels: Labels): void {
    const series = seriesKey(name, labels);
    const delta = this.counters.get(series);
    if (delta) delta.by += 1;
    else this.counters.set(series, { series, name, labels, by: 1 });
  }

  observe(name: string, labels: Labels, value: number): void {
    const series = seriesKey(name, labels);
    let delta = this.histograms.get(series);
    if (!delta) {
      delta = { series, name, labels, buckets: new Array<number>(HISTOGRAM_BOUNDS[name]!.length + 1).fill(0), sum: 0, count: 0 };
      this.histograms.set(series, delta);
    }
    delta.buckets[bucketIndex(name, value)]! += 1;
    delta.sum += value;
    delta.count += 1;
  }
}
