// /metrics: shards' snapshots add up series by series, and the sum renders as valid Prometheus text format 0.0.4.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bucketIndex, HISTOGRAM_BOUNDS, mergeSnapshots, renderPrometheus, type HistogramSample, type Labels, type MetricsSnapshot,
} from '../../../src/visibility/metrics';

const SERIES = {
  duro_workflows_started_total: 'counter',
  duro_workflows_closed_total: 'counter',
  duro_workflows_running: 'gauge',
  duro_workflows_blocked: 'gauge',
  duro_activities_pending: 'gauge',
  duro_timers_pending: 'gauge',
  duro_workflow_duration_seconds: 'histogram',
  duro_workflow_task_failures_total: 'counter',
  duro_activity_attempts_total: 'counter',
  duro_activity_retries_total: 'counter',
  duro_activity_attempt_failures_total: 'counter',
  duro_activity_latency_seconds: 'histogram',
  duro_activity_schedule_to_start_seconds: 'histogram',
  duro_schedule_action_lag_seconds: 'histogram',
} as const;
const HISTOGRAMS = ['duro_workflow_duration_seconds', 'duro_activity_latency_seconds', 'duro_activity_schedule_to_start_seconds', 'duro_schedule_action_lag_seconds'] as const;
const COUNTERS = ['duro_workflows_started_total', 'duro_workflows_closed_total', 'duro_workflow_task_failures_total', 'duro_activity_attempts_total', 'duro_activity_retries_total', 'duro_activity_attempt_failures_total'] as const;

const empty = (): MetricsSnapshot => ({ counters: [], histograms: [], running: [], gauges: [] });

/** A histogram sample as a shard keeps it: one count per bucket (not cumulative), the last for +Inf. */
function histogramOf(name: string, labels: Labels, observations: number[]): HistogramSample {
  const buckets = new Array<number>(HISTOGRAM_BOUNDS[name]!.length + 1).fill(0);
  for (const value of observations) buckets[bucketIndex(name, value)]! += 1;
  return { name, labels, buckets, sum: observations.reduce((a, b) => a + b, 0), count: observations.length };
}

// Prometheus text format 0.0.4, one line at a time.
const METRIC_NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const NUMBER = '(?:[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]Inf|NaN)';
const SAMPLE_LINE = new RegExp(`^(${METRIC_NAME})(?:\\{(${LABEL}(?:,${LABEL})*)\\})? (${NUMBER})$`);
const HELP_LINE = new RegExp(`^# HELP (${METRIC_NAME}) (?:[^\\\\\\n]|\\\\[\\\\n])*$`);
const TYPE_LINE = new RegExp(`^# TYPE (${METRIC_NAME}) (counter|gauge|histogram|summary|untyped)$`);

/** Checks every line against the grammar and that each family's samples follow its own HELP and TYPE; returns the problems. */
function exposition(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith('\n')) problems.push('no final newline');
  const families = new Set<string>();
  let family: { name: string; type: string } | undefined;
  for (const line of text.slice(0, -1).split('\n')) {
    const help = HELP_LINE.exec(line);
    const type = TYPE_LINE.exec(line);
    const sample = SAMPLE_LINE.exec(line);
    if (help) {
      if (families.has(help[1]!)) problems.push(`${help[1]} announced twice`);
      families.add(help[1]!);
      family = undefined;
    } else if (type) {
      family = { name: type[1]!, type: type[2]! };
    } else if (sample) {
      const name = sample[1]!;
      const suffixes = family?.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
      if (!family || !suffixes.some((suffix) => name === `${family!.name}${suffix}`)) problems.push(`${line} outside its family`);
    } else {
      problems.push(`not Prometheus text: ${JSON.stringify(line)}`);
    }
  }
  return problems;
}

/** The samples of the text, by rendered series (`name{labels}`). */
function samples(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    map.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return map;
}

describe('bucketIndex', () => {
  it.each(HISTOGRAMS)('puts a value equal to a bound of %s in that bound’s bucket', (name) => {
    HISTOGRAM_BOUNDS[name]!.forEach((bound, i) => expect(bucketIndex(name, bound)).toBe(i));
  });

  it.each(HISTOGRAMS)('puts a value just above a bound of %s in the next bucket', (name) => {
    HISTOGRAM_BOUNDS[name]!.forEach((bound, i) => expect(bucketIndex(name, bound * (1 + 1e-9))).toBe(i + 1));
  });

  it.each(HISTOGRAMS)('puts zero in the first bucket and anything above the last bound of %s in +Inf', (name) => {
    const bounds = HISTOGRAM_BOUNDS[name]!;
    expect(bucketIndex(name, 0)).toBe(0);
    expect(bucketIndex(name, bounds.at(-1)! + 1)).toBe(bounds.length);
    expect(bucketIndex(name, Number.MAX_VALUE)).toBe(bounds.length);
  });

  it('has increasing bounds', () => {
    for (const bounds of Object.values(HISTOGRAM_BOUNDS)) expect([...bounds].sort((a, b) => a - b)).toEqual(bounds);
  });
});

describe('mergeSnapshots', () => {
  it('adds counters of one series, whatever order its labels come in', () => {
    const merged = mergeSnapshots([
      { ...empty(), counters: [{ name: 'duro_workflows_closed_total', labels: { workflow_type: 'order', status: 'completed' }, value: 2 }] },
      { ...empty(), counters: [{ name: 'duro_workflows_closed_total', labels: { status: 'completed', workflow_type: 'order' }, value: 3 }] },
      {
        ...empty(),
        counters: [
          { name: 'duro_workflows_closed_total', labels: { workflow_type: 'order', status: 'failed' }, value: 1 },
          { name: 'duro_workflows_started_total', labels: { workflow_type: 'order' }, value: 7 },
        ],
      },
    ]);
    expect(merged.counters).toHaveLength(3);
    expect(merged.counters).toEqual(expect.arrayContaining([
      { name: 'duro_workflows_closed_total', labels: { workflow_type: 'order', status: 'completed' }, value: 5 },
      { name: 'duro_workflows_closed_total', labels: { workflow_type: 'order', status: 'failed' }, value: 1 },
      { name: 'duro_workflows_started_total', labels: { workflow_type: 'order' }, value: 7 },
    ]));
  });

  it('adds histograms bucket by bucket, with their sums and counts', () => {
    const name = 'duro_activity_latency_seconds';
    const merged = mergeSnapshots([
      { ...empty(), histograms: [histogramOf(name, { activity_type: 'charge', workflow_type: 'order' }, [0.004, 0.2, 7])] },
      { ...empty(), histograms: [histogramOf(name, { workflow_type: 'order', activity_type: 'charge' }, [0.2, 1000])] },
      { ...empty(), histograms: [histogramOf(name, { workflow_type: 'order', activity_type: 'ship' }, [1])] },
    ]);
    expect(merged.histograms).toHaveLength(2);
    expect(merged.histograms).toEqual(expect.arrayContaining([
      histogramOf(name, { activity_type: 'charge', workflow_type: 'order' }, [0.004, 0.2, 7, 0.2, 1000]),
      histogramOf(name, { workflow_type: 'order', activity_type: 'ship' }, [1]),
    ]));
  });

  it('adds the running gauges by workflow type', () => {
    const merged = mergeSnapshots([
      { ...empty(), running: [{ workflowType: 'order', count: 2 }, { workflowType: 'invoice', count: 1 }] },
      { ...empty(), running: [{ workflowType: 'order', count: 5 }] },
      empty(),
    ]);
    expect(merged.running).toEqual(expect.arrayContaining([{ workflowType: 'order', count: 7 }, { workflowType: 'invoice', count: 1 }]));
    expect(merged.running).toHaveLength(2);
  });

  it('leaves the shards’ snapshots as they were', () => {
    const name = 'duro_workflow_duration_seconds';
    const snapshots: MetricsSnapshot[] = [0, 1, 2].map((i) => ({
      counters: [{ name: 'duro_workflows_started_total', labels: { workflow_type: 'order' }, value: i }],
      histograms: [histogramOf(name, { workflow_type: 'order' }, [i, 10 * i])],
      running: [{ workflowType: 'order', count: i }],
    }));
    const before = structuredClone(snapshots);
    mergeSnapshots(snapshots);
    expect(snapshots).toEqual(before);
  });

  it('adds the shards\' gauges up per series, and renders them as gauges', () => {
    const labels = { workflow_type: 'order' };
    const merged = mergeSnapshots([
      { ...empty(), gauges: [{ name: 'duro_timers_pending', labels, value: 2 }, { name: 'duro_workflows_blocked', labels, value: 1 }] },
      { ...empty(), gauges: [{ name: 'duro_timers_pending', labels, value: 3 }] },
      { counters: [], histograms: [], running: [] }, // a shard of an older Duro has no gauges
    ]);
    expect(merged.gauges).toEqual([{ name: 'duro_timers_pending', labels, value: 5 }, { name: 'duro_workflows_blocked', labels, value: 1 }]);
    const text = renderPrometheus(merged);
    expect(text).toContain('# TYPE duro_timers_pending gauge\nduro_timers_pending{workflow_type="order"} 5\n');
    expect(text).toContain('duro_workflows_blocked{workflow_type="order"} 1\n');
  });

  it('merges no shards into an empty snapshot', () => {
    expect(mergeSnapshots([])).toEqual(empty());
  });
});

describe('renderPrometheus', () => {
  it('announces every series with HELP and TYPE even before they have samples', () => {
    const lines = renderPrometheus(empty()).trimEnd().split('\n');
    expect(lines).toHaveLength(2 * Object.keys(SERIES).length);
    Object.entries(SERIES).forEach(([name, type], i) => {
      expect(lines[2 * i]).toMatch(new RegExp(`^# HELP ${name} \\S`));
      expect(lines[2 * i + 1]).toBe(`# TYPE ${name} ${type}`);
    });
    expect(exposition(renderPrometheus(empty()))).toEqual([]);
  });

  it('renders cumulative buckets ending with le="+Inf" equal to _count, then _sum and _count', () => {
    const name = 'duro_activity_latency_seconds';
    const observations = [0.003, 0.005, 0.2, 0.2, 7, 1000];
    const text = renderPrometheus({ ...empty(), histograms: [histogramOf(name, { activity_type: 'charge' }, observations)] });
    const lines = text.split('\n').filter((line) => line.startsWith(name));
    const bounds = HISTOGRAM_BOUNDS[name]!;
    expect(lines).toEqual([
      ...bounds.map((bound) => `${name}_bucket{activity_type="charge",le="${bound}"} ${observations.filter((v) => v <= bound).length}`),
      `${name}_bucket{activity_type="charge",le="+Inf"} 6`,
      `${name}_sum{activity_type="charge"} ${observations.reduce((a, b) => a + b, 0)}`,
      `${name}_count{activity_type="charge"} 6`,
    ]);
  });

  it('escapes backslash, double quote and newline in label values', () => {
    const text = renderPrometheus({ ...empty(), running: [{ workflowType: 'a\\b"c\nd', count: 1 }] });
    expect(text).toContain('duro_workflows_running{workflow_type="a\\\\b\\"c\\nd"} 1\n');
    expect(exposition(text)).toEqual([]);
  });

  it('renders labels sorted by name, with le last', () => {
    const text = renderPrometheus({
      ...empty(),
      counters: [{ name: 'duro_activity_attempts_total', labels: { workflow_type: 'order', outcome: 'failed', activity_type: 'charge' }, value: 4 }],
      histograms: [histogramOf('duro_activity_latency_seconds', { workflow_type: 'order', activity_type: 'charge' }, [0.2])],
    });
    expect(text).toContain('duro_activity_attempts_total{activity_type="charge",outcome="failed",workflow_type="order"} 4\n');
    expect(text).toContain('duro_activity_latency_seconds_bucket{activity_type="charge",workflow_type="order",le="0.25"} 1\n');
    expect(text).toContain('duro_activity_latency_seconds_bucket{activity_type="charge",workflow_type="order",le="+Inf"} 1\n');
    expect(text).toContain('duro_activity_latency_seconds_count{activity_type="charge",workflow_type="order"} 1\n');
  });

  it('renders a counter without labels without braces', () => {
    const text = renderPrometheus({ ...empty(), counters: [{ name: 'duro_activity_retries_total', labels: {}, value: 3 }] });
    expect(text).toContain('\nduro_activity_retries_total 3\n');
  });

  const labelValue = fc.string({ unit: fc.constantFrom('a', 'Z', '0', '\\', '"', '\n', ' ', '{', '}', ',', '=', 'é', '😀'), maxLength: 8 });
  const labels = fc.dictionary(fc.constantFrom('workflow_type', 'status', 'activity_type', 'outcome'), labelValue, { maxKeys: 3 });
  const snapshot: fc.Arbitrary<MetricsSnapshot> = fc.record({
    counters: fc.array(fc.record({ name: fc.constantFrom(...COUNTERS), labels, value: fc.nat() }), { maxLength: 6 }),
    histograms: fc.array(
      fc.constantFrom(...HISTOGRAMS).chain((name) =>
        fc.record({ labels, observations: fc.array(fc.integer({ min: 0, max: 10 ** 6 }).map((ms) => ms / 1000), { maxLength: 8 }) })
          .map(({ labels, observations }) => histogramOf(name, labels, observations)),
      ),
      { maxLength: 4 },
    ),
    running: fc.array(fc.record({ workflowType: labelValue, count: fc.nat() }), { maxLength: 4 }),
  });

  it('renders valid Prometheus text for any shards’ snapshots, each series once', () => {
    fc.assert(
      fc.property(fc.array(snapshot, { maxLength: 4 }), (snapshots) => {
        const text = renderPrometheus(mergeSnapshots(snapshots));
        expect(exposition(text)).toEqual([]);
        const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
        expect(samples(text).size).toBe(lines.length);
      }),
    );
  });

  it('renders every histogram with cumulative buckets whose +Inf equals _count', () => {
    fc.assert(
      fc.property(snapshot, (shard) => {
        const text = renderPrometheus(mergeSnapshots([shard]));
        const byLine = samples(text);
        for (const [series, count] of byLine) {
          if (!series.includes('_count')) continue;
          const prefix = series.replace('_count', '_bucket').replace(/\}$/, ',').replace(/_bucket$/, '_bucket{');
          const buckets = [...byLine].filter(([key]) => key.startsWith(prefix) && key.slice(prefix.length).startsWith('le="'));
          const values = buckets.map(([, n]) => n);
          expect(values).toEqual([...values].sort((a, b) => a - b));
          expect(buckets.at(-1)).toEqual([`${prefix}le="+Inf"}`, count]);
        }
      }),
    );
  });

  it('renders the same text whichever order the shards answer in', () => {
    fc.assert(
      fc.property(fc.array(snapshot, { minLength: 1, maxLength: 4 }).chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length }))), ([snapshots, shuffled]) => {
        // Sums of seconds are floating point: compare what does not depend on the order of addition.
        const withoutSums = (text: string) => text.split('\n').filter((line) => !/_sum[{ ]/.test(line)).join('\n');
        expect(withoutSums(renderPrometheus(mergeSnapshots(shuffled)))).toBe(withoutSums(renderPrometheus(mergeSnapshots(snapshots))));
      }),
    );
  });
});
