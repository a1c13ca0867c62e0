// Signals and updates as Temporal's SDK tests assert them (issue 17): handlers get their own copy of the arguments,
// and buffered signals go to the handler set at the moment each is delivered.
import { describe, expect, it } from 'vitest';
import { WorkflowUpdateRejectedError, defineQuery, defineSignal, defineUpdate, defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
// The conformance suite's own (every host runs it there too): its handler finishes after the workflow returned.
import { finishUpdate, returnsBeforeUpdate } from '../../fixtures/integration-worker/workflows';

const push = defineUpdate<number[], [items: number[]]>('push');
const validatorMutates = defineWorkflow('validatorMutates', async (ctx) => {
  let seen: number[] | undefined;
  ctx.setHandler(push, (items) => (seen = items), {
    validator: (items) => {
      items.push(99); // a validator that changes what it is given
    },
  });
  await ctx.condition(() => seen !== undefined);
  return seen;
});

const ping = defineSignal<[n: number]>('ping');
const handlerRemovesItself = defineWorkflow('handlerRemovesItself', async (ctx) => {
  await ctx.sleep('1s'); // the signals arrive meanwhile, with no handler: they wait
  const first: number[] = [];
  ctx.setHandler(ping, (n) => {
    first.push(n);
    ctx.setHandler(ping, undefined); // takes one, then leaves the rest waiting
  });
  await ctx.sleep('1s');
  const rest: number[] = [];
  ctx.setHandler(ping, (n) => void rest.push(n));
  return { first, rest };
});

const answerLater = defineQuery<number>('answerLater');
const asyncValidated = defineUpdate<string>('asyncValidated');
/** A query handler and a validator written async by mistake. */
const asyncHandlers = defineWorkflow('asyncHandlers', async (ctx) => {
  ctx.setHandler(answerLater, (async () => 42) as unknown as () => number);
  ctx.setHandler(asyncValidated, () => 'accepted', { validator: async () => undefined });
  await ctx.sleep('1 day');
});

const workflows = { validatorMutates, handlerRemovesItself, returnsBeforeUpdate, asyncHandlers };

describe('messages (Temporal semantics)', () => {
  it('gives an update validator a copy: what it changes reaches neither the handler nor history', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(validatorMutates);
    expect(await handle.executeUpdate(push, { args: [[1, 2]] })).toEqual([1, 2]);
    expect(await handle.result()).toEqual([1, 2]);
    const accepted = (await handle.fetchHistory()).find((event) => event.type === 'UpdateAccepted');
    expect(accepted).toMatchObject({ args: [[1, 2]] });
  });

  it('stops handing buffered signals to a handler that removed itself; the next handler takes the rest', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(handlerRemovesItself);
    for (const n of [1, 2, 3]) await handle.signal(ping, n);
    expect(await handle.result()).toEqual({ first: [1], rest: [2, 3] });
    const history = await handle.fetchHistory();
    expect(history.some((event) => (event as { flags?: string[] }).flags?.includes('signalHandlerLookup'))).toBe(true);
    await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
  });

  it('answers an update that completes after the workflow returned in the same activation, recording it before the close', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(returnsBeforeUpdate);
    expect(await handle.executeUpdate(finishUpdate)).toBe('updated');
    expect(await handle.result()).toBe('workflow done');
    const types = (await handle.fetchHistory()).map((event) => event.type);
    expect(types.slice(-2)).toEqual(['UpdateCompleted', 'WorkflowExecutionCompleted']);
    await expect(replayHistory(workflows, await handle.fetchHistory())).resolves.toBeUndefined();
  });

  it('fails a query whose handler returns a Promise, and rejects an update whose validator does, instead of answering {} or accepting', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows });
    const handle = await env.start(asyncHandlers);
    await expect(handle.query(answerLater)).rejects.toThrow(/returned a Promise/);
    const rejected = await handle.executeUpdate(asyncValidated).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(WorkflowUpdateRejectedError);
    expect((rejected as Error).message).toMatch(/validators are synchronous/);
    expect((await handle.fetchHistory()).some((event) => event.type === 'UpdateAccepted')).toBe(false);
  });
});
