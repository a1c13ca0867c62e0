// The /metrics series (docs/api.md, Operations). Shards keep counters and histograms in SQLite (a stateless
// Worker isolate cannot); the Worker adds the shards' snapshots up and renders Prometheus text format 0.0.4.

export type Labels = Record<string, string>;

export interface CounterSample {
  name: string;
  labels: Labels;
  value: number;
}

export interface HistogramSample {
  name: string;
  labels: Labels;
  /** Observations per bucket of `HISTOGRAM_BOUNDS[name]`, plus a last one for +Inf (not cumulative). */
  buckets: number[];
  sum: number;
  count: number;
}

export interface MetricsSnapshot {
  counters: CounterSample[];
  histograms: HistogramSample[];
  /** Running executions by type (a gauge, counted from the index itself). */
  running: Array<{ workflowType: string; count: number }>;
  /** What open runs wait on, by type (gauges summed over the runs each shard indexes; absent from a shard of an older Duro). */
  gauges?: CounterSample[];
}

/**
 * Upper bounds in seconds: workflows run from milliseconds to weeks, activity attempts from ms to minutes. An attempt
 * usually starts within milliseconds of being due, but a paused run holds it for as long as the pause; a schedule's
 * action starts milliseconds late, or as late as its catch-up window allows (a year by default).
 */
export const HISTOGRAM_BOUNDS: Record<string, readonly number[]> = {
  duro_workflow_duration_seconds: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400, 604_800],
  duro_activity_latency_seconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  duro_activity_schedule_to_start_seconds: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
  duro_schedule_action_lag_seconds: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400, 604_800],
};

const HELP: Record<string, { type: 'counter' | 'gauge' | 'histogram'; help: string }> = {
  duro_workflows_started_total: { type: 'counter', help: 'Workflow runs started.' },
  duro_workflows_closed_total: { type: 'counter', help: 'Workflow runs closed, by final status.' },
  duro_workflows_running: { type: 'gauge', help: 'Workflow runs running now.' },
  duro_workflows_blocked: { type: 'gauge', help: 'Running workflow runs blocked now (a workflow task failed: non-determinism, an error of workflow code, an engine crash), waiting for a retry or a deploy.' },
  duro_activities_pending: { type: 'gauge', help: 'Activities scheduled and not yet completed in running workflow runs (scheduled, running or waiting for a retry).' },
  duro_timers_pending: { type: 'gauge', help: 'Timers started and not yet fired in running workflow runs.' },
  duro_workflow_duration_seconds: { type: 'histogram', help: 'Time from start to close of workflow runs.' },
  duro_workflow_task_failures_total: { type: 'counter', help: 'Failed workflow tasks, by reason (workflowError, nonDeterminism, activationFailure): each blocks its run until a retry or a deploy.' },
  duro_activity_attempts_total: { type: 'counter', help: 'Activity attempts, by outcome (completed, failed, timedOut, canceled).' },
  duro_activity_retries_total: { type: 'counter', help: 'Failed activity attempts that were retried.' },
  duro_activity_attempt_failures_total: { type: 'counter', help: 'Failed and timed-out activity attempts, by failure type (ApplicationFailure type, TimeoutFailure…), retried or not.' },
  duro_activity_latency_seconds: { type: 'histogram', help: 'Time from start to end of activity attempts.' },
  duro_activity_schedule_to_start_seconds: { type: 'histogram', help: 'Time from when activity attempts were due (scheduled, or their retry due) to their start.' },
  duro_schedule_action_lag_seconds: { type: 'histogram', help: 'Time from the scheduled (nominal) time of schedule actions to their start.' },
};

/** The bucket an observation falls in (the last one is +Inf). */
export function bucketIndex(name: string, value: number): number {
  const bounds = HISTOGRAM_BOUNDS[name]!;
  const index = bounds.findIndex((bound) => value <= bound);
  return index === -1 ? bounds.length : index;
}

/** One key per series: the same name and labels, in any order, are one series. */
export function seriesKey(name: string, labels: Labels): string {
  return JSON.stringify([name, Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** Adds up the shards' snapshots series by series. */
export function mergeSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const counters = new Map<string, CounterSample>();
  const histograms = new Map<string, HistogramSample>();
  const running = new Map<string, number>();
  const gauges = new Map<string, CounterSample>();
  for (const snapshot of snapshots) {
    for (const sample of snapshot.gauges ?? []) {
      const key = seriesKey(sample.name, sample.labels);
      const into = gauges.get(key);
      if (into) into.value += sample.value;
      else gauges.set(key, { ...sample });
    }
    for (const sample of snapshot.counters) {
      const key = seriesKey(sample.name, sample.labels);
      const into = counters.get(key);
      if (into) into.value += sample.value;
      else counters.set(key, { ...sample });
    }
    for (const sample of snapshot.histograms) {
      const key = seriesKey(sample.name, sample.labels);
      const into = histograms.get(key);
      if (!into) histograms.set(key, { ...sample, buckets: [...sample.buckets] });
      else {
        sample.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
        into.sum += sample.sum;
        into.count += sample.count;
      }
    }
    for (const { workflowType, count } of snapshot.running) running.set(workflowType, (running.get(workflowType) ?? 0) + count);
  }
  return { counters: [...counters.values()], histograms: [...histograms.values()], running: [...running].map(([workflowType, count]) => ({ workflowType, count })), gauges: [...gauges.values()] };
}

/** Prometheus text exposition format (version 0.0.4); every series of API.md is announced even before it has samples. */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  for (const [name, { type, help }] of Object.entries(HELP)) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    if (name === 'duro_workflows_running') {
      const gauges = snapshot.running.map((r) => ({ labels: { workflow_type: r.workflowType }, value: r.count }));
      for (const gauge of sortByLabels(gauges)) lines.push(sample(name, gauge.labels, gauge.value));
      continue;
    }
    if (type === 'counter' || type === 'gauge') {
      const samples = type === 'counter' ? snapshot.counters : snapshot.gauges ?? [];
      for (const counter of sortByLabels(samples.filter((c) => c.name === name))) lines.push(sample(name, counter.labels, counter.value));
      continue;
    }
    const bounds = HISTOGRAM_BOUNDS[name]!;
    for (const histogram of sortByLabels(snapshot.histograms.filter((h) => h.name === name))) {
      let cumulative = 0;
      bounds.forEach((bound, i) => {
        cumulative += histogram.buckets[i] ?? 0;
        lines.push(sample(`${name}_bucket`, { ...histogram.labels, le: String(bound) }, cumulative));
      });
      lines.push(sample(`${name}_bucket`, { ...histogram.labels, le: '+Inf' }, histogram.count));
      lines.push(sample(`${name}_sum`, histogram.labels, histogram.sum));
      lines.push(sample(`${name}_count`, histogram.labels, histogram.count));
    }
  }
  return `${lines.join('\n')}\n`;
}

function sortByLabels<T extends { labels: Labels }>(samples: T[]): T[] {
  return [...samples].sort((a, b) => (seriesKey('', a.labels) < seriesKey('', b.labels) ? -1 : 1));
}

function sample(name: string, labels: Labels, value: number): string {
  // Labels in name order (`le` last, as is usual), so a series always renders the same.
  const ordered = Object.entries(labels).sort(([a], [b]) => (a === 'le' ? 1 : b === 'le' ? -1 : a < b ? -1 : 1));
  const rendered = ordered.map(([key, v]) => `${key}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return `${name}${rendered.length > 0 ? `{${rendered.join(',')}}` : ''} ${value}`;
}
