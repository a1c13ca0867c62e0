// The ambient workflow context behind duro/temporal/workflow never leaks between workflows that run at once in one
// isolate (issue 18): random numbers of Temporal-style workflows, random awaits (timers, scopes, handlers, local
// activities), each checking after every await that the free functions still answer for itself. With and without an
// async context (a browser's case, simulated).
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { CancellationScope, condition, defineSignal, proxyLocalActivities, setHandler, sleep, workflowInfo } from 'duro/temporal/workflow';
import { withoutAsyncContextForTesting } from '../../../src/core/ambient';

type Step = { kind: 'sleep'; ms: number } | { kind: 'scope'; ms: number } | { kind: 'local' } | { kind: 'signalled' };

const poke = defineSignal('poke');
const { echo } = proxyLocalActivities<{ echo(value: string): Promise<string> }>({ startToCloseTimeout: '1 minute' });

/** Runs its steps and reports, after each, whose identity the free functions gave and which scope was current. */
async function wanderer(steps: Step[]): Promise<string[]> {
  const me = workflowInfo().workflowId;
  const seen: string[] = [];
  let poked = 0;
  setHandler(poke, () => {
    seen.push(`handler:${workflowInfo().workflowId === me}`);
    poked++;
  });
  const look = (label: string) => seen.push(`${label}:${workflowInfo().workflowId === me}`);
  for (const step of steps) {
    if (step.kind === 'sleep') await sleep(step.ms);
    else if (step.kind === 'local') look(`local:${(await echo(me)) === me}`);
    else if (step.kind === 'signalled') await condition(() => poked > 0, '10 seconds');
    else {
      const scope = new CancellationScope();
      await scope.run(async () => {
        await sleep(step.ms);
        look(`scope:${CancellationScope.current() === scope}`);
      });
    }
    look(step.kind);
  }
  await condition(() => poked > 0); // the test's poke comes to every workflow
  look('end');
  return seen;
}

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('sleep' as const), ms: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ kind: fc.constant('scope' as const), ms: fc.integer({ min: 1, max: 50 }) }),
  fc.constant({ kind: 'local' as const }),
  fc.constant({ kind: 'signalled' as const }),
);

async function interleave(plans: Step[][]): Promise<void> {
  const env = await TestWorkflowEnvironment.create({ workflows: { wanderer }, activities: { echo: async (value: string) => value } });
  const handles = await Promise.all(plans.map((steps, i) => env.start('wanderer', { workflowId: `w-${i}`, input: [steps] })));
  await Promise.all(handles.map((handle) => handle.signal(poke)));
  const results = await Promise.all(handles.map((handle) => handle.result()));
  for (const seen of results) for (const entry of seen) expect(entry).not.toMatch(/false/);
}

const plansArbitrary = fc.array(fc.array(stepArbitrary, { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 8 });

describe('the ambient workflow context (property)', () => {
  afterAll(() => withoutAsyncContextForTesting(false));

  it('never answers for another workflow, with AsyncLocalStorage', async () => {
    await fc.assert(fc.asyncProperty(plansArbitrary, interleave), { numRuns: 15, timeout: 10_000 });
  });

  it('never answers for another workflow, without an async context (a browser)', async () => {
    withoutAsyncContextForTesting(true);
    try {
      await fc.assert(fc.asyncProperty(plansArbitrary, interleave), { numRuns: 15, timeout: 10_000 });
    } finally {
      withoutAsyncContextForTesting(false);
    }
  });
});
