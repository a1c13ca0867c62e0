// ctx.continueAsNew(input, options): Temporal's ContinueAsNewOptions change the next run of the chain (issue 17).
import { describe, expect, it } from 'vitest';
import { WorkflowFailedError, defineWorkflow, type WorkflowInfo } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

type Seen = Pick<WorkflowInfo, 'workflowType' | 'memo' | 'searchAttributes' | 'runTimeoutMs' | 'runStartTime'> & { input: string };

const seenBy = (info: WorkflowInfo, input: string): Seen => ({
  workflowType: info.workflowType,
  input,
  memo: info.memo,
  searchAttributes: info.searchAttributes,
  runStartTime: info.runStartTime,
  ...(info.runTimeoutMs !== undefined && { runTimeoutMs: info.runTimeoutMs }),
});

/** The run a chain continues into: it reports what it was started with. */
const successor = defineWorkflow('successor', async (ctx, input: string) => seenBy(ctx.info(), input));

/** Continues into `successor`, by its definition. */
const predecessor = defineWorkflow('predecessor', async (ctx, input: string) => {
  await ctx.sleep('1s');
  return ctx.continueAsNew<typeof successor>(`${input} → successor`, { workflowType: successor });
});

/** Continues as itself once, replacing the run timeout and the memo; the search attributes are left to carry over. */
const reconfigured = defineWorkflow('reconfigured', async (ctx, input: string): Promise<Seen> => {
  if (input === 'second') return seenBy(ctx.info(), input);
  return ctx.continueAsNew('second', { memo: { owner: 'new' }, workflowRunTimeout: '1 hour', taskQueue: 'ignored', workflowTaskTimeout: '10s' });
});

/** Continues as itself once, asking the next run to start ten minutes later. */
const delayed = defineWorkflow('delayed', async (ctx, input: { closedAt?: number }) => {
  if (input.closedAt !== undefined) return ctx.now() - input.closedAt; // the time of the next run's first activation
  return ctx.continueAsNew({ closedAt: ctx.now() }, { backoffStartInterval: '10 minutes' });
});

/** Continues into a type no deployment registers. */
const intoTheVoid = defineWorkflow('intoTheVoid', async (ctx) => ctx.continueAsNew(undefined, { workflowType: 'noSuchWorkflow' }));

/** Asks for a run timeout that is no duration, and reports how the call failed. */
const badOption = defineWorkflow('badOption', async (ctx) =>
  ctx.continueAsNew(undefined, { workflowRunTimeout: 'whenever' }).catch((error: unknown) => (error instanceof Error ? error.name : String(error))),
);

const workflows = { successor, predecessor, reconfigured, delayed, intoTheVoid, badOption };

describe('continue-as-new options (Temporal semantics)', () => {
  it('starts the next run as another workflow type, with that type’s definition, and the old run’s history replays', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(predecessor, { input: 'start' });
    expect(await handle.result()).toMatchObject({ workflowType: 'successor', input: 'start → successor' });
    const first = await handle.fetchHistory(handle.runId);
    expect(first.at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', options: { workflowType: 'successor' } });
    expect((await handle.fetchHistory())[0]).toMatchObject({ type: 'WorkflowExecutionStarted', workflowType: 'successor', continuedFromRunId: handle.runId });
    await expect(replayHistory(workflows, first)).resolves.toBeUndefined();
  });

  it('gives the next run the run timeout and memo the options name, and carries over the search attributes left out', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(reconfigured, { input: 'first', memo: { owner: 'old' }, searchAttributes: { Team: 'payments' } });
    expect(await handle.result()).toMatchObject({
      workflowType: 'reconfigured',
      memo: { owner: 'new' },
      searchAttributes: { Team: 'payments' },
      runTimeoutMs: 3_600_000,
    });
  });

  it('runs the next run first backoffStartInterval after the close', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(delayed, { input: {} });
    expect(await handle.result()).toBe(10 * 60_000);
  });

  it('fails the next run with WorkflowTypeNotFound when the workflow type is not registered', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(intoTheVoid);
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toMatchObject({ type: 'WorkflowTypeNotFound', nonRetryable: true });
    expect(error.cause?.message).toContain('noSuchWorkflow');
    expect((await handle.fetchHistory())[0]).toMatchObject({ type: 'WorkflowExecutionStarted', workflowType: 'noSuchWorkflow' });
  });

  it('rejects the call on an option that is not valid, so the run does not continue', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(badOption);
    expect(await handle.result()).toBe('DurationError');
    expect((await handle.fetchHistory()).at(-1)?.type).toBe('WorkflowExecutionCompleted');
  });
});
