// The SQLite tables that keep /metrics series where they are counted (the Visibility shards, the Scheduler): one row
// per series, with its labels as JSON and a histogram's buckets as a JSON array (not cumulative, the last for +Inf).
import type { MetricDeltas } from '../src/visibility/metric-deltas';
import type { CounterSample, HistogramSample, Labels } from '../src/visibility/metrics';

/** Adds the counters of `metrics`: one statement per series. */
export function addCounters(sql: SqlStorage, metrics: MetricDeltas): void {
  for (const counter of metrics.counters.values()) {
    sql.exec(
      'INSERT INTO counters (series, name, labels, value) VALUES (?, ?, ?, ?) ON CONFLICT (series) DO UPDATE SET value = value + excluded.value',
      counter.series, counter.name, JSON.stringify(counter.labels), counter.by,
    );
  }
}

/** Adds the histograms of `metrics`: two statements per series. */
export function addHistograms(sql: SqlStorage, metrics: MetricDeltas): void {
  for (const histogram of metrics.histograms.values()) {
    const row = sql.exec<{ buckets: string }>('SELECT buckets FROM histograms WHERE series = ?', histogram.series).toArray()[0];
    const buckets = row ? (JSON.parse(row.buckets) as number[]).map((n, i) => n + (histogram.buckets[i] ?? 0)) : histogram.buckets;
    sql.exec(
      `INSERT INTO histograms (series, name, labels, buckets, sum, count) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (series) DO UPDATE SET buckets = excluded.buckets, sum = sum + excluded.sum, count = count + excluded.count`,
      histogram.series, histogram.name, JSON.stringify(histogram.labels), JSON.stringify(buckets), histogram.sum, histogram.count,
    );
  }
}

export function readCounters(sql: SqlStorage): CounterSample[] {
  return sql.exec<{ name: string; labels: string; value: number }>('SELECT name, labels, value FROM counters').toArray().map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Labels, value: row.value }));
}

export function readHistograms(sql: SqlStorage): HistogramSample[] {
  return sql
    .exec<{ name: string; labels: string; buckets: string; sum: number; count: number }>('SELECT name, labels, buckets, sum, count FROM histograms')
    .toArray()
    .map((row) => ({ name: row.name, labels: JSON.parse(row.labels) as Labels, buckets: JSON.parse(row.buckets) as number[], sum: row.sum, count: row.count }));
}
