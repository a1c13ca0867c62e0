// Issue 15: a duration past 100 years in workflow code is a typed failure thrown into the workflow (DurationError),
// never a timer the engine stores and cannot arm.
import { describe, expect, it } from 'vitest';
import { defineWorkflow, WorkflowBlockedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const HUGE = '9'.repeat(400) + 'ms';

const sleeper = defineWorkflow('sleeper', async (ctx) => ctx.sleep(HUGE));

const careful = defineWorkflow('careful', async (ctx) => {
  const caught: string[] = [];
  for (const attempt of [() => ctx.sleep(HUGE), () => ctx.condition(() => false, 1e308), () => ctx.sleep(Infinity)]) {
    try {
      await attempt();
    } catch (error) {
      caught.push(`${(error as Error).name}: ${(error as Error).message.slice(0, 30)}`);
    }
  }
  await ctx.sleep('1s');
  return caught;
});

const hugeActivityTimeout = defineWorkflow('hugeActivityTimeout', async (ctx) => {
  try {
    ctx.proxyActivities<{ charge(): Promise<void> }>({ startToCloseTimeout: '100000000 weeks' });
    return 'accepted';
  } catch (error) {
    return (error as Error).name;
  }
});

const hugeChildTimeout = defineWorkflow('hugeChildTimeout', async (ctx) => {
  try {
    await ctx.executeChild('sleeper', { workflowId: 'child', runTimeout: HUGE });
    return 'started';
  } catch (error) {
    return (error as Error).name;
  }
});

const workflows = { sleeper, careful, hugeActivityTimeout, hugeChildTimeout };

describe('durations in workflow code (100 years at most)', () => {
  it("blocks a workflow whose ctx.sleep is 400 digits long with a DurationError naming ctx.sleep", async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    // A TypeError of workflow code fails the workflow task (Temporal's rule): the run blocks, with the error as cause.
    const error = (await env.execute(sleeper).catch((e: unknown) => e)) as WorkflowBlockedError;
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect(error.cause).toMatchObject({ type: 'DurationError', message: expect.stringMatching(/^ctx\.sleep: Invalid duration/) });
    expect((error.cause as Error).message).toContain('100 years');
  });

  it('throws the DurationError into workflow code, which can catch it and go on', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(careful)).toEqual([
      expect.stringMatching(/^DurationError: ctx\.sleep: /),
      expect.stringMatching(/^DurationError: condition timeout: /),
      expect.stringMatching(/^DurationError: ctx\.sleep: /),
    ]);
  });

  it('refuses activity and child timeouts past the limit in workflow code', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(hugeActivityTimeout)).toBe('DurationError');
    expect(await env.execute(hugeChildTimeout)).toBe('DurationError');
  });
});
