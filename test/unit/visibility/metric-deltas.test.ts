// A delivery's metric changes are summed per series before they are written.
import { describe, expect, it } from 'vitest';
import { MetricDeltas, observeAttempts } from '../../../src/visibility/metric-deltas';
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

  it('counts attempts grouped by type as one by one, and sums sent as a message add up to the same', () => {
    const attempts = [
      { activityType: 'charge', outcome: 'completed', latencyMs: 12, retrying: false, scheduleToStartMs: 3 },
      { activityType: 'charge', outcome: 'failed', latencyMs: 900, retrying: true, errorType: 'CardDeclined', scheduleToStartMs: 0 },
      { activityType: 'ship', outcome: 'timedOut', latencyMs: 60_000, retrying: false, errorType: 'x'.repeat(300) },
      { activityType: 'charge', outcome: 'completed', latencyMs: 15, retrying: false, scheduleToStartMs: 1_500 },
    ] as const;
    // The rule, attempt by attempt.
    const expected = new MetricDeltas();
    for (const attempt of attempts) {
      const type = { activity_type: attempt.activityType };
      expected.count('duro_activity_attempts_total', { ...type, outcome: attempt.outcome });
      if (attempt.retrying) expected.count('duro_activity_retries_total', type);
      if ('errorType' in attempt) expected.count('duro_activity_attempt_failures_total', { ...type, error_type: attempt.errorType.slice(0, 100) });
      expected.observe('duro_activity_latency_seconds', type, attempt.latencyMs / 1000);
      if ('scheduleToStartMs' in attempt) expected.observe('duro_activity_schedule_to_start_seconds', type, attempt.scheduleToStartMs / 1000);
    }
    const grouped = new MetricDeltas();
    observeAttempts(attempts, grouped);
    const sorted = (deltas: MetricDeltas) => ({ counters: [...deltas.counters.values()].sort(bySeries), histograms: [...deltas.histograms.values()].sort(bySeries) });
    expect(sorted(grouped)).toEqual(sorted(expected));

    // What an execution sends (no series keys), added by a shard to what it had.
    const shard = new MetricDeltas();
    shard.add(JSON.parse(JSON.stringify(grouped.toMessage())) as ReturnType<MetricDeltas['toMessage']>);
    shard.add({ counters: [], histograms: [{ name: 'duro_activity_latency_seconds', labels: { activity_type: 'ship' }, buckets: [1, 2], sum: 1, count: 3 }] }); // other bounds: dropped
    expect(sorted(shard)).toEqual(sorted(expected));
  });
});

const bySeries = (a: { series: string }, b: { series: string }) => (a.series < b.series ? -1 : 1);
