// Errors as Temporal's SDK treats them (issue 17): an error from workflow code that is not a Duro failure fails the
// workflow task, not the run; the run blocks, is retried, and moves again on other code. `failureTypes` opts in to
// failing the run.
import { describe, expect, it } from 'vitest';
import { ApplicationFailure, WorkflowBlockedError, WorkflowFailedError, defineUpdate, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

class OrderRejected extends Error {
  override name = 'OrderRejected';
}

const throwsTypeError = defineWorkflow('throwsTypeError', async (ctx) => {
  await ctx.sleep('1s');
  const order = undefined as unknown as { id: string };
  return order.id; // a bug: TypeError
});

const throwsApplicationFailure = defineWorkflow('throwsApplicationFailure', async () => {
  throw ApplicationFailure.nonRetryable('out of stock', 'OutOfStock');
});

const listsFailureType = defineWorkflow('listsFailureType', async () => {
  throw new OrderRejected('card declined');
}, { failureTypes: [OrderRejected] });

const listsFailureName = defineWorkflow('listsFailureName', async () => {
  throw new OrderRejected('card declined');
}, { failureTypes: ['OrderRejected'] });

const buggyUpdate = defineUpdate<string>('buggyUpdate');
const updateHandlerThrows = defineWorkflow('updateHandlerThrows', async (ctx) => {
  ctx.setHandler(buggyUpdate, () => {
    throw new RangeError('handler bug');
  });
  await ctx.sleep('1 day');
});

const workflows = { throwsTypeError, throwsApplicationFailure, listsFailureType, listsFailureName, updateHandlerThrows };

describe('errors from workflow code (Temporal semantics)', () => {
  it('a TypeError from workflow code fails the workflow task: the run stays open, blocked, and records WorkflowTaskFailed', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(throwsTypeError, { workflowId: 'bug' });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect((error as WorkflowBlockedError).reason).toBe('workflowError');
    expect((error as Error).message).toMatch(/TypeError/);
    expect((error as Error).cause).toMatchObject({ message: expect.stringMatching(/reading 'id'/) });
    const description = await handle.describe();
    expect(description.status).toBe('running');
    expect(description.blockedReason).toMatch(/Workflow code threw TypeError/);
    const history = await handle.fetchHistory();
    const failed = history.filter((event) => event.type === 'WorkflowTaskFailed');
    expect(failed.length).toBe(3); // tried again after 1 s and 2 s, then blocked until other code is deployed
    expect(failed[0]).toMatchObject({ reason: 'workflowError', failure: { type: 'TypeError' } });
    expect(history.some((event) => event.type === 'WorkflowExecutionFailed')).toBe(false);
  });

  it('an ApplicationFailure fails the run, as before', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const error = await env.execute(throwsApplicationFailure).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).failure.type).toBe('OutOfStock');
  });

  it('failureTypes lists errors that fail the run, by class or by name', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    for (const workflow of [listsFailureType, listsFailureName]) {
      const error = await env.execute(workflow).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((error as WorkflowFailedError).failure).toMatchObject({ message: 'card declined', type: 'OrderRejected' });
    }
  });

  it('an update handler that throws a plain error fails the workflow task, not the update', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(updateHandlerThrows, { workflowId: 'update-bug' });
    const update = handle.executeUpdate(buggyUpdate);
    update.catch(() => undefined);
    await env.sleep('10s');
    const history = await handle.fetchHistory();
    expect(history.some((event) => event.type === 'UpdateCompleted')).toBe(false);
    expect(history.filter((event) => event.type === 'WorkflowTaskFailed')[0]).toMatchObject({ reason: 'workflowError', failure: { type: 'RangeError' } });
    expect((await handle.describe()).blockedReason).toMatch(/RangeError: handler bug/);
  });
});

const bump = defineUpdate<number>('bump');
const fixedLater = defineWorkflow('fixedLater', async (ctx) => {
  await ctx.sleep('1s');
  return 'ok';
});
const brokenFirst = defineWorkflow('fixedLater', async (ctx) => {
  await ctx.sleep('1s');
  throw new TypeError('not yet fixed');
});
const updateHandlerBug = defineWorkflow('updateHandlerBug', async (ctx) => {
  ctx.setHandler(bump, () => {
    throw new TypeError('update handler bug');
  });
  await ctx.sleep('1 day');
});

describe('a blocked run in the test environment', () => {
  it('a result wait lets a deploy made meanwhile unblock the run, instead of throwing', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: [brokenFirst], codeVersion: 'v1' });
    const handle = await env.start(brokenFirst, { workflowId: 'fixed-later' });
    const result = handle.result();
    await env.sleep('1 minute'); // past every retry: blocked until other code
    expect((await handle.describe()).blockedReason).toMatch(/not yet fixed/);
    env.deploy({ workflows: [fixedLater], codeVersion: 'v2' });
    expect(await result).toBe('ok');
  });

  it('executeUpdate whose handler throws a plain error throws WorkflowBlockedError instead of waiting forever', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { updateHandlerBug } });
    const handle = await env.start(updateHandlerBug, { workflowId: 'update-handler-bug' });
    const error = await handle.executeUpdate(bump).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowBlockedError);
    expect((error as WorkflowBlockedError).cause).toMatchObject({ message: 'update handler bug' });
  });
});
