// A delivery's metric changes are summed per series before they are written.
import { describe, expect, it } from 'vitest';
import { MetricDeltas } from '../../../src/visibility/metric-deltas';
import { HISTOGRAM_BOUNDS, bucketIndex, seriesKey } from '../../../src/visibility/metrics';

describe('MetricDeltas', () => {
  it('sums counter increments per series', () => {
    const deltas = new MetricDeltas();
    deltas.count('duro_activity_attempts_total', { activity_type: 'charge', outcome: 'completed' });
    deltas.count('duro_activity_attempts_total', { activity_type: 'charge', outcome: 'completed' });
    deltas.count('duro_activity_attempts_total', { activity_type: 'charge', outcome: 'failed' });
    const byKey = Object.fromEntries([...deltas.counters.values()].map((delta) => [delta.series, delta.by]));
    expect(byKey).toEqual({
      [seriesKey('duro_activity_attempts_total', { activity_type: 'charge', outcome: 'completed' })]: 2,
      [seriesKey('duro_activity_attempts_total', { activity_type: 'charge', outcome: 'failed' })]: 1,
    });
  });

  it('sums histogram observations per series: buckets, sum and count', () => {
    const deltas = new MetricDeltas();
    const labels = { activity_type: 'charge' };
    for (const value of [0.001, 0.001, 2, 1e9]) deltas.observe('duro_activity_latency_seconds', labels, value);
    const [histogram] = [...deltas.histograms.values()];
    expect(deltas.histograms.size).toBe(1);
    expect(histogram!.count).toBe(4);
    expect(histogram!.sum).toBeCloseTo(0.002 + 2 + 1e9);
    expect(histogram!.buckets).toHaveLength(HISTOGRAM_BOUNDS.duro_activity_latency_seconds!.length + 1);
    expect(histogram!.buckets[bucketIndex('duro_activity_latency_seconds', 0.001)]).toBe(2);
    expect(histogram!.buckets[bucketIndex('duro_activity_latency_seconds', 2)]).toBe(1);
    expect(histogram!.buckets.at(-1)).toBe(1); // +Inf
    expect(histogram!.buckets.reduce((a, b) => a + b, 0)).toBe(4);
  });
});
