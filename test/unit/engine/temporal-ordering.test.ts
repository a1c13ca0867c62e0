// The order in which an activation delivers its inputs, as Temporal's core and TypeScript SDK order them (issue 17):
// signals and updates before timer firings and other outcomes, conditions checked after each input, messages that
// come with the start delivered before the workflow function runs, and an update validated after the signals of its
// own activation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineSignal, defineUpdate, defineWorkflow, NonDeterminismError, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

type Outcomes = { signalled(): Promise<void>; timedOut(): Promise<void>; sawMessages(): Promise<void>; sawNothing(): Promise<void> };
const activities = { signalled: async () => undefined, timedOut: async () => undefined, sawMessages: async () => undefined, sawNothing: async () => undefined };

const go = defineSignal('go');
/** The branch taken is an activity of its own, so a replay that takes the other branch is a non-determinism. */
const signalRacesTimeout = defineWorkflow('signalRacesTimeout', async (ctx) => {
  let got = false;
  ctx.setHandler(go, () => void (got = true));
  const met = await ctx.condition(() => got, '1s');
  const outcome = ctx.proxyActivities<Outcomes>({ startToCloseTimeout: '1m' });
  await (met ? outcome.signalled() : outcome.timedOut());
  return met;
});

const greet = defineSignal<[name: string]>('greet');
const addItem = defineUpdate<number, [n: number]>('addItem');
/** Reads, before its first await, what the handlers it has just set received. */
const handlersAtTop = defineWorkflow('handlersAtTop', async (ctx) => {
  const names: string[] = [];
  const items: number[] = [];
  ctx.setHandler(greet, (name) => void names.push(name));
  ctx.setHandler(addItem, (n) => items.push(n), { validator: (n) => { if (n < 0) throw new Error('negative'); } });
  const seen = { names: [...names], items: [...items] };
  const outcome = ctx.proxyActivities<Outcomes>({ startToCloseTimeout: '1m' });
  await (seen.names.length + seen.items.length > 0 ? outcome.sawMessages() : outcome.sawNothing());
  return seen;
});

const finish = defineSignal('finish');
const count = defineUpdate<number>('count');
/** The update is valid only once `finish` was handled; the workflow returns the count its continuation sees. */
const signalThenUpdate = defineWorkflow('signalThenUpdate', async (ctx) => {
  let finished = false;
  let updates = 0;
  ctx.setHandler(finish, () => void (finished = true));
  ctx.setHandler(count, () => ++updates, { validator: () => { if (!finished) throw new Error('not finished yet'); } });
  await ctx.condition(() => finished);
  return updates;
});

const workflows = { signalRacesTimeout, handlersAtTop, signalThenUpdate };

/** The event types of the activation that recorded the first `type` (up to the event that ends it, not included). */
function activationWith(history: HistoryEvent[], type: string): string[] {
  const at = history.findIndex((event) => event.type === type);
  const start = history.slice(0, at).map((event) => event.type).lastIndexOf('WorkflowTaskCompleted') + 1;
  const end = history.findIndex((event, index) => index > at && event.type === 'WorkflowTaskCompleted');
  return history.slice(start, end < 0 ? undefined : end).map((event) => event.type);
}

function flagsOf(history: HistoryEvent[]): string[] {
  return history.flatMap((event) => (event as { flags?: string[] }).flags ?? []);
}

function withoutFlags(history: HistoryEvent[]): HistoryEvent[] {
  return history.map((event) => {
    const { flags: _flags, ...rest } = event as HistoryEvent & { flags?: string[] };
    return rest as HistoryEvent;
  });
}

describe('activation order (Temporal semantics)', () => {
  it('returns true from condition(fn, timeout) when the signal and the timeout timer land in one activation', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(signalRacesTimeout);
    const run = env.runOf(handle.workflowId);
    // A step under way (the pause is written) holds what follows in the run's queue, so the next step takes the timer
    // and the signal together, the timer first: as a Durable Object takes an alarm and a signal that came meanwhile.
    run.pause();
    env.clock.advanceTo(env.now() + 1_000);
    run.unpause();
    await run.signal('go');
    expect(await handle.result()).toBe(true);
    const history = await handle.fetchHistory();
    expect(activationWith(history, 'SignalReceived')).toEqual(['TimerFired', 'SignalReceived', 'ActivityTaskScheduled']);
    expect(history.some((event) => event.type === 'ActivityTaskScheduled' && event.activityType === 'signalled')).toBe(true);
    expect(flagsOf(history)).toContain('messagesFirst');
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
    // Without its flag the history reads as an older engine's, whose condition timed out: replay takes that branch.
    await expect(replayHistory(workflows, withoutFlags(history))).rejects.toThrow(NonDeterminismError);
  });

  it('delivers a signal-with-start and an update-with-start in the first activation, to handlers set at the top of the workflow', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const { handle: signalled } = await env.signalWithStart(handlersAtTop, { workflowId: 'with-signal' }, greet, 'ann');
    expect(await signalled.result()).toEqual({ names: ['ann'], items: [] });

    const { handle: updated, started, result } = await env.updateWithStart(handlersAtTop, { workflowId: 'with-update' }, addItem, { args: [7] });
    expect({ started, result }).toEqual({ started: true, result: 1 });
    expect(await updated.result()).toEqual({ names: [], items: [7] });
    const history = await updated.fetchHistory();
    // Accepted and completed in the first activation, which ends with the activity the workflow chose.
    expect(activationWith(history, 'UpdateAccepted')).toEqual(['WorkflowExecutionStarted', 'UpdateAccepted', 'ActivityTaskScheduled', 'UpdateCompleted']);
    expect(flagsOf(history)).toEqual(expect.arrayContaining(['startAfterMessages', 'updatesWaitForHandler']));
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
    await expect(replayHistory(workflows, await signalled.fetchHistory())).resolves.toBeUndefined();

    // A rejected update-with-start still starts the run, and records nothing of the update.
    const rejected = await env.updateWithStart(handlersAtTop, { workflowId: 'with-bad-update' }, addItem, { args: [-1] }).catch((error: unknown) => error);
    expect((rejected as Error).name).toBe('WorkflowUpdateRejectedError');
    const after = await env.getHandle('with-bad-update').fetchHistory();
    expect(after.some((event) => event.type === 'UpdateAccepted')).toBe(false);
  });

  it('validates an update after a signal of the same activation and completes it before the workflow that signal ends', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(signalThenUpdate);
    const run = env.runOf(handle.workflowId);
    run.pause(); // holds the signal and the update in the queue: the next step takes both
    const signalled = run.signal('finish');
    const updated = run.update('count');
    run.unpause();
    await signalled;
    expect(await updated).toMatchObject({ outcome: { result: 1 } });
    // The workflow's continuation runs after both handlers, as in Temporal: it sees the update.
    expect(await handle.result()).toBe(1);
    const history = await handle.fetchHistory();
    expect(activationWith(history, 'SignalReceived')).toEqual(['SignalReceived', 'UpdateAccepted', 'UpdateCompleted', 'WorkflowExecutionCompleted']);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('replays histories recorded before these rules as they ran', async () => {
    // Recorded by the engine before issue 17's ordering (fixture): the timer won the race, and the signal-with-start
    // reached its handler only after the workflow function's first await.
    for (const name of ['ordering-timer-before-signal', 'ordering-signal-with-start']) {
      const history = JSON.parse(readFileSync(new URL(`../../fixtures/histories/${name}.json`, import.meta.url), 'utf8')) as HistoryEvent[];
      expect(flagsOf(history)).not.toEqual(expect.arrayContaining(['messagesFirst']));
      expect(flagsOf(history)).not.toEqual(expect.arrayContaining(['startAfterMessages']));
      await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
    }
  });
});
