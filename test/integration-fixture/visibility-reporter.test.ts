// The execution object's Visibility reporter on a real object's SQLite: which commits write outbox rows, and that
// activity attempts of steps changing no record wait in memory for the next row written anyway (or the flush).
// Each case runs inside one synchronous stretch, so no delivery timer fires in between.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { VisibilityReporter } from '../../durable-objects/visibility-reporter';
import type { HistoryEvent } from '../../src/core/history';
import type { AttemptObservation, RunState } from '../../src/core/internals';
import { executionStub, uniqueId } from './helpers';

type Row = {
  kind: string;
  execution?: { status: string };
  counters?: Array<{ name: string; by: number }>;
  histograms?: Array<{ name: string; count: number; sum: number }>;
  runs?: Array<Record<string, unknown>>;
};

/** The attempts a `metrics` row counts (summed before they were written): how many, and their latencies' sum in ms. */
function attemptsIn(row: Row): { count: number; latencyMs: number } {
  const latency = row.histograms!.find((histogram) => histogram.name === 'duro_activity_latency_seconds')!;
  const counted = row.counters!.filter((counter) => counter.name === 'duro_activity_attempts_total').reduce((sum, counter) => sum + counter.by, 0);
  expect(counted).toBe(latency.count);
  return { count: latency.count, latencyMs: Math.round(latency.sum * 1000) };
}

function runState(workflowId: string, status: 'running' | 'completed', timers: Record<string, { timerId: string; fireAt: number }> = {}): RunState {
  return { workflowId, runId: `${workflowId}-run`, workflowType: 'probe', status, startTime: 1, memo: {}, searchAttributes: {}, activities: {}, timers, ...(status !== 'running' && { closeTime: 2 }) } as unknown as RunState;
}

const event = (type: string) => ({ type }) as HistoryEvent;
const attempt = (latencyMs: number): AttemptObservation => ({ activityType: 'echo', outcome: 'completed', latencyMs, retrying: false });

/** Runs `check` in a fresh execution object with a reporter of its own over the object's storage. */
async function withReporter(check: (reporter: VisibilityReporter, commit: (state: RunState, events: HistoryEvent[], attempts: AttemptObservation[]) => void, rows: () => Row[], rearms: () => number, outbox: () => Row[][]) => void) {
  const workflowId = uniqueId('reporter');
  await runInDurableObject(executionStub(workflowId), (_instance, state) => {
    let rearms = 0;
    const reporter = new VisibilityReporter({
      storage: state.storage,
      target: () => ({ namespace: env.VISIBILITY as DurableObjectNamespace, shards: 4 }),
      delivered: async () => undefined,
      wroteOutsideCommit: () => void rearms++,
    });
    const commit = (run: RunState, events: HistoryEvent[], attempts: AttemptObservation[]) => {
      const report = reporter.report(run, events, attempts);
      if (!report) return;
      state.storage.transactionSync(() => report.write?.(report.rows as never)); // without codecs, the rows are ready at once
      reporter.committed(report);
    };
    // The outbox's rows, oldest first, each as its messages: one, or the list one commit wrote.
    const outbox = () => state.storage.sql.exec<{ body: string }>('SELECT body FROM visibility_outbox WHERE body IS NOT NULL ORDER BY seq').toArray().map((row) => {
      const parsed = JSON.parse(row.body) as Row | Row[];
      return Array.isArray(parsed) ? parsed : [parsed];
    });
    check(reporter, commit, () => outbox().flat(), () => rearms, outbox);
  });
}

it('writes a row for the start and the close, and keeps the attempts of the steps between in memory until the close', async () => {
  await withReporter((_reporter, commit, rows, _rearms, outbox) => {
    const workflowId = uniqueId('kept');
    commit(runState(workflowId, 'running'), [event('WorkflowExecutionStarted')], []);
    expect(rows().map((row) => row.kind)).toEqual(['upsert']);
    for (let step = 1; step <= 3; step++) commit(runState(workflowId, 'running'), [event('ActivityTaskCompleted'), event('ActivityTaskScheduled')], [attempt(step)]);
    expect(rows()).toHaveLength(1); // no row per step
    commit(runState(workflowId, 'completed'), [event('ActivityTaskCompleted'), event('WorkflowExecutionCompleted')], [attempt(4)]);
    const written = rows();
    expect(written.map((row) => row.kind)).toEqual(['upsert', 'upsert', 'metrics']);
    expect(outbox().map((row) => row.map((message) => message.kind))).toEqual([['upsert'], ['upsert', 'metrics']]); // one row a commit
    expect(written[1]!.execution!.status).toBe('completed');
    expect(attemptsIn(written[2]!)).toEqual({ count: 4, latencyMs: 1 + 2 + 3 + 4 }); // each once
  });
});

it('writes the kept attempts as one row when the flush comes before any record change, and has the alarm re-armed', async () => {
  await withReporter((reporter, commit, rows, rearms) => {
    const workflowId = uniqueId('flushed');
    commit(runState(workflowId, 'running'), [event('WorkflowExecutionStarted')], []);
    commit(runState(workflowId, 'running'), [event('ActivityTaskCompleted')], [attempt(1)]);
    commit(runState(workflowId, 'running'), [event('ActivityTaskCompleted')], [attempt(2)]);
    expect(rows().map((row) => row.kind)).toEqual(['upsert']);
    expect(reporter.unsent).toBe(true); // the start's row: the alarm must stand behind it
    reporter.flush(); // what the metrics timer (or the alarm) does; the delivery itself goes on after this
    expect(rearms()).toBe(1); // the row was written outside a step's commit: the alarm must come to stand behind it
    const written = rows();
    expect(written.map((row) => row.kind)).toEqual(['upsert', 'metrics']);
    expect(attemptsIn(written[1]!)).toEqual({ count: 2, latencyMs: 3 });
  });
});

it('writes attempts at once when too many wait, so one row stays small', async () => {
  await withReporter((_reporter, commit, rows) => {
    const workflowId = uniqueId('many');
    commit(runState(workflowId, 'running'), [event('WorkflowExecutionStarted')], []);
    commit(runState(workflowId, 'running'), [event('ActivityTaskCompleted')], Array.from({ length: 999 }, (_, i) => attempt(i)));
    expect(rows()).toHaveLength(1);
    commit(runState(workflowId, 'running'), [event('ActivityTaskCompleted')], [attempt(999)]);
    const written = rows();
    expect(written.map((row) => row.kind)).toEqual(['upsert', 'metrics']);
    expect(attemptsIn(written[1]!).count).toBe(1_000);
    expect(written[1]!.histograms).toHaveLength(1); // summed: a few series, however many attempts
  });
});

it('sends a run\'s gauges when what it waits on changes, with the metrics flush or the next row, and its zeros once it closes', async () => {
  await withReporter((reporter, commit, rows) => {
    const workflowId = uniqueId('gauged');
    const timer = { 1: { timerId: '1', fireAt: 10 } };
    commit(runState(workflowId, 'running', timer), [event('WorkflowExecutionStarted')], []);
    // Written with the start's row: one timer pending.
    expect(rows().map((row) => row.kind)).toEqual(['upsert', 'gauges']);
    expect(rows()[1]!.runs).toEqual([{ runId: `${workflowId}-run`, workflowType: 'probe', pendingActivities: 0, pendingTimers: 1, blocked: false }]);
    commit(runState(workflowId, 'running', timer), [event('SignalReceived')], []); // nothing changed: nothing to send
    commit(runState(workflowId, 'running'), [event('TimerFired')], []); // the timer fired: kept for the flush
    expect(rows()).toHaveLength(2);
    reporter.flush();
    expect(rows().map((row) => row.kind)).toEqual(['upsert', 'gauges', 'gauges']);
    expect(rows()[2]!.runs![0]).toMatchObject({ pendingTimers: 0 });
    commit(runState(workflowId, 'completed'), [event('WorkflowExecutionCompleted')], []);
    expect(rows().map((row) => row.kind)).toEqual(['upsert', 'gauges', 'gauges', 'upsert']); // zeros already sent: the close adds none
  });
});

it("sends a reloaded run's gauges at its next commit, zeros included: what the index holds of them is not known", async () => {
  await withReporter((reporter, commit, rows) => {
    const workflowId = uniqueId('reloaded');
    const timer = { 1: { timerId: '1', fireAt: 10 } };
    // An earlier instance wrote one pending timer; this one loads the run from storage, then the timer fires.
    reporter.loaded(runState(workflowId, 'running', timer));
    commit(runState(workflowId, 'running'), [event('TimerFired')], []);
    reporter.flush();
    expect(rows().filter((row) => row.kind === 'gauges').flatMap((row) => row.runs)).toEqual([expect.objectContaining({ runId: `${workflowId}-run`, pendingTimers: 0 })]);
  });
});

it('applies every message of one outbox row (they share its seq) once, and none of them again when the row is re-sent', async () => {
  const namespace = env.VISIBILITY as DurableObjectNamespace;
  const shard = namespace.get(namespace.idFromName('visibility-0')) as unknown as { apply(sender: string, messages: unknown[]): Promise<number> };
  const activityType = uniqueId('grouped');
  const attemptsOf = () => runInDurableObject(namespace.get(namespace.idFromName('visibility-0')), (_instance, state) =>
    state.storage.sql.exec<{ value: number }>('SELECT value FROM counters WHERE name = ? AND labels LIKE ?', 'duro_activity_attempts_total', `%${activityType}%`).toArray().reduce((sum, row) => sum + row.value, 0));
  const one = (latencyMs: number) => ({ activityType, outcome: 'completed', latencyMs, retrying: false });
  const row = [{ kind: 'attempts', attempts: [one(1)], seq: 1 }, { kind: 'attempts', attempts: [one(2), one(3)], seq: 1 }];
  const sender = `${uniqueId('sender')}#x`;
  expect(await shard.apply(sender, row)).toBe(1);
  expect(await attemptsOf()).toBe(3);
  expect(await shard.apply(sender, row)).toBe(1); // a re-send: all of it was applied
  expect(await attemptsOf()).toBe(3);
});
