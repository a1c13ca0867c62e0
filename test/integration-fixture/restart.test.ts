// The workflow coroutine lives in the object's memory: a run is entered once, and a restart of the object
// (eviction, crash, deploy) costs exactly one replay, after which the run goes on as if nothing happened.
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { history, historyReaches, result, shapeOf, signal, start, uniqueId } from './helpers';

async function runCounted(restartWhileWaiting: boolean) {
  const workflowId = uniqueId('counted');
  await start('counted', workflowId, { label: 'x' });
  // Blocked on the signal once the first activity's result is recorded.
  await historyReaches(workflowId, 'ActivityTaskCompleted');
  const enteredBeforeSignal = probe.counter(`enter:${workflowId}`);
  if (restartWhileWaiting) await abortAllDurableObjects();
  expect((await signal(workflowId, 'proceed')).status).toBe(202);
  const { status, body } = await result(workflowId);
  return { workflowId, enteredBeforeSignal, status, body, entered: probe.counter(`enter:${workflowId}`), events: await history(workflowId) };
}

group('a run and a restart of its object', () => {
  it('enters the workflow function once for a whole run without eviction', async () => {
    const run = await runCounted(false);
    expect(run.status).toBe(200);
    expect(run.body).toEqual({ status: 'completed', result: { first: 'first x', second: 'second x', coin: true } });
    expect(run.enteredBeforeSignal).toBe(1);
    expect(run.entered).toBe(1);
  });

  it('enters it exactly once more after a forced restart, completes, and records the same history', async () => {
    const uninterrupted = await runCounted(false);
    const restarted = await runCounted(true);
    expect(restarted.enteredBeforeSignal).toBe(1);
    expect(restarted.entered).toBe(2);
    expect(restarted.body).toEqual(uninterrupted.body);
    expect(shapeOf(restarted.events)).toEqual(shapeOf(uninterrupted.events));
    expect(restarted.events.map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowTaskCompleted',
      'SignalReceived', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'TimerStarted', 'WorkflowTaskCompleted',
      'TimerFired', 'WorkflowExecutionCompleted',
    ]);
  });
});
