// Child workflows and signalling other workflows: results, failures, parent close policies, external handles.
import { describe, expect, it } from 'vitest';
import {
  ApplicationFailure, ChildWorkflowFailure, WorkflowFailedError, defineWorkflow,
  type ParentClosePolicy,
} from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { listener, ping, pings } from '../children-fixtures';

const double = defineWorkflow('double', async (_ctx, input: { n: number }) => input.n * 2);

const failing = defineWorkflow('failing', async (_ctx, input: { reason: string }) => {
  throw ApplicationFailure.nonRetryable(input.reason, 'ChildBroke', { severity: 'high' });
});


const parentOfDouble = defineWorkflow('parentOfDouble', async (ctx) => {
  const a = await ctx.executeChild(double, { input: { n: 2 } });
  const b = await ctx.executeChild(double, { input: { n: 5 }, workflowId: 'double-five' });
  return [a, b];
});

const parentOfFailing = defineWorkflow('parentOfFailing', async (ctx, input: { rethrow: boolean }) => {
  try {
    await ctx.executeChild(failing, { input: { reason: 'disk full' } });
    return 'unreachable';
  } catch (error) {
    if (input.rethrow) throw error;
    const child = error as ChildWorkflowFailure;
    const cause = child.cause as ApplicationFailure;
    return {
      isChildWorkflowFailure: child instanceof ChildWorkflowFailure,
      workflowType: child.workflowType,
      causeIsApplicationFailure: cause instanceof ApplicationFailure,
      causeType: cause.type,
      causeMessage: cause.message,
      causeDetails: cause.details,
    };
  }
});

const parentLeavingChild = defineWorkflow('parentLeavingChild', async (ctx, input: { policy: ParentClosePolicy }) => {
  const child = await ctx.startChild(listener, { workflowId: 'left-behind', parentClosePolicy: input.policy });
  await child.signal(ping, 'parent');
  return child.workflowId;
});

const signaller = defineWorkflow('signaller', async (ctx, input: { target: string }) => {
  await ctx.getExternalWorkflowHandle(input.target).signal(ping, 'signaller');
  return 'sent';
});

const cancelsExternal = defineWorkflow('cancelsExternal', async (ctx, input: { target: string }) => {
  await ctx.getExternalWorkflowHandle(input.target).cancel();
  return 'cancel requested';
});

const parentOfListener = defineWorkflow('parentOfListener', async (ctx) => {
  await ctx.executeChild(listener, { workflowId: 'cancelled-child' });
});

const parentOfUnknown = defineWorkflow('parentOfUnknown', async (ctx) => {
  await ctx.executeChild('noSuchWorkflow');
});

const workflows = { double, failing, listener, parentOfDouble, parentOfFailing, parentLeavingChild, signaller, cancelsExternal, parentOfListener, parentOfUnknown };

describe('child workflows', () => {
  it('return their results to the parent', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(parentOfDouble);
    expect(await handle.result()).toEqual([4, 10]);

    const history = await handle.fetchHistory();
    expect(history.filter((e) => e.type === 'ChildWorkflowInitiated')).toMatchObject([
      { workflowType: 'double', input: { n: 2 } },
      { workflowType: 'double', options: { workflowId: 'double-five' } },
    ]);
    expect(history.filter((e) => e.type === 'ChildWorkflowClosed')).toMatchObject([
      { status: 'completed', outcome: { result: 4 } },
      { status: 'completed', outcome: { result: 10 } },
    ]);
    expect(await env.getHandle('double-five').result()).toBe(10);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('surface a child failure as ChildWorkflowFailure whose cause is the child’s failure', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(parentOfFailing, { input: { rethrow: false } })).toEqual({
      isChildWorkflowFailure: true,
      workflowType: 'failing',
      causeIsApplicationFailure: true,
      causeType: 'ChildBroke',
      causeMessage: 'disk full',
      causeDetails: { severity: 'high' },
    });
  });

  it('keep the cause chain when the parent fails with the child’s failure', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const error = await env.execute(parentOfFailing, { input: { rethrow: true } }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const childFailure = (error as WorkflowFailedError).cause;
    expect(childFailure).toBeInstanceOf(ChildWorkflowFailure);
    expect(childFailure).toMatchObject({ workflowType: 'failing' });
    expect(childFailure.cause).toBeInstanceOf(ApplicationFailure);
    expect(childFailure.cause).toMatchObject({ type: 'ChildBroke', message: 'disk full' });
  });

  it('fail with ChildWorkflowFailure when the child cannot start', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const error = (await env.execute(parentOfUnknown).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toBeInstanceOf(ChildWorkflowFailure);
    expect(error.cause.cause).toMatchObject({ type: 'WorkflowTypeNotFound' });
  });

  it('are terminated when the parent closes with parentClosePolicy TERMINATE (the default)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    expect(await env.execute(parentLeavingChild, { input: { policy: 'TERMINATE' } })).toBe('left-behind');

    const error = (await env.getHandle('left-behind').result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.status).toBe('terminated');
  });

  it('keep running when the parent closes with parentClosePolicy ABANDON', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    await env.execute(parentLeavingChild, { input: { policy: 'ABANDON' } });

    const child = env.getHandle('left-behind');
    await env.sleep('1 day');
    expect((await child.describe()).status).toBe('running');
    expect(await child.query(pings)).toEqual(['parent']);
  });

  it('are cancelled when the parent closes with parentClosePolicy REQUEST_CANCEL', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    await env.execute(parentLeavingChild, { input: { policy: 'REQUEST_CANCEL' } });
    await expect(env.getHandle('left-behind').result()).rejects.toMatchObject({ status: 'canceled' });
  });

  it('are cancelled with the parent, which then fails with ChildWorkflowFailure(CancelledFailure)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const parent = await env.start(parentOfListener);
    await env.sleep('1 minute');
    await parent.cancel();

    await expect(env.getHandle('cancelled-child').result()).rejects.toMatchObject({ status: 'canceled' });
    const error = (await parent.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.status).toBe('canceled');
    expect(error.cause).toBeInstanceOf(ChildWorkflowFailure);
  });

  it('get a deterministic default workflow id', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(parentOfDouble, { workflowId: 'parent' });
    await handle.result();
    const initiated = (await handle.fetchHistory()).find((e) => e.type === 'ChildWorkflowInitiated');
    expect(initiated).toMatchObject({ options: { workflowId: `parent-${handle.runId.slice(0, 8)}-child-1` } });
  });
});

describe('external workflow handles', () => {
  it('signal another running workflow by id', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const target = await env.start(listener, { workflowId: 'target', input: { until: 1 } });

    expect(await env.execute(signaller, { input: { target: 'target' } })).toBe('sent');
    expect(await target.result()).toEqual(['signaller']);
  });

  it('record the signal as ExternalSignalInitiated then ExternalSignalDelivered in the sender’s history', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    await env.start(listener, { workflowId: 'target' });
    const sender = await env.start(signaller, { input: { target: 'target' } });
    await sender.result();
    const types = (await sender.fetchHistory()).map((e) => e.type);
    expect(types.filter((t) => t.startsWith('ExternalSignal'))).toEqual(['ExternalSignalInitiated', 'ExternalSignalDelivered']);
  });

  it('fail the signal with WorkflowNotFound when no such workflow runs', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const error = (await env.execute(signaller, { input: { target: 'nobody' } }).catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toMatchObject({ type: 'WorkflowNotFound' });
  });

  it('request cancellation of another workflow', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const target = await env.start(listener, { workflowId: 'target' });
    expect(await env.execute(cancelsExternal, { input: { target: 'target' } })).toBe('cancel requested');
    await expect(target.result()).rejects.toMatchObject({ status: 'canceled' });
  });
});
