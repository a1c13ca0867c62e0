// Timers live in the deadlines table and fire through the object's one alarm, which is always armed for the
// earliest deadline; an alarm invocation that dies does not lose the timer.
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { describe, eventually, executionStub, history, post, result, start, uniqueId } from './helpers';

/** A closed run keeps the alarm armed for one thing: deleting it when its 30-day retention ends. */
const retentionDeadline = async (workflowId: string) => ((await describe(workflowId)) as { closeTime?: number }).closeTime! + 30 * 86_400_000;
const armedAlarm = (workflowId: string) => runInDurableObject(executionStub(workflowId), (_instance, state) => state.storage.getAlarm());

group('timers', () => {
  it('fires a timer through the alarm, then arms the alarm only for the retention of the closed run', async () => {
    const workflowId = uniqueId('sleeper');
    await start('sleeper', workflowId, { duration: '300ms' });
    const [timer] = (await describe(workflowId)).pendingTimers;
    expect(timer).toBeDefined();
    expect(await armedAlarm(workflowId)).toBe(timer!.fireAt);

    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'woke' } });
    const events = await history(workflowId);
    const fired = events.find((event) => event.type === 'TimerFired')!;
    expect(fired.timestamp).toBeGreaterThanOrEqual(timer!.fireAt);
    // Once the Visibility shard has acknowledged the run's close, nothing else is owed.
    await eventually(async () => (await armedAlarm(workflowId)) === (await retentionDeadline(workflowId)), 5_000, 'the alarm armed for retention only');
  });

  it('re-arms the alarm for a timer due sooner than the alarm kept while an activity was in flight', async () => {
    const workflowId = uniqueId('echo-sleep');
    await start('echoThenSleep', workflowId, { duration: '1s' });
    await eventually(async () => (await describe(workflowId)).pendingTimers.length === 1, 5_000, 'the timer started');
    const [timer] = (await describe(workflowId)).pendingTimers;
    expect(await armedAlarm(workflowId)).toBeLessThanOrEqual(timer!.fireAt);
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'hi' } });
  });

  it("writes the run's next deadline with each commit: after the activity's timeout, the timer's, and the alarm follows it", async () => {
    // A run's next deadline is a column of its row, which every commit rewrites anyway (sql-run-store.ts): after the
    // activity, the row holds the timer's time, not the activity's 30 s timeout.
    const workflowId = uniqueId('echo-sleep-1h');
    await start('echoThenSleep', workflowId, { duration: '1 hour' });
    await eventually(async () => (await describe(workflowId)).pendingTimers.length === 1, 5_000, 'the timer started');
    const [timer] = (await describe(workflowId)).pendingTimers;
    const runDeadline = () => runInDurableObject(executionStub(workflowId), (_instance, state) =>
      state.storage.sql.exec<{ wake_at: number }>("SELECT wake_at FROM runs WHERE status = 'running'").one().wake_at);
    expect(await runDeadline()).toBe(timer!.fireAt);
    // An alarm that comes early (the in-flight check the activity set) finds nothing due and leaves it so.
    expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true);
    expect(await runDeadline()).toBe(timer!.fireAt);
    await eventually(async () => (await armedAlarm(workflowId)) === timer!.fireAt, 5_000, 'the alarm armed for the timer');
    expect((await describe(workflowId)).pendingTimers).toEqual([timer]);
    expect((await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'test over' })).status).toBe(202);
  });

  it('fires a timer whose object was reset while it waited', async () => {
    const workflowId = uniqueId('sleeper-reset');
    await start('sleeper', workflowId, { duration: '300ms' });
    await abortAllDurableObjects();
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'woke' } });
    expect((await history(workflowId)).filter((event) => event.type === 'TimerFired')).toHaveLength(1);
    // Once the Visibility shard has acknowledged the run's close, nothing else is owed.
    await eventually(async () => (await armedAlarm(workflowId)) === (await retentionDeadline(workflowId)), 5_000, 'the alarm armed for retention only');
  });

  it('keeps a 1 hour timer pending, and the alarm armed for it, when the alarm runs early', async () => {
    // The engine compares deadlines with the real clock, so a test cannot make an hour pass; it can check
    // that an alarm running too early (alarms are at-least-once) neither fires the timer nor loses it.
    const workflowId = uniqueId('sleeper-1h');
    await start('sleeper', workflowId, { duration: '1 hour' });
    const [timer] = (await describe(workflowId)).pendingTimers;
    expect(timer!.fireAt - Date.now()).toBeGreaterThan(59 * 60_000);

    expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true);
    const after = await describe(workflowId);
    expect(after.status).toBe('running');
    expect(after.pendingTimers).toEqual([timer]);
    // Once the Visibility shard has the run's start (its delivery, or the metrics flush a second later, may hold an
    // earlier alarm), the alarm stands for the timer alone.
    await eventually(async () => (await armedAlarm(workflowId)) === timer!.fireAt, 5_000, 'the alarm armed for the timer');
    expect((await history(workflowId)).map((event) => event.type)).not.toContain('TimerFired');

    expect((await post(`/v1/workflows/${workflowId}/terminate`, { reason: 'test over' })).status).toBe(202);
  });

  it('fires the timer and runs the local attempt after it even though the object dies 7 times during that attempt', async () => {
    // After the timer fires, the activation asks for a local activity that hangs on its first 7 calls; each time
    // the test resets the object mid-attempt, as a crash or a CPU-limit kill would. The TimerFired committed with
    // its activation before the attempt ran; what is lost is the attempt, which the restarted object runs again.
    // Every later invocation goes through runDurableObjectAlarm, which deletes the alarm before running the handler,
    // so each next invocation finds an alarm only because the restarted object re-armed it (a local attempt held by
    // an object keeps an alarm near, as an HTTP attempt's call does).
    const workflowId = uniqueId('fragile');
    await start('sleepThenLocal', workflowId, { duration: '100ms', hangs: 7 });
    const calls = () => probe.counter(`fragile:${workflowId}`);
    for (let killed = 0; killed < 7; killed++) {
      // The first invocation is the real alarm. A stub does not outlive the object it reached: a new one each time.
      // A killed invocation's promise settles only lazily, so it is not awaited.
      if (killed > 0) void runDurableObjectAlarm(executionStub(workflowId)).catch(() => undefined);
      await eventually(() => calls() > killed, 5_000, `alarm invocation ${killed + 1}`);
      await abortAllDurableObjects();
    }

    expect(await runDurableObjectAlarm(executionStub(workflowId))).toBe(true);
    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'done on call 8' } });
    expect(calls()).toBe(8);
    const types = (await history(workflowId)).map((event) => event.type);
    expect(types).toEqual([
      'WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted',
      'TimerFired', 'WorkflowTaskCompleted',
      'MarkerRecorded', 'WorkflowExecutionCompleted',
    ]);
  });
});

group('an alarm lost by the platform', () => {
  it('is restored by the next request from the deadlines table', async () => {
    const workflowId = uniqueId('sleeper-lost-alarm');
    await start('sleeper', workflowId, { duration: '1h' });
    const [timer] = (await describe(workflowId)).pendingTimers;
    await runInDurableObject(executionStub(workflowId), (_instance, state) => state.storage.deleteAlarm());
    expect(await armedAlarm(workflowId)).toBeNull();
    await describe(workflowId); // any request
    const restored = await eventually(() => armedAlarm(workflowId), 2_000, 'the alarm re-armed');
    expect(restored).toBeLessThanOrEqual(timer!.fireAt);
  });
});
