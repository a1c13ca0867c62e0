// The test environment's clock follows Temporal's time-skipping rules: it jumps only while the test awaits a result
// (or calls env.sleep) and nothing else is runnable; starting, signalling, querying and updating move no time; a
// running activity attempt holds the clock, whose time then passes as real time does.
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineUpdate, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const poke = defineSignal('poke');
const pokes = defineQuery<number>('pokes');
const nap = defineUpdate<string, [ms: number]>('nap');

const patient = defineWorkflow('patient', async (ctx) => {
  let count = 0;
  ctx.setHandler(poke, () => void count++);
  ctx.setHandler(pokes, () => count);
  ctx.setHandler(nap, async (ms) => {
    await ctx.sleep(ms);
    return 'rested';
  });
  await ctx.sleep('30 days');
  return count;
});

const activities = {
  /** Waits on real time (as a call to a slow service would), not on the environment's clock. */
  async work(ms: number) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return 'worked';
  },
};

const raceTimer = defineWorkflow('raceTimer', async (ctx, input: { workMs: number }) => {
  const { work } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 hour' });
  return Promise.race([work(input.workMs), ctx.sleep('1 minute').then(() => 'timer')]);
});

const workflows = { patient, raceTimer };

describe('time skipping', () => {
  it('moves no time on start, signal, query or update; jumps straight to the timer while the test awaits the result', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const start = env.now();
    const handle = await env.start(patient);
    await handle.signal(poke);
    expect(await handle.query(pokes)).toBe(1);
    expect(env.now()).toBe(start);

    // An update whose handler sleeps waits for someone to move the clock.
    let answered: string | undefined;
    const update = handle.executeUpdate(nap, { args: [5_000] }).then((answer) => (answered = answer));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBeUndefined();
    expect(env.now()).toBe(start);
    await env.sleep('5s');
    await update;
    expect(answered).toBe('rested');

    expect(await handle.result()).toBe(1);
    expect(env.now() - start).toBe(30 * 24 * 3_600_000);
  });

  it('lets a running activity attempt hold the clock: a timer racing it does not jump ahead', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const start = env.now();
    expect(await env.execute(raceTimer, { input: { workMs: 100 } })).toBe('worked');
    // Skipping to the 1-minute timer while the attempt ran would have let the timer win; its 100 ms passed as real time.
    expect(env.now() - start).toBeGreaterThan(0);
    expect(env.now() - start).toBeLessThan(60_000);
  });

  it('skips to the timer once no attempt runs', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities: { work: async () => new Promise<string>(() => undefined) } });
    const handle = await env.start(raceTimer, { input: { workMs: 0 } });
    // The attempt never settles and holds the clock: env.sleep moves it anyway, and the timer wins.
    await env.sleep('1 minute');
    expect(await handle.result()).toBe('timer');
  });
});
