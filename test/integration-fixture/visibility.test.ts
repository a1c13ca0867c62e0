// List, count, batch operations and /metrics over the Visibility shards (4 in the fixture Worker), fed by the
// execution objects' outboxes. Every test tags its runs with a search attribute of its own, since the shards
// hold the runs of the whole file.
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe as group, expect, it } from 'vitest';
import { shardOf } from '../../src/visibility/shard';
import { api, eventually, executionStub, post, result, start, uniqueId } from './helpers';

interface Execution {
  workflowId: string;
  runId: string;
  workflowType: string;
  status: string;
  startTime: number;
  closeTime?: number;
  searchAttributes: Record<string, unknown>;
  memo?: Record<string, unknown>;
}

interface Page {
  executions: Execution[];
  nextPageToken?: string;
}

const SHARDS = 4;

async function getJson<T>(path: string, expectStatus = 200): Promise<T> {
  const res = await api(path);
  expect(res.status, await res.clone().text()).toBe(expectStatus);
  return (await res.json()) as T;
}

async function count(query: string): Promise<{ count: number; byStatus: Record<string, number> }> {
  return getJson(`/v1/workflows/count?${query}`);
}

/** Starts `workflowType` tagged with `suite` (and more search attributes). */
async function startTagged(workflowType: string, suite: string, input: unknown = {}, searchAttributes: Record<string, unknown> = {}): Promise<{ workflowId: string; runId: string }> {
  const workflowId = uniqueId(suite);
  const res = await post('/v1/workflows', { workflowType, workflowId, input, searchAttributes: { suite, ...searchAttributes } });
  expect(res.status, await res.clone().text()).toBe(201);
  return { workflowId, runId: ((await res.json()) as { runId: string }).runId };
}

/** Waits until the index holds `n` runs matching `query`. */
function indexed(query: string, n: number, timeoutMs = 10_000): Promise<unknown> {
  return eventually(async () => (await count(query)).count === n, timeoutMs, `${n} runs indexed for ${query}`);
}

/** Every page of a listing, following nextPageToken. */
async function listAll(query: string, pageSize: number): Promise<{ executions: Execution[]; pages: number }> {
  const executions: Execution[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await getJson<Page>(`/v1/workflows?${query}&pageSize=${pageSize}${token ? `&nextPageToken=${encodeURIComponent(token)}` : ''}`);
    expect(page.executions.length).toBeLessThanOrEqual(pageSize);
    if (page.nextPageToken) expect(page.executions).toHaveLength(pageSize);
    executions.push(...page.executions);
    token = page.nextPageToken;
    pages++;
  } while (token);
  return { executions, pages };
}

function shardRows(shard: number): Promise<number> {
  const namespace = env.VISIBILITY as DurableObjectNamespace;
  return runInDurableObject(namespace.get(namespace.idFromName(`visibility-${shard}`)), (_instance, state) => state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM executions').one().n);
}

group('list and count', () => {
  it('pages 1 000 runs spread over 4 shards at pageSize=7: each exactly once, newest first', async () => {
    // 8 workflow ids, two per shard, each a chain of 125 runs (continue-as-new): 1 000 runs, cheap to make.
    const suite = uniqueId('thousand');
    const ids: string[] = [];
    for (let i = 0; ids.length < 8; i++) {
      const id = `${suite}-${i}`;
      if (ids.filter((other) => shardOf(other, SHARDS) === shardOf(id, SHARDS)).length < 2) ids.push(id);
    }
    for (const workflowId of ids) {
      const res = await post('/v1/workflows', { workflowType: 'countdown', workflowId, input: { n: 124 }, searchAttributes: { suite } });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    const runIds = new Set<string>();
    for (const workflowId of ids) {
      const chain = await result(workflowId, 'wait=30s');
      expect(chain.body.status).toBe('completed');
      for (const runId of chain.body.result.runs as string[]) runIds.add(runId);
    }
    expect(runIds.size).toBe(1_000);
    await indexed(`search.suite=${suite}&status=completed,continuedAsNew`, 1_000, 30_000);

    const shardCounts = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => shardRows(shard)));
    expect(shardCounts.every((n) => n >= 250)).toBe(true);

    const { executions, pages } = await listAll(`search.suite=${suite}`, 7);
    expect(pages).toBe(Math.ceil(1_000 / 7));
    expect(executions).toHaveLength(1_000);
    expect(new Set(executions.map((e) => e.runId))).toEqual(runIds);
    for (let i = 1; i < executions.length; i++) {
      const [a, b] = [executions[i - 1]!, executions[i]!];
      expect(a.startTime > b.startTime || (a.startTime === b.startTime && a.runId > b.runId), `row ${i} is out of order`).toBe(true);
    }
    expect(executions[0]).toMatchObject({ workflowType: 'countdown', searchAttributes: { suite } });
    // The newest start is some chain's last run, which completed; another chain's continued run may share its
    // millisecond and then sorts first by runId.
    const newest = executions.filter((e) => e.startTime === executions[0]!.startTime);
    expect(newest.some((e) => e.status === 'completed'), JSON.stringify(newest)).toBe(true);

    expect(await count(`search.suite=${suite}`)).toEqual({ count: 1_000, byStatus: { completed: 8, continuedAsNew: 992 } });
  }, 120_000);

  it('shows a memo the run upserted itself, in describe and (once indexed) in the list', async () => {
    const suite = uniqueId('memo');
    const run = await startTagged('visible', suite, { outcome: 'wait', note: 'set by the run' });
    const listedMemo = async () => (await getJson<Page>(`/v1/workflows?search.suite=${suite}`)).executions[0]?.memo;
    await eventually(async () => JSON.stringify(await listedMemo()) === JSON.stringify({ note: 'set by the run' }), 5_000, 'the upserted memo indexed');
    expect((await getJson<{ memo: unknown }>(`/v1/workflows/${run.workflowId}`)).memo).toEqual({ note: 'set by the run' });
  });

  it('filters by type, status, start time and search attributes, and counts by status', async () => {
    const suite = uniqueId('filters');
    const done = await startTagged('visible', suite, { outcome: 'complete' }, { tier: 'gold', regions: ['eu', 'us'], priority: 2 });
    const failed = await startTagged('visible', suite, { outcome: 'fail' });
    const waiting = await startTagged('visible', suite, { outcome: 'wait', stage: 'waiting' });
    const other = await startTagged('waiter', suite);
    await indexed(`search.suite=${suite}`, 4);
    await eventually(async () => (await count(`search.suite=${suite}&status=completed,failed`)).count === 2, 5_000, 'closes indexed');

    const ids = async (query: string) => (await getJson<Page>(`/v1/workflows?search.suite=${suite}&${query}`)).executions.map((e) => e.workflowId).sort();
    expect(await ids('workflowType=visible')).toEqual([done, failed, waiting].map((r) => r.workflowId).sort());
    expect(await ids('workflowType=waiter')).toEqual([other.workflowId]);
    expect(await ids('status=failed')).toEqual([failed.workflowId]);
    expect(await ids('status=running')).toEqual([waiting.workflowId, other.workflowId].sort());
    expect(await ids('status=completed,failed')).toEqual([done.workflowId, failed.workflowId].sort());
    expect(await ids('search.tier=gold')).toEqual([done.workflowId]);
    expect(await ids('search.regions=us')).toEqual([done.workflowId]);
    expect(await ids('search.priority=2')).toEqual([done.workflowId]);
    expect(await ids('search.tier=silver')).toEqual([]);
    // Set by the workflow itself with upsertSearchAttributes.
    await eventually(async () => (await ids('search.stage=waiting')).length === 1, 5_000, 'the upserted attribute indexed');
    expect(await ids('search.stage=waiting')).toEqual([waiting.workflowId]);

    const all = (await getJson<Page>(`/v1/workflows?search.suite=${suite}`)).executions;
    const byId = new Map(all.map((e) => [e.workflowId, e]));
    const doneStart = byId.get(done.workflowId)!.startTime;
    expect(byId.get(done.workflowId)!.closeTime).toBeGreaterThanOrEqual(doneStart);
    expect(await ids(`startedBefore=${new Date(doneStart + 1).toISOString()}`)).toEqual([done.workflowId]);
    expect((await ids(`startedAfter=${doneStart}`)).includes(done.workflowId)).toBe(false);

    expect(await count(`search.suite=${suite}`)).toEqual({ count: 4, byStatus: { completed: 1, failed: 1, running: 2 } });
    expect(await count(`search.suite=${suite}&workflowType=visible&status=running`)).toEqual({ count: 1, byStatus: { running: 1 } });
  });

  it('refuses bad filters and page tokens with 400 duro:invalid-request', async () => {
    for (const query of ['status=sleeping', 'startedAfter=yesterday', 'search.bad%20name=x', 'pageSize=0', 'pageSize=abc', 'nextPageToken=garbage', 'search.a=1&search.a=2']) {
      const res = await api(`/v1/workflows?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { type: string }).type, query).toBe('duro:invalid-request');
    }
    // A token is bound to its filters.
    const suite = uniqueId('token');
    for (let i = 0; i < 3; i++) await startTagged('visible', suite);
    await indexed(`search.suite=${suite}`, 3);
    const { nextPageToken } = await getJson<Page>(`/v1/workflows?search.suite=${suite}&pageSize=1`);
    expect(nextPageToken).toBeDefined();
    const res = await api(`/v1/workflows?search.suite=${suite}&status=running&pageSize=1&nextPageToken=${encodeURIComponent(nextPageToken!)}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/other filters/);
  });
});

group('batch operations', () => {
  async function batch(operation: string, body: unknown): Promise<{ status: number; body: Record<string, any> }> {
    const res = await post(`/v1/batch/${operation}`, body);
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  async function finished(batchId: string): Promise<Record<string, any>> {
    return eventually(async () => {
      const progress = await getJson<Record<string, any>>(`/v1/batch/${batchId}`);
      return progress.status === 'completed' ? progress : undefined;
    }, 10_000, `batch ${batchId} to complete`);
  }

  it('signals every matching run once, and skips those already closed', async () => {
    const suite = uniqueId('batch-signal');
    const runs = await Promise.all(Array.from({ length: 12 }, () => startTagged('waiter', suite)));
    const closed = await startTagged('visible', suite);
    await indexed(`search.suite=${suite}&status=running`, 12);
    await indexed(`search.suite=${suite}&status=completed`, 1);

    const started = await batch('signal', { search: { suite }, signalName: 'finish' });
    expect(started).toEqual({ status: 202, body: { batchId: expect.any(String), matched: 13 } });
    const progress = await finished(started.body.batchId);
    expect(progress).toMatchObject({ operation: 'signal', matched: 13, succeeded: 12, skipped: 1, failed: 0, failures: [] });
    for (const run of runs) expect(await result(run.workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'finished' } });
    expect(closed.workflowId).toBeDefined();
  });

  it('terminates or cancels only what the filter matches', async () => {
    const suite = uniqueId('batch-terminate');
    const doomed = await Promise.all(Array.from({ length: 5 }, () => startTagged('waiter', suite, {}, { doomed: true })));
    const spared = await Promise.all(Array.from({ length: 3 }, () => startTagged('waiter', suite)));
    await indexed(`search.suite=${suite}&status=running`, 8);

    const started = await batch('terminate', { search: { suite, doomed: true }, reason: 'cleanup' });
    expect(started.body.matched).toBe(5);
    expect(await finished(started.body.batchId)).toMatchObject({ matched: 5, succeeded: 5 });
    for (const run of doomed) {
      const res = await result(run.workflowId);
      expect(res.body.status).toBe('terminated');
      expect(res.body.failure.message).toBe('cleanup');
    }
    await indexed(`search.suite=${suite}&status=terminated`, 5);
    expect(await count(`search.suite=${suite}`)).toEqual({ count: 8, byStatus: { running: 3, terminated: 5 } });

    const canceled = await batch('cancel', { search: { suite }, status: 'running' });
    expect(canceled.body.matched).toBe(3);
    await finished(canceled.body.batchId);
    for (const run of spared) expect((await result(run.workflowId)).body.status).toBe('canceled');
  });

  it('acts on where a matched run\'s chain is now: a failed attempt stands for the retry that follows it', async () => {
    const suite = uniqueId('batch-chain');
    const res = await post('/v1/workflows', { workflowType: 'failsFirst', workflowId: uniqueId(suite), input: { failures: 1 }, searchAttributes: { suite }, retryPolicy: { initialInterval: '1 hour' } });
    const { workflowId } = (await res.json()) as { workflowId: string };
    await indexed(`search.suite=${suite}&status=failed`, 1); // attempt 1; attempt 2 waits an hour
    const started = await batch('terminate', { search: { suite }, status: 'failed', reason: 'stop retrying', batchId: `${suite}-job` });
    expect(started.body).toEqual({ batchId: `${suite}-job`, matched: 1 });
    expect(await finished(started.body.batchId)).toMatchObject({ matched: 1, succeeded: 1, skipped: 0 });
    expect((await result(workflowId)).body).toMatchObject({ status: 'terminated', failure: { message: 'stop retrying' } });
    // The same batchId again starts nothing new.
    expect((await batch('terminate', { search: { suite }, status: 'failed', batchId: `${suite}-job` })).body).toEqual({ batchId: `${suite}-job`, matched: 1 });
  });

  it('refuses a batch with no filter, a signal batch with no signal, and answers 404 for an unknown batch', async () => {
    expect(await batch('terminate', {})).toMatchObject({ status: 400, body: { type: 'duro:invalid-request' } });
    expect(await batch('signal', { workflowType: 'waiter' })).toMatchObject({ status: 400, body: { type: 'duro:invalid-request' } });
    expect(await batch('explode', { workflowType: 'waiter' })).toMatchObject({ status: 400, body: { type: 'duro:invalid-request' } });
    expect(await batch('cancel', { status: 'sleeping' })).toMatchObject({ status: 400, body: { type: 'duro:invalid-request' } });
    const res = await api('/v1/batch/no-such-batch');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { type: string }).type).toBe('duro:batch-not-found');
  });
});

group('/metrics', () => {
  /** The value of one sample line, or 0 when the series has none yet. */
  function sample(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  }

  async function metrics(): Promise<string> {
    const res = await api('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    return res.text();
  }

  it('counts starts, closes, running runs, activity attempts, retries, latencies and schedule-to-start times', async () => {
    const before = await metrics();
    for (const name of ['duro_workflows_started_total', 'duro_workflows_closed_total', 'duro_workflow_duration_seconds', 'duro_activity_attempts_total', 'duro_activity_retries_total', 'duro_workflows_running', 'duro_activity_latency_seconds', 'duro_activity_schedule_to_start_seconds']) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    const suite = uniqueId('metrics');
    const waiting = await startTagged('waiter', suite);
    const flaky = await startTagged('retrying', suite, { key: uniqueId('flaky') });
    expect((await result(flaky.workflowId, 'wait=15s')).body.status).toBe('completed');
    await indexed(`search.suite=${suite}&status=completed`, 1);
    await indexed(`search.suite=${suite}&status=running`, 1);

    const after = await eventually(async () => {
      const text = await metrics();
      return sample(text, 'duro_activity_attempts_total{activity_type="flaky",outcome="completed"}') > sample(before, 'duro_activity_attempts_total{activity_type="flaky",outcome="completed"}') ? text : undefined;
    }, 5_000, 'the attempts counted');
    const delta = (series: string) => sample(after, series) - sample(before, series);
    expect(delta('duro_workflows_started_total{workflow_type="retrying"}')).toBe(1);
    expect(delta('duro_workflows_closed_total{status="completed",workflow_type="retrying"}')).toBe(1);
    expect(delta('duro_workflow_duration_seconds_count{workflow_type="retrying"}')).toBe(1);
    expect(delta('duro_activity_attempts_total{activity_type="flaky",outcome="failed"}')).toBe(2);
    expect(delta('duro_activity_attempts_total{activity_type="flaky",outcome="completed"}')).toBe(1);
    expect(delta('duro_activity_retries_total{activity_type="flaky"}')).toBe(2);
    // The two failed attempts by their failure's type (the fixture's flaky activity throws 'Flaky').
    expect(delta('duro_activity_attempt_failures_total{activity_type="flaky",error_type="Flaky"}')).toBe(2);
    expect(delta('duro_activity_latency_seconds_count{activity_type="flaky"}')).toBe(3);
    expect(sample(after, 'duro_activity_latency_seconds_bucket{activity_type="flaky",le="+Inf"}')).toBe(sample(after, 'duro_activity_latency_seconds_count{activity_type="flaky"}'));
    // Schedule-to-start: the first attempt starts in the step that scheduled it, each retry when its 300 ms backoff
    // ends (the alarm's lateness only). Measured from the schedule instead, the retries would add up to 0.9 s or more.
    expect(delta('duro_activity_schedule_to_start_seconds_count{activity_type="flaky"}')).toBe(3);
    expect(delta('duro_activity_schedule_to_start_seconds_sum{activity_type="flaky"}')).toBeLessThan(0.6);
    expect(sample(after, 'duro_activity_schedule_to_start_seconds_bucket{activity_type="flaky",le="+Inf"}')).toBe(sample(after, 'duro_activity_schedule_to_start_seconds_count{activity_type="flaky"}'));
    expect(delta('duro_workflows_running{workflow_type="waiter"}')).toBeGreaterThanOrEqual(1);
    expect(waiting.workflowId).toBeDefined();
  }, 30_000);

  it('counts failed workflow tasks by reason: a bug in workflow code blocks its run and shows here', async () => {
    const series = 'duro_workflow_task_failures_total{reason="workflowError",workflow_type="throwsTypeError"}';
    const before = await metrics();
    expect(before).toContain('# TYPE duro_workflow_task_failures_total counter');
    const workflowId = uniqueId('throws-type-error');
    await start('throwsTypeError', workflowId);
    await eventually(async () => (sample(await metrics(), series) > sample(before, series) ? true : undefined), 5_000, 'the failed task counted');
    const description = await getJson<{ status: string; blockedReason?: string }>(`/v1/workflows/${workflowId}`);
    expect(description).toMatchObject({ status: 'running', blockedReason: expect.stringMatching(/Workflow code threw TypeError/) });
    // The blocked run is counted by the gauge while it stays blocked.
    await eventually(async () => (sample(await metrics(), 'duro_workflows_blocked{workflow_type="throwsTypeError"}') >= 1 ? true : undefined), 5_000, 'the blocked run in the gauge');
  });

  it('gauges what running runs wait on: pending timers go up with a sleeping run and down once it ends', async () => {
    const series = 'duro_timers_pending{workflow_type="sleeper"}';
    const before = sample(await metrics(), series);
    const workflowId = uniqueId('gauged-sleeper');
    await start('sleeper', workflowId, { duration: '1h' });
    await eventually(async () => (sample(await metrics(), series) === before + 1 ? true : undefined), 5_000, 'the timer in the gauge');
    expect((await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'gauge checked' })).status).toBe(202);
    await eventually(async () => (sample(await metrics(), series) === before ? true : undefined), 5_000, 'the timer gone from the gauge');
    expect(await metrics()).toContain('# TYPE duro_activities_pending gauge');
  });

  it('observes how late a schedule\'s action started after its scheduled time, and not a triggered action', async () => {
    const series = 'duro_schedule_action_lag_seconds';
    const before = await metrics();
    expect(before).toContain(`# TYPE ${series} histogram`);
    const delta = (text: string, suffix: string) => sample(text, `${series}${suffix}`) - sample(before, `${series}${suffix}`);
    const scheduleId = uniqueId('late');
    const scheduledTime = Date.now() - 90_000;
    // Hourly from 90 s ago: a new schedule runs nothing before its creation, so its next action is an hour away...
    const created = await post('/v1/schedules', { scheduleId, every: '1h', startAt: scheduledTime, workflowType: 'visible', input: { outcome: 'complete' } });
    expect(created.status, await created.clone().text()).toBe(201);
    // ...until the Scheduler is made late, as by an outage: the time 90 s ago is not handled yet and due now.
    const namespace = env.SCHEDULER as DurableObjectNamespace;
    const scheduler = namespace.get(namespace.idFromName('schedules'));
    await runInDurableObject(scheduler, async (_instance, state) => {
      const row = JSON.parse(state.storage.sql.exec<{ body: string }>('SELECT body FROM schedules WHERE schedule_id = ?', scheduleId).one().body) as { state: { handledThrough: number } };
      row.state.handledThrough = scheduledTime - 1;
      state.storage.sql.exec('UPDATE schedules SET body = ?, wake_at = ? WHERE schedule_id = ?', JSON.stringify(row), scheduledTime, scheduleId);
      await state.storage.setAlarm(Date.now());
    });
    await runDurableObjectAlarm(scheduler); // or it already ran by itself
    const after = await eventually(async () => {
      const text = await metrics();
      return delta(text, '_count{workflow_type="visible"}') >= 1 ? text : undefined;
    }, 5_000, 'the late action observed');
    expect(delta(after, '_count{workflow_type="visible"}')).toBe(1);
    expect(delta(after, '_sum{workflow_type="visible"}')).toBeGreaterThanOrEqual(90);
    expect(delta(after, '_sum{workflow_type="visible"}')).toBeLessThan(150);
    expect(delta(after, '_bucket{workflow_type="visible",le="60"}')).toBe(0);
    expect(delta(after, '_bucket{workflow_type="visible",le="300"}')).toBe(1);
    expect((await api(`/v1/workflows/${scheduleId}-${new Date(scheduledTime).toISOString()}/result?wait=5s`)).status).toBe(200);

    // "Trigger now" starts an action outside the calendar: it has no scheduled time to be late for.
    const triggered = await post(`/v1/schedules/${scheduleId}/trigger`, {});
    expect(triggered.status, await triggered.clone().text()).toBeLessThan(300);
    expect(delta(await metrics(), '_count{workflow_type="visible"}')).toBe(1);
    expect((await api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(200);
  }, 30_000);
});

group('the feed', () => {
  it('indexes a run within moments of its start and close, each run once however often the object restarts', async () => {
    const suite = uniqueId('feed');
    const { workflowId, runId } = await startTagged('waiter', suite);
    await indexed(`search.suite=${suite}&status=running`, 1);
    const res = await post(`/v1/workflows/${workflowId}/signals/finish`, {});
    expect(res.status).toBe(202);
    await indexed(`search.suite=${suite}&status=completed`, 1);
    const [execution] = (await getJson<Page>(`/v1/workflows?search.suite=${suite}`)).executions;
    expect(execution).toMatchObject({ workflowId, runId, workflowType: 'waiter', status: 'completed' });
    expect(await count(`search.suite=${suite}`)).toEqual({ count: 1, byStatus: { completed: 1 } });
    expect(await start('waiter', uniqueId('unlisted'))).toBeDefined();
  });

  it('reports the runs of an object that never reported (stored before the binding existed) once it loads', async () => {
    const suite = uniqueId('backfill');
    const { workflowId, runId } = await startTagged('waiter', suite);
    await indexed(`search.suite=${suite}`, 1);
    // Make it an object from before Visibility: no sender in its meta, and no row of it in its shard.
    await runInDurableObject(executionStub(workflowId), (_instance, state) => void state.storage.sql.exec(`DELETE FROM meta WHERE key = 'visibility'`));
    const namespace = env.VISIBILITY as DurableObjectNamespace;
    const shard = namespace.get(namespace.idFromName(`visibility-${shardOf(workflowId, SHARDS)}`));
    await runInDurableObject(shard, (_instance, state) => void state.storage.sql.exec('DELETE FROM executions WHERE run_id = ?', runId));
    expect((await count(`search.suite=${suite}`)).count).toBe(0);

    await abortAllDurableObjects(); // the next request loads the object afresh
    expect((await api(`/v1/workflows/${workflowId}`)).status).toBe(200);
    await indexed(`search.suite=${suite}&status=running`, 1);
  });

  it('keeps an alarm behind rows waiting for their delivery, so an object reset before it sends them still does', async () => {
    // A start and a close wait ~25 ms to go out together. Catch that window: rows committed, not yet delivered.
    for (let tries = 1; ; tries++) {
      const suite = uniqueId('reset-before-flush');
      const { workflowId } = await startTagged('visible', suite, { outcome: 'complete' });
      const stub = executionStub(workflowId);
      const waiting = await runInDurableObject(stub, async (_instance, state) => ({
        rows: state.storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM visibility_outbox WHERE body IS NOT NULL').one().n,
        alarm: await state.storage.getAlarm(),
        now: Date.now(),
      }));
      if (waiting.rows === 0) {
        expect(tries, 'the delivery always went out before the test could look').toBeLessThan(5);
        continue;
      }
      // Within the outbox retry window (2 s), not the retention deadline of the closed run.
      expect(waiting.alarm).not.toBeNull();
      expect(waiting.alarm! - waiting.now).toBeLessThanOrEqual(2_500);
      await abortAllDurableObjects(); // the instance and its 25 ms timer are gone; nothing else addresses this workflow
      expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true); // a new instance, woken by the alarm alone
      await indexed(`search.suite=${suite}&status=completed`, 1);
      return;
    }
  });
});

group('a run removed by retention', () => {
  it('leaves the index too, with no other request to its object', async () => {
    const suite = uniqueId('retention-removal');
    const { workflowId } = await startTagged('visible', suite, { outcome: 'complete' });
    await indexed(`search.suite=${suite}&status=completed`, 1);
    const stub = executionStub(workflowId);
    // The run's retention has ended; its object is woken by its alarm alone, once, as 30 days after the close (set
    // far ahead here, so it runs only when the test runs it).
    await runInDurableObject(stub, async (_instance, state) => {
      state.storage.sql.exec('UPDATE runs SET retain_until = ?', Date.now() - 1);
      await state.storage.setAlarm(Date.now() + 3_600_000);
    });
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true);
    await indexed(`search.suite=${suite}`, 0);
    expect((await api(`/v1/workflows/${workflowId}`)).status).toBe(404);
  });
});
