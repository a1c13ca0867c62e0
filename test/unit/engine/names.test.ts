// Issue 15: ids and names in workflow code pass the API's rule (core/names.ts): a bad child workflowId, external
// target or signal name is a typed failure (ApplicationFailure 'InvalidName') thrown into the workflow, never a
// command the engine records and a host cannot carry out; a result JSON cannot carry fails the run instead of
// being stored as null.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, defineSignal, defineWorkflow, WorkflowFailedError } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const child = defineWorkflow('child', async () => 'done');

/** Tries each bad id or name and reports what was thrown; then starts a good child to show the run goes on. */
const tries = defineWorkflow('tries', async (ctx) => {
  const caught: string[] = [];
  const attempts: Array<() => Promise<unknown>> = [
    () => ctx.executeChild(child, { workflowId: 'bad\nid' }),
    () => ctx.startChild(child, { workflowId: 'count' }),
    () => ctx.startChild(child, { workflowId: '\ud800' }),
    () => ctx.startChild('no\u0000type'),
    () => ctx.getExternalWorkflowHandle('x\udc00').signal('go'),
    () => ctx.getExternalWorkflowHandle('other').signal('go\r\n'),
    () => ctx.getExternalWorkflowHandle('').cancel(),
    () => ctx.startChild(child, { workflowId: 'with-bad-attribute', searchAttributes: { 'a\u0000': 'x' } }),
    async () => ctx.upsertSearchAttributes({ 'line\nbreak': 'x' }),
  ];
  for (const attempt of attempts) {
    try {
      await attempt();
      caught.push('accepted');
    } catch (error) {
      caught.push(error instanceof ApplicationFailure ? `${error.type}/${error.nonRetryable}` : `${(error as Error).name}: ${(error as Error).message}`);
    }
  }
  return { caught, child: await ctx.executeChild(child, { workflowId: 'good-child' }) };
});

const overflow = defineWorkflow('overflow', async () => 1e308 + 1e308);

describe('ids and names in workflow code', () => {
  it('throws InvalidName into the workflow for bad child ids, types, external targets, signal names and search attribute keys', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { tries, child } });
    const result = await env.execute(tries, { workflowId: 'tries' });
    expect(result.caught).toEqual(Array(9).fill('InvalidName/true'));
    expect(result.child).toBe('done');
    expect(env.history('tries').filter((event) => event.type === 'ChildWorkflowInitiated')).toHaveLength(1);
  });

  it('refuses bad names where signals, queries, updates and workflows are defined', () => {
    expect(() => defineSignal('a\nb')).toThrow(/defineSignal: the name "a\\nb" must not contain control characters/);
    expect(() => defineWorkflow('', async () => undefined)).toThrow(TypeError);
    expect(() => defineWorkflow('..', async () => undefined)).toThrow(/must not be "\.\."/);
  });

  it('fails a run whose result is Infinity with a typed failure instead of completing with null', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { overflow } });
    const error = await env.execute(overflow).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toMatchObject({ type: 'PayloadTooLarge', message: expect.stringContaining('Workflow result holds the number Infinity') });
  });
});
