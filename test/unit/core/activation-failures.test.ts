// The run state machine under host faults: an activation that keeps throwing inside the engine is retried
// with backoff a few times, then the run is blocked (not failed, not looping) until unblocked.
import { describe, expect, it } from 'vitest';
import { defineWorkflow } from 'duro/workflow';
import { blockedOnOtherCode, WorkflowRun, type RunHost } from '../../../src/core/internals';
import { MemoryRunStore } from '../../../src/testing/memory-store';

const napper = defineWorkflow('napper', async (ctx) => {
  await ctx.sleep(1_000);
  return 'rested';
});

function faultyHost(failingReads: { remaining: number }) {
  let now = 1_000_000;
  const store = new MemoryRunStore();
  const host: RunHost = {
    codeVersion: 'v1',
    now: () => now,
    newRunId: () => crypto.randomUUID(),
    store: {
      readHistory: (runId, after) => {
        if (failingReads.remaining > 0) {
          failingReads.remaining--;
          throw new Error('storage unavailable');
        }
        return store.readHistory(runId, after);
      },
      commit: (runId, commit) => store.commit(runId, 0, commit),
    },
    runLocalActivity: async () => ({ result: null }),
    effects: () => undefined,
  };
  return { host, store, advanceTo: (time: number) => (now = Math.max(now, time)) };
}

async function fireDue(run: WorkflowRun, advanceTo: (time: number) => void) {
  const at = run.nextWakeAt();
  if (at === undefined) return false;
  advanceTo(at);
  run.fireDeadlines();
  await run.idle();
  return true;
}

describe('activations that throw inside the engine', () => {
  it('retries after 1 s and 2 s, then blocks the run instead of looping', async () => {
    const failingReads = { remaining: Number.POSITIVE_INFINITY };
    const { host, store, advanceTo } = faultyHost(failingReads);
    const run = WorkflowRun.start({ workflowType: 'napper', workflowId: 'w', runId: 'r', input: undefined, randomnessSeed: 's', attempt: 1, firstRunId: 'r' }, napper, host);
    await run.idle();
    run.evict(); // the next activation must replay, and replay cannot read history

    const start = host.now();
    const attempts: number[] = [];
    while (await fireDue(run, advanceTo)) attempts.push(host.now() - start);

    const failures = store.history('r').filter((event) => event.type === 'WorkflowTaskFailed');
    expect(failures).toHaveLength(3);
    expect(attempts).toEqual([1_000, 2_000, 4_000]); // the timer, then backoff 1 s, then 2 s
    expect(run.state.blocked?.reason).toBe('activationFailure');
    expect(run.state.blocked?.retryAt).toBeUndefined();
    expect(run.nextWakeAt()).toBeUndefined();
    expect(store.history('r').filter((event) => event.type === 'TimerFired')).toHaveLength(1);

    // Blocked until other code runs: a host with the same version leaves it, a deploy of another version lifts it.
    expect(blockedOnOtherCode(run.state, 'v1')).toBe(false);
    expect(blockedOnOtherCode(run.state, 'v2')).toBe(true);
    failingReads.remaining = 0; // the fault is repaired (e.g. a deploy)
    run.unblock();
    await run.idle();
    expect((await run.result()).result).toBe('rested');
  });

  it('recovers without blocking when a retry succeeds', async () => {
    const failingReads = { remaining: 1 };
    const { host, store, advanceTo } = faultyHost(failingReads);
    const run = WorkflowRun.start({ workflowType: 'napper', workflowId: 'w', runId: 'r', input: undefined, randomnessSeed: 's', attempt: 1, firstRunId: 'r' }, napper, host);
    await run.idle();
    run.evict();
    while (await fireDue(run, advanceTo));
    expect(run.state.status).toBe('completed');
    expect(store.history('r').map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted',
      'TimerFired', 'WorkflowTaskFailed', 'WorkflowExecutionCompleted',
    ]);
  });
});
