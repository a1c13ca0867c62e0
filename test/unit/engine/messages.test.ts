// Signals, queries and updates: how messages reach a running workflow and what history records of them.
import { describe, expect, it } from 'vitest';
import {
  ApplicationFailure, WorkflowUpdateFailedError, WorkflowUpdateRejectedError, defineQuery, defineSignal, defineUpdate, defineWorkflow,
  type ActivityContext, type HistoryEvent,
} from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

type Item = { sku: string; qty: number };
const addItem = defineSignal<[item: Item]>('addItem');
const checkout = defineSignal('checkout');
const getCart = defineQuery<Item[]>('getCart');
const itemCount = defineQuery<number, [sku: string]>('itemCount');
/** Queries whose handlers break the rules: each tries to change state in a different way. */
const sneaky = defineQuery<unknown, [what: string]>('sneaky');
const setQty = defineUpdate<number, [sku: string, qty: number]>('setQty');
const reprice = defineUpdate<number, [sku: string]>('reprice');
const sneakyValidated = defineUpdate<string>('sneakyValidated');

const activities = {
  async price(input: { sku: string }, _ctx: ActivityContext) {
    return input.sku.length * 100;
  },
};

const cart = defineWorkflow('cart', async (ctx) => {
  const items: Item[] = [];
  let done = false;
  const { price } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
  ctx.setHandler(addItem, (item) => void items.push(item));
  ctx.setHandler(checkout, () => void (done = true));
  ctx.setHandler(getCart, () => items);
  ctx.setHandler(itemCount, (sku) => items.filter((i) => i.sku === sku).reduce((n, i) => n + i.qty, 0));
  const { price: localPrice } = ctx.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '10s' });
  ctx.setHandler(sneaky, (what) => {
    switch (what) {
      case 'sleep': return void ctx.sleep('1s');
      case 'random': return ctx.random();
      case 'uuid': return ctx.uuid();
      case 'activity': return void price({ sku: 'x' });
      case 'localActivity': return void localPrice({ sku: 'x' });
      case 'sideEffect': return void ctx.sideEffect(() => 'x');
      case 'patched': return ctx.patched('p');
      case 'child': return void ctx.startChild('cart');
      case 'signalExternal': return void ctx.getExternalWorkflowHandle('elsewhere').signal(checkout);
      case 'upsertSearchAttributes': return ctx.upsertSearchAttributes({ sneaky: true });
      default: throw new Error(what);
    }
  });
  ctx.setHandler(
    setQty,
    (sku, qty) => {
      items.find((i) => i.sku === sku)!.qty = qty;
      if (qty === 13) throw ApplicationFailure.nonRetryable('unlucky quantity', 'Unlucky');
      return items.reduce((n, i) => n + i.qty, 0);
    },
    {
      validator: (sku, qty) => {
        if (qty < 0) throw ApplicationFailure.nonRetryable(`quantity must not be negative (got ${qty})`, 'InvalidQuantity');
        if (!items.some((i) => i.sku === sku)) throw new Error(`no item ${sku} in the cart`);
      },
    },
  );
  ctx.setHandler(reprice, async (sku) => await price({ sku }));
  ctx.setHandler(sneakyValidated, () => 'handled', { validator: () => void ctx.sleep('1s') });
  await ctx.condition(() => done);
  // Commands of every kind after the messages: had a query drawn a sequence number or cached a patch, replay would diverge.
  if (ctx.patched('p')) await ctx.sleep('1s');
  await ctx.sideEffect(() => 'checked out');
  await price({ sku: 'total' });
  return items;
});

const workflows = { cart };

const byType = (history: HistoryEvent[], ...types: string[]) => history.filter((e) => types.includes(e.type));

async function startCart() {
  const env = await TestWorkflowEnvironment.create({ workflows, activities });
  const handle = await env.start(cart);
  return { env, handle };
}

describe('signals', () => {
  it('delivers signals in the order they were sent, each recorded as SignalReceived', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    await handle.signal(addItem, { sku: 'b', qty: 2 });
    await handle.signal(checkout);

    expect(await handle.result()).toEqual([{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }]);
    const signals = byType(await handle.fetchHistory(), 'SignalReceived');
    expect(signals.map((e) => e.type === 'SignalReceived' && e.signalName)).toEqual(['addItem', 'addItem', 'checkout']);
  });

  it('buffers signals that arrive before their handler is set and delivers them in order when it is', async () => {
    const go = defineSignal<[n: number]>('go');
    const late = defineWorkflow('late', async (ctx) => {
      await ctx.sleep('1 hour');
      const seen: number[] = [];
      ctx.setHandler(go, (n) => void seen.push(n));
      return seen;
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { late } });
    const handle = await env.start(late);
    await handle.signal(go, 1);
    await handle.signal(go, 2);
    expect(await handle.result()).toEqual([1, 2]);
  });

  it('records a signal once when it is sent twice with the same requestId', async () => {
    const { handle } = await startCart();
    await handle.signalWithRequestId('req-1', addItem, { sku: 'a', qty: 1 });
    await handle.signalWithRequestId('req-1', addItem, { sku: 'a', qty: 1 });
    await handle.signalWithRequestId('req-2', addItem, { sku: 'a', qty: 1 });

    expect(await handle.query(getCart)).toEqual([{ sku: 'a', qty: 1 }, { sku: 'a', qty: 1 }]);
    const signals = byType(await handle.fetchHistory(), 'SignalReceived');
    expect(signals.map((e) => e.type === 'SignalReceived' && e.requestId)).toEqual(['req-1', 'req-2']);
  });

  it('fails the run when a signal handler throws', async () => {
    const boom = defineSignal('boom');
    const fragile = defineWorkflow('fragile', async (ctx) => {
      ctx.setHandler(boom, () => {
        throw ApplicationFailure.nonRetryable('handler exploded', 'Exploded');
      });
      await ctx.condition(() => false);
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { fragile } });
    const handle = await env.start(fragile);
    await handle.signal(boom);
    await expect(handle.result()).rejects.toMatchObject({ status: 'failed', cause: { type: 'Exploded' } });
  });

  it('rejects a signal to a closed workflow', async () => {
    const { handle } = await startCart();
    await handle.signal(checkout);
    await handle.result();
    await expect(handle.signal(addItem, { sku: 'late', qty: 1 })).rejects.toThrow(/completed/);
  });
});

describe('queries', () => {
  it('return live state, computed from the handler arguments', async () => {
    const { handle } = await startCart();
    expect(await handle.query(getCart)).toEqual([]);
    await handle.signal(addItem, { sku: 'a', qty: 2 });
    await handle.signal(addItem, { sku: 'b', qty: 1 });
    await handle.signal(addItem, { sku: 'a', qty: 3 });
    expect(await handle.query(getCart)).toHaveLength(3);
    expect(await handle.query(itemCount, 'a')).toBe(5);
  });

  it('record nothing in history', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    const before = (await handle.fetchHistory()).length;
    await handle.query(getCart);
    await handle.query(itemCount, 'a');
    expect((await handle.fetchHistory()).length).toBe(before);
  });

  it('hand the caller a copy: mutating a query result does not change workflow state', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    const items = await handle.query(getCart);
    items[0]!.qty = 99;
    items.push({ sku: 'injected', qty: 1 });
    expect(await handle.query(getCart)).toEqual([{ sku: 'a', qty: 1 }]);
  });

  it.each(['sleep', 'random', 'uuid', 'activity', 'localActivity', 'sideEffect', 'patched', 'child', 'signalExternal', 'upsertSearchAttributes'])(
    'fail when the handler tries to change state (%s), and leave no trace',
    async (what) => {
      const { handle } = await startCart();
      await handle.signal(addItem, { sku: 'a', qty: 1 });
      const before = await handle.fetchHistory();

      await expect(handle.query(sneaky, what)).rejects.toMatchObject({
        name: 'DeterminismViolationError',
        message: expect.stringContaining('must not change workflow state'),
      });

      expect(await handle.fetchHistory()).toEqual(before);
      expect(await handle.query(getCart)).toEqual([{ sku: 'a', qty: 1 }]);
      expect((await handle.describe()).searchAttributes).toEqual({});
      // The run goes on as if the query had never happened, and its history still replays.
      await handle.signal(checkout);
      expect(await handle.result()).toEqual([{ sku: 'a', qty: 1 }]);
      const history = await handle.fetchHistory();
      expect(byType(history, 'TimerStarted', 'ActivityTaskScheduled', 'MarkerRecorded', 'ChildWorkflowInitiated', 'ExternalSignalInitiated')).toMatchObject([
        { type: 'MarkerRecorded', markerName: 'Patch', data: { patchId: 'p' } },
        { type: 'TimerStarted', seq: 1 },
        { type: 'MarkerRecorded', markerName: 'SideEffect', seq: 1 },
        { type: 'ActivityTaskScheduled', seq: 1, activityType: 'price' },
      ]);
      await expect(replayHistory(workflows, history)).resolves.toBeUndefined();
    },
  );

  it('fail with a clear error for an unknown query name', async () => {
    const { handle } = await startCart();
    await expect(handle.query('nope')).rejects.toMatchObject({ name: 'QueryNotFoundError', message: expect.stringContaining("'nope'") });
  });
});

describe('updates', () => {
  it('returns the handler result and records UpdateAccepted then UpdateCompleted', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    await handle.signal(addItem, { sku: 'b', qty: 1 });

    expect(await handle.executeUpdate(setQty, { args: ['a', 5], updateId: 'u-1' })).toBe(6);

    expect(await handle.query(getCart)).toEqual([{ sku: 'a', qty: 5 }, { sku: 'b', qty: 1 }]);
    const events = byType(await handle.fetchHistory(), 'UpdateAccepted', 'UpdateCompleted');
    expect(events).toMatchObject([
      { type: 'UpdateAccepted', updateId: 'u-1', updateName: 'setQty', args: ['a', 5] },
      { type: 'UpdateCompleted', updateId: 'u-1', outcome: { result: 6 } },
    ]);
  });

  it('is rejected by its validator with WorkflowUpdateRejectedError, and history records nothing of it', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    const before = await handle.fetchHistory();

    const error = await handle.executeUpdate(setQty, { args: ['a', -1] }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(WorkflowUpdateRejectedError);
    expect((error as WorkflowUpdateRejectedError).cause).toBeInstanceOf(ApplicationFailure);
    expect((error as WorkflowUpdateRejectedError).cause).toMatchObject({ type: 'InvalidQuantity', message: 'quantity must not be negative (got -1)' });
    const after = await handle.fetchHistory();
    expect(after).toEqual(before);
    expect(byType(after, 'UpdateAccepted', 'UpdateCompleted')).toEqual([]);
    expect(await handle.query(getCart)).toEqual([{ sku: 'a', qty: 1 }]);
  });

  it('keeps the type of a plain Error thrown by the validator', async () => {
    const { handle } = await startCart();
    await expect(handle.executeUpdate(setQty, { args: ['missing', 1] })).rejects.toMatchObject({
      name: 'WorkflowUpdateRejectedError',
      cause: { type: 'Error', message: 'no item missing in the cart' },
    });
  });

  it('fails only the update when its handler throws; the run goes on', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });

    const error = await handle.executeUpdate(setQty, { args: ['a', 13] }).then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((error as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'Unlucky' });
    expect(byType(await handle.fetchHistory(), 'UpdateCompleted')).toMatchObject([{ outcome: { failure: { type: 'Unlucky' } } }]);
    expect((await handle.describe()).status).toBe('running');
    await handle.signal(checkout);
    expect(await handle.result()).toEqual([{ sku: 'a', qty: 13 }]);
  });

  it('may await an activity before it returns', async () => {
    const { handle } = await startCart();
    expect(await handle.executeUpdate(reprice, { args: ['abcd'] })).toBe(400);
    const types = (await handle.fetchHistory()).map((e) => e.type);
    expect(types.indexOf('UpdateAccepted')).toBeLessThan(types.indexOf('ActivityTaskScheduled'));
    expect(types.indexOf('ActivityTaskCompleted')).toBeLessThan(types.indexOf('UpdateCompleted'));
  });

  it('is rejected when its validator tries to issue a command, and records nothing', async () => {
    const { handle } = await startCart();
    const before = await handle.fetchHistory();
    await expect(handle.executeUpdate(sneakyValidated)).rejects.toMatchObject({
      name: 'WorkflowUpdateRejectedError',
      cause: { type: 'DeterminismViolationError' },
    });
    expect(await handle.fetchHistory()).toEqual(before);
  });

  it('runs once when sent twice with the same updateId while the first is in flight', async () => {
    const { handle } = await startCart();
    const [first, second] = await Promise.all([
      handle.executeUpdate(reprice, { args: ['abc'], updateId: 'same' }),
      handle.executeUpdate(reprice, { args: ['abc'], updateId: 'same' }),
    ]);
    expect([first, second]).toEqual([300, 300]);
    const history = await handle.fetchHistory();
    expect(byType(history, 'UpdateAccepted')).toHaveLength(1);
    expect(byType(history, 'ActivityTaskScheduled')).toHaveLength(1);
  });

  it('answers a repeat that waits only for acceptance at once, while the first still runs its handler', async () => {
    const { env, handle } = await startCart();
    const execution = env.existingExecution(handle.workflowId);
    // The handler waits on an activity, which the environment runs only when a test's wait drives it.
    const completed = execution.update({ name: 'reprice', args: ['abc'], updateId: 'twice', wait: 'completed' });
    const accepted = execution.update({ name: 'reprice', args: ['abc'], updateId: 'twice', wait: 'accepted' });
    expect(await accepted).toEqual({ updateId: 'twice' });
    expect((await env.skipTimeUntil(completed)).outcome).toEqual({ result: 300 });
    expect(byType(await handle.fetchHistory(), 'UpdateAccepted')).toHaveLength(1);
  });

  it('returns the recorded outcome, without running the handler again, for an updateId that already completed', async () => {
    const { handle } = await startCart();
    expect(await handle.executeUpdate(reprice, { args: ['ab'], updateId: 'once' })).toBe(200);
    expect(await handle.executeUpdate(reprice, { args: ['abcdef'], updateId: 'once' })).toBe(200);
    const history = await handle.fetchHistory();
    expect(byType(history, 'UpdateAccepted')).toHaveLength(1);
    expect(byType(history, 'ActivityTaskScheduled')).toHaveLength(1);
  });

  it('is rejected when no handler is set for it', async () => {
    const { handle } = await startCart();
    await expect(handle.executeUpdate('unknownUpdate')).rejects.toMatchObject({ name: 'WorkflowUpdateRejectedError', cause: { type: 'UpdateNotFound' } });
    expect(byType(await handle.fetchHistory(), 'UpdateAccepted')).toEqual([]);
  });

  it('replays: a history with accepted, failed and rejected updates replays cleanly', async () => {
    const { handle } = await startCart();
    await handle.signal(addItem, { sku: 'a', qty: 1 });
    await handle.executeUpdate(setQty, { args: ['a', 2] });
    await handle.executeUpdate(setQty, { args: ['a', -2] }).catch(() => undefined);
    await handle.executeUpdate(setQty, { args: ['a', 13] }).catch(() => undefined);
    await handle.executeUpdate(reprice, { args: ['a'] });
    await handle.signal(checkout);
    await handle.result();
    await expect(replayHistory(workflows, await handle.fetchHistory())).resolves.toBeUndefined();
  });
});
