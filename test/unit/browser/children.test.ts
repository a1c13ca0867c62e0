// Child workflows and messages between workflows in the browser host (fake-indexeddb, real short time): results and
// failures reach the parent, close policies and cancellation reach the child, signals reach workflows other tabs
// drive, and a reload in each window between two commits ends with one child and one parent result.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ApplicationFailure, CancellationScope, ChildWorkflowFailure, defineWorkflow, isCancellation,
  type HistoryEvent, type ParentClosePolicy,
} from 'duro/workflow';
import { createBrowserDuro, WorkflowFailedError, type BrowserDuro, type BrowserDuroOptions } from 'duro/browser';
import { listener, ping, pings } from '../children-fixtures';
import { sharedLocks } from './fake-locks';

const double = defineWorkflow('double', async (_ctx, n: number) => n * 2);

const failing = defineWorkflow('failing', async (_ctx, reason: string) => {
  throw ApplicationFailure.nonRetryable(reason, 'ChildBroke', { severity: 'high' });
});


const parentOfDouble = defineWorkflow('parentOfDouble', async (ctx, n: number) => {
  const a = await ctx.executeChild(double, { input: n, workflowId: 'double-kid' });
  return a + 1;
});

const parentOfFailing = defineWorkflow('parentOfFailing', async (ctx) => {
  try {
    await ctx.executeChild(failing, { input: 'disk full' });
    return 'unreachable';
  } catch (error) {
    const child = error as ChildWorkflowFailure;
    const cause = child.cause as ApplicationFailure;
    return { isChildWorkflowFailure: child instanceof ChildWorkflowFailure, workflowType: child.workflowType, causeType: cause.type, causeMessage: cause.message, causeDetails: cause.details };
  }
});

/** Starts a listener, waits for its result (the test pings it). */
const parentOfListener = defineWorkflow('parentOfListener', async (ctx) => {
  const child = await ctx.startChild(listener, { workflowId: 'listening-kid', input: { until: 1 } });
  return { pings: await child.result(), runId: child.firstExecutionRunId };
});

const parentLeavingChild = defineWorkflow('parentLeavingChild', async (ctx, policy: ParentClosePolicy) => {
  const child = await ctx.startChild(listener, { workflowId: 'left-behind', parentClosePolicy: policy });
  await child.signal(ping, 'parent');
  return child.workflowId;
});

/** Cancels the scope of its child at once (before the child's start is answered) or once the child runs. */
const parentCancellingChild = defineWorkflow('parentCancellingChild', async (ctx, when: 'at once' | 'once started') => {
  const scope = new CancellationScope(ctx);
  const result = scope.run(async (ctx) => {
    const child = await ctx.startChild(listener, { workflowId: 'doomed' });
    return child.result();
  });
  if (when === 'at once') scope.cancel();
  else await ctx.sleep(20).then(() => scope.cancel());
  try {
    await result;
    return 'not cancelled';
  } catch (error) {
    return { isCancellation: isCancellation(error), isChildWorkflowFailure: error instanceof ChildWorkflowFailure };
  }
});

/** Fails its first attempt, then continues as new once: three runs of one child execution. */
const chained = defineWorkflow('chained', async (ctx, round: number): Promise<string> => {
  if (round === 1 && ctx.info().attempt === 1) throw ApplicationFailure.retryable('flaky', 'Flaky');
  if (round === 1) return ctx.continueAsNew(2);
  return `done in round ${round}`;
});

const parentOfChained = defineWorkflow('parentOfChained', async (ctx) => {
  const child = await ctx.startChild(chained, { workflowId: 'chain-kid', input: 1, retry: { initialInterval: 10, maximumAttempts: 3 } });
  return { result: await child.result(), firstRunId: child.firstExecutionRunId };
});

const signaller = defineWorkflow('signaller', async (ctx, target: string) => {
  await ctx.getExternalWorkflowHandle(target).signal(ping, 'signaller');
  return 'sent';
});

const canceller = defineWorkflow('canceller', async (ctx, target: string) => {
  await ctx.getExternalWorkflowHandle(target).cancel();
  return 'cancel requested';
});

const workflows = { double, failing, listener, chained, parentOfDouble, parentOfFailing, parentOfListener, parentOfChained, parentLeavingChild, parentCancellingChild, signaller, canceller };

let databases = 0;
const opened: BrowserDuro[] = [];

function open(dbName: string, extra: Partial<BrowserDuroOptions> = {}): Promise<BrowserDuro> {
  return createBrowserDuro({ workflows, dbName, indexedDB, IDBKeyRange, onError: () => undefined, ...extra }).then((duro) => {
    opened.push(duro);
    return duro;
  });
}

const newDb = () => `duro-browser-children-${++databases}`;

/** Polls until `check` holds, failing after `ms` (the browser host runs on real time). */
async function until(check: () => boolean | Promise<boolean>, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const types = (history: HistoryEvent[]) => history.map((event) => event.type);
const count = (history: HistoryEvent[], type: string) => history.filter((event) => event.type === type).length;

function expectWellFormed(history: HistoryEvent[]): void {
  expect(history.map((event) => event.eventId)).toEqual(history.map((_, i) => i + 1));
  expect(count(history, 'WorkflowExecutionStarted')).toBe(1);
  expect(history.filter((event) => event.type.startsWith('WorkflowExecution') && event.type !== 'WorkflowExecutionStarted' && event.type !== 'WorkflowExecutionCancelRequested')).toHaveLength(1);
}

/** Makes the first commit that `matches` fail, as a page that went away before it landed; `failed` counts them. */
function failFirstCommit(duro: BrowserDuro, matches: (runId: string, events: HistoryEvent[], status: string, owesParent: boolean) => boolean) {
  const commit = duro.store.commit.bind(duro.store);
  const counter = { failed: 0 };
  duro.store.commit = async (runId, step) => {
    if (counter.failed === 0 && matches(runId, step.events, step.state.status, step.state.parentNotificationPending === true)) {
      counter.failed++;
      throw new Error('the page went away');
    }
    return commit(runId, step);
  };
  return counter;
}

afterEach(() => {
  for (const duro of opened.splice(0)) duro.close();
});

describe('child workflows in the browser', () => {
  it('return their result to the parent, each run with its own history', async () => {
    const duro = await open(newDb());
    const parent = await duro.start(parentOfDouble, { workflowId: 'p', input: 20 });
    expect(await parent.result()).toBe(41);

    const history = await parent.fetchHistory();
    expectWellFormed(history);
    expect(history.filter((e) => e.type.startsWith('ChildWorkflow'))).toMatchObject([
      { type: 'ChildWorkflowInitiated', workflowType: 'double', input: 20, options: { workflowId: 'double-kid' } },
      { type: 'ChildWorkflowStarted', workflowId: 'double-kid' },
      { type: 'ChildWorkflowClosed', status: 'completed', outcome: { result: 40 } },
    ]);
    const child = duro.getHandle('double-kid');
    expect(await child.result()).toBe(40);
    expect(await child.describe()).toMatchObject({ status: 'completed', parent: { workflowId: 'p', runId: parent.runId } });
    expectWellFormed(await child.fetchHistory());
  });

  it('surface a child failure as ChildWorkflowFailure whose cause is the child’s failure', async () => {
    const duro = await open(newDb());
    expect(await (await duro.start(parentOfFailing, { workflowId: 'pf' })).result()).toEqual({
      isChildWorkflowFailure: true, workflowType: 'failing', causeType: 'ChildBroke', causeMessage: 'disk full', causeDetails: { severity: 'high' },
    });
  });

  it('tell the parent only the final outcome of a child that is retried and continues as new', async () => {
    const duro = await open(newDb());
    const parent = await duro.start(parentOfChained, { workflowId: 'pc' });
    const runs = () => duro.store.runsOf('chain-kid');
    await until(async () => (await runs()).at(-1)?.status === 'completed');
    expect((await runs()).map((run) => run.status)).toEqual(['failed', 'continuedAsNew', 'completed']);
    const [first, , last] = await runs();
    expect(await parent.result()).toEqual({ result: 'done in round 2', firstRunId: first!.runId });
    const history = await parent.fetchHistory();
    expectWellFormed(history);
    expect(history.filter((e) => e.type === 'ChildWorkflowStarted' || e.type === 'ChildWorkflowClosed')).toMatchObject([
      { type: 'ChildWorkflowStarted', runId: first!.runId },
      { type: 'ChildWorkflowClosed', runId: last!.runId, status: 'completed', outcome: { result: 'done in round 2' } },
    ]);
  });

  it('fail to start when a run of the child’s id is running, and when the type is unknown', async () => {
    const duro = await open(newDb());
    await duro.start(listener, { workflowId: 'double-kid' });
    const error = (await (await duro.start(parentOfDouble, { workflowId: 'p2', input: 1 })).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ChildWorkflowFailure);
    expect(error.cause.cause).toMatchObject({ type: 'WorkflowExecutionAlreadyStarted' });

    const orphan = defineWorkflow('orphan', async (ctx) => ctx.executeChild('noSuchWorkflow'));
    const other = await open(newDb(), { workflows: { orphan } });
    const unknown = (await (await other.start(orphan)).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(unknown.cause.cause).toMatchObject({ type: 'WorkflowTypeNotFound' });
  });

  it.each([
    ['TERMINATE', 'terminated'],
    ['REQUEST_CANCEL', 'canceled'],
  ] as const)('apply parentClosePolicy %s when the parent closes', async (policy, status) => {
    const duro = await open(newDb());
    expect(await (await duro.start(parentLeavingChild, { workflowId: 'leaver', input: policy })).result()).toBe('left-behind');
    const error = (await duro.getHandle('left-behind').result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.status).toBe(status);
    expect((await duro.getHandle('left-behind').fetchHistory()).at(-1)).toMatchObject(policy === 'TERMINATE' ? { reason: expect.stringContaining('leaver') } : {});
  });

  it('leave the child running under parentClosePolicy ABANDON', async () => {
    const duro = await open(newDb());
    await (await duro.start(parentLeavingChild, { workflowId: 'leaver', input: 'ABANDON' })).result();
    const child = duro.getHandle('left-behind');
    expect((await duro.store.runsOf('leaver'))[0]!.owes).toBeUndefined(); // nothing owed to the child
    expect((await child.describe()).status).toBe('running');
    expect(await child.query(pings)).toEqual(['parent']);
    await child.terminate('test over');
  });

  it('are not started when their scope is cancelled in the activation that starts them (Temporal): nothing is recorded', async () => {
    const duro = await open(newDb());
    const parent = await duro.start(parentCancellingChild, { workflowId: 'canceller-parent', input: 'at once' });
    expect(await parent.result()).toEqual({ isCancellation: true, isChildWorkflowFailure: true });
    expect(await duro.store.runsOf('doomed')).toHaveLength(0);
    const history = await parent.fetchHistory();
    expectWellFormed(history);
    expect(count(history, 'ChildWorkflowInitiated') + count(history, 'ExternalCancelInitiated')).toBe(0);
  });

  it('are cancelled with their scope once started: the child is cancelled, the parent gets ChildWorkflowFailure', async () => {
    const duro = await open(newDb());
    const parent = await duro.start(parentCancellingChild, { workflowId: 'canceller-parent', input: 'once started' });
    expect(await parent.result()).toEqual({ isCancellation: true, isChildWorkflowFailure: true });
    await expect(duro.getHandle('doomed').result()).rejects.toMatchObject({ status: 'canceled' });
    expect(await duro.store.runsOf('doomed')).toHaveLength(1);
    const history = await parent.fetchHistory();
    expectWellFormed(history);
    // The child's close may reach the parent first: the parent then closes, and the cancel's answer is not recorded.
    expect(count(history, 'ExternalCancelInitiated')).toBe(1);
    expect(count(history, 'ExternalCancelDelivered')).toBeLessThanOrEqual(1);
  });
});

describe('signals and cancels between workflows in the browser', () => {
  it('signal another workflow, recorded once on each side', async () => {
    const duro = await open(newDb());
    const target = await duro.start(listener, { workflowId: 'target', input: { until: 1 } });
    const sender = await duro.start(signaller, { workflowId: 'sender', input: 'target' });
    expect(await sender.result()).toBe('sent');
    expect(await target.result()).toEqual(['signaller']);
    expect(types(await sender.fetchHistory()).filter((type) => type.startsWith('ExternalSignal'))).toEqual(['ExternalSignalInitiated', 'ExternalSignalDelivered']);
    expect(count(await target.fetchHistory(), 'SignalReceived')).toBe(1);
  });

  it('cancel another workflow, and fail a signal to a workflow that does not exist', async () => {
    const duro = await open(newDb());
    const target = await duro.start(listener, { workflowId: 'target' });
    expect(await (await duro.start(canceller, { input: 'target' })).result()).toBe('cancel requested');
    await expect(target.result()).rejects.toMatchObject({ status: 'canceled' });

    const error = (await (await duro.start(signaller, { input: 'nobody' })).result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error.cause).toMatchObject({ type: 'WorkflowNotFound' });
  });

  it('reach a workflow another tab drives, through the inbox, and bring the answer back', async () => {
    const dbName = newDb();
    const locks = sharedLocks();
    const first = await open(dbName, { locks });
    const second = await open(dbName, { locks });
    const target = await first.start(listener, { workflowId: 'target', input: { until: 1 } });
    const queued: string[] = [];
    for (const duro of [first, second]) {
      const put = duro.store.putMessage.bind(duro.store);
      duro.store.putMessage = (key, to, message) => {
        queued.push(to);
        return put(key, to, message);
      };
    }

    const sender = await second.start(signaller, { workflowId: 'sender', input: 'target' });
    expect(await sender.result()).toBe('sent');
    expect(await target.result()).toEqual(['signaller']);
    expect(count(await target.fetchHistory(), 'SignalReceived')).toBe(1);
    // The signal went through the inbox to the first tab, and its answer back to the second.
    expect(new Set(queued)).toEqual(new Set(['target', 'sender']));
    expect(await first.store.messagesTo('target')).toEqual([]);
    expect(await first.store.messagesTo('sender')).toEqual([]);
  });

  it('start a child in the tab that drives its parent, and tell the parent when another tab ends the child', async () => {
    const dbName = newDb();
    const locks = sharedLocks();
    const first = await open(dbName, { locks });
    const second = await open(dbName, { locks });
    await first.start(parentOfListener, { workflowId: 'parent' });
    await until(async () => (await first.store.runsOf('listening-kid')).length === 1);
    first.close(); // the child's driver goes: the second tab takes the child over with the signal…
    await second.getHandle('listening-kid').signal(ping, 'second tab');
    // …and its close reaches the parent, which this tab then drives too.
    expect(await second.getHandle('parent').result()).toMatchObject({ pings: ['second tab'] });
    await expectOneChildAndOneResult(second, 'parent', 'listening-kid');
  });
});

describe('children across a reload', () => {
  it('start the child once when the page went away after the parent recorded the start, before the child existed', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    const lost = failFirstCommit(before, (_runId, events) => events[0]?.type === 'WorkflowExecutionStarted' && events[0].parent !== undefined);
    await before.start(parentOfDouble, { workflowId: 'p', input: 5 });
    await until(() => lost.failed === 1);
    before.close();

    const after = await open(dbName);
    expect(await after.store.runsOf('double-kid')).toEqual([]);
    await after.resumeAll();
    expect(await after.getHandle('p').result()).toBe(11);
    await expectOneChildAndOneResult(after, 'p', 'double-kid');
  });

  it('answer the parent with the child it already started when the page went away before the parent recorded it', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    const lost = failFirstCommit(before, (_runId, events) => events.some((event) => event.type === 'ChildWorkflowStarted'));
    await before.start(parentOfListener, { workflowId: 'p' });
    await until(() => lost.failed === 1);
    before.close();
    const [stored] = await (await open(dbName)).store.runsOf('listening-kid');
    expect(stored).toMatchObject({ status: 'running' });

    const after = await open(dbName);
    await after.resumeAll();
    await until(async () => count(await after.getHandle('p').fetchHistory(), 'ChildWorkflowStarted') === 1);
    await after.getHandle('listening-kid').signal(ping, 'after reload');
    expect(await after.getHandle('p').result()).toEqual({ pings: ['after reload'], runId: stored!.runId });
    await expectOneChildAndOneResult(after, 'p', 'listening-kid');
  });

  it('tell the parent once when the page went away after the child closed, before the parent heard', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    const lost = failFirstCommit(before, (_runId, events) => events.some((event) => event.type === 'ChildWorkflowClosed'));
    await before.start(parentOfDouble, { workflowId: 'p', input: 7 });
    await until(() => lost.failed === 1);
    before.close();
    const probe = await open(dbName);
    expect(await probe.store.runsOf('double-kid')).toMatchObject([{ status: 'completed', owes: true }]);
    expect((await probe.store.runsOf('p'))[0]).toMatchObject({ status: 'running' });

    const after = await open(dbName);
    await after.resumeAll();
    expect(await after.getHandle('p').result()).toBe(15);
    await expectOneChildAndOneResult(after, 'p', 'double-kid');
    await until(async () => (await after.store.runsOf('double-kid'))[0]!.owes === undefined);
  });

  it('drop the repeated notice when the page went away after the parent heard, before the child knew', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    // The child's step that records its parent's acknowledgement: no events, closed, nothing owed any more.
    const lost = failFirstCommit(before, (_runId, events, status, owesParent) => events.length === 0 && status === 'completed' && !owesParent);
    await before.start(parentOfDouble, { workflowId: 'p', input: 1 });
    await until(() => lost.failed === 1);
    before.close();

    const after = await open(dbName);
    expect(await after.store.runsOf('double-kid')).toMatchObject([{ owes: true }]);
    await after.resumeAll();
    await until(async () => (await after.store.runsOf('double-kid'))[0]!.owes === undefined);
    expect(await after.getHandle('p').result()).toBe(3);
    await expectOneChildAndOneResult(after, 'p', 'double-kid');
  });

  it('deliver a signal once when the page went away before the sender recorded its delivery', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    const lost = failFirstCommit(before, (_runId, events) => events.some((event) => event.type === 'ExternalSignalDelivered'));
    const target = await before.start(listener, { workflowId: 'target', input: { until: 1 } });
    await before.start(signaller, { workflowId: 'sender', input: 'target' });
    expect(await target.result()).toEqual(['signaller']);
    await until(() => lost.failed === 1);
    before.close();

    const after = await open(dbName);
    await after.resumeAll();
    // The target closed meanwhile, but it had recorded this signal: the sender hears "delivered", not "closed".
    expect(await after.getHandle('sender').result()).toBe('sent');
    expect(count(await after.getHandle('target').fetchHistory(), 'SignalReceived')).toBe(1);
    expectWellFormed(await after.getHandle('sender').fetchHistory());
  });

  it('re-send a notice whose delivery failed, without a reload', async () => {
    const duro = await open(newDb());
    const lost = failFirstCommit(duro, (_runId, events) => events.some((event) => event.type === 'ChildWorkflowClosed'));
    expect(await (await duro.start(parentOfDouble, { workflowId: 'p', input: 2 })).result()).toBe(5);
    expect(lost.failed).toBe(1);
    await expectOneChildAndOneResult(duro, 'p', 'double-kid');
  });

  it('terminate the child under the parent’s close policy when the page went away right after the parent closed', async () => {
    const dbName = newDb();
    const before = await open(dbName);
    // The child's terminate never lands: the parent still owes it.
    const lost = failFirstCommit(before, (_runId, events) => events.some((event) => event.type === 'WorkflowExecutionTerminated'));
    await before.start(parentLeavingChild, { workflowId: 'leaver', input: 'TERMINATE' });
    await until(() => lost.failed === 1);
    before.close();

    const after = await open(dbName);
    expect(await after.store.runsOf('leaver')).toMatchObject([{ status: 'completed', owes: true }]);
    await after.resumeAll();
    await expect(after.getHandle('left-behind').result()).rejects.toMatchObject({ status: 'terminated' });
    await until(async () => (await after.store.runsOf('leaver'))[0]!.owes === undefined);
    expectWellFormed(await after.getHandle('left-behind').fetchHistory());
  });
});

/** One run of the child, the parent's history numbered 1..n with one start, one answer and one close of the child. */
async function expectOneChildAndOneResult(duro: BrowserDuro, parentId: string, childId: string): Promise<void> {
  expect(await duro.store.runsOf(childId)).toHaveLength(1);
  expect(await duro.store.runsOf(parentId)).toHaveLength(1);
  const parent = await duro.getHandle(parentId).fetchHistory();
  expectWellFormed(parent);
  for (const type of ['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed', 'WorkflowExecutionCompleted']) expect(count(parent, type)).toBe(1);
  expectWellFormed(await duro.getHandle(childId).fetchHistory());
}
