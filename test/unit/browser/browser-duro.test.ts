// The browser host end to end on fake-indexeddb and real (short) time: a run with an in-page activity and a timer,
// messages through the handle, reloads in the middle of a timer and of an activity, remote activities over fetch,
// a failed commit, and two tabs sharing one database.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate, defineWorkflow, type ActivityContext, type ActivityInfo, type HistoryEvent } from 'duro/workflow';
import { createBrowserDuro, StorageQuotaError, WorkflowFailedError, WorkflowUpdateRejectedError, type BrowserDuro, type BrowserDuroOptions } from 'duro/browser';
import { sharedLocks } from './fake-locks';

const activityCalls: Array<{ name: string; attempt: number }> = [];
const activityInfos: ActivityInfo[] = [];

const activities = {
  async greet(name: string, ctx: ActivityContext) {
    activityCalls.push({ name: 'greet', attempt: ctx.info.attempt });
    return `hello ${name}`;
  },
  /** Fails its first attempt: the second is a retry. */
  async flaky(_input: undefined, ctx: ActivityContext) {
    activityInfos.push(structuredClone(ctx.info));
    if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('first attempt fails', 'Flaky');
    return ctx.info.attempt;
  },
  async hold(_input: undefined, ctx: ActivityContext) {
    activityCalls.push({ name: 'hold', attempt: ctx.info.attempt });
    if (ctx.info.attempt === 1) {
      // The first attempt waits until it is aborted (a timeout or a cancel); no test releases it.
      await new Promise<void>((_resolve, reject) => {
        ctx.cancellationSignal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      });
    }
    return `held ${ctx.info.attempt}`;
  },
};
type Acts = typeof activities;

const flakyTwice = defineWorkflow('flakyTwice', async (ctx) => {
  const retry = { initialInterval: 20, maximumAttempts: 3 };
  const remote = await ctx.proxyActivities<Acts>({ startToCloseTimeout: '5s', scheduleToCloseTimeout: '1m', retry }).flaky();
  const local = await ctx.proxyLocalActivities<Acts>({ startToCloseTimeout: '4s', retry }).flaky();
  return [remote, local];
});
type Remote = { charge(amount: number): Promise<{ charged: number }> };

const greeting = defineWorkflow('greeting', async (ctx, input: { name: string; sleep: string | number }) => {
  const { greet } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '5s' });
  const text = await greet(input.name);
  await ctx.sleep(input.sleep);
  return `${text}!`;
});

const holding = defineWorkflow('holding', async (ctx) => {
  const { hold } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '5s', retry: { initialInterval: 10, maximumAttempts: 3 } });
  return await hold();
});

const add = defineSignal<[n: number]>('add');
const finish = defineSignal('finish');
const total = defineQuery<number>('total');
const setTotal = defineUpdate<number, [n: number]>('setTotal');
const counter = defineWorkflow('counter', async (ctx) => {
  let sum = 0;
  let done = false;
  ctx.setHandler(add, (n) => void (sum += n));
  ctx.setHandler(finish, () => void (done = true));
  ctx.setHandler(total, () => sum);
  ctx.setHandler(setTotal, (n) => {
    const before = sum;
    sum = n;
    return before;
  }, { validator: (n) => { if (n < 0) throw ApplicationFailure.nonRetryable('no negative totals', 'Negative'); } });
  await ctx.condition(() => done);
  return sum;
});

const paying = defineWorkflow('paying', async (ctx, amount: number) => {
  const { charge } = ctx.proxyActivities<Remote>({ taskQueue: 'payments', startToCloseTimeout: '5s', retry: { initialInterval: 10, maximumAttempts: 3 } });
  return await charge(amount);
});

const looping = defineWorkflow('looping', async (ctx, round: number): Promise<number> => {
  await ctx.sleep(5);
  if (round < 3) await ctx.continueAsNew(round + 1);
  return round;
});

const workflows = { greeting, holding, counter, paying, looping, flakyTwice };

let databases = 0;
const opened: BrowserDuro[] = [];

function open(dbName: string, extra: Partial<BrowserDuroOptions> = {}): Promise<BrowserDuro> {
  return createBrowserDuro({ workflows, activities, dbName, indexedDB, IDBKeyRange, onError: () => undefined, ...extra }).then((duro) => {
    opened.push(duro);
    return duro;
  });
}

/** Polls until `check` holds, failing after `ms` (the browser host runs on real time). */
async function until(check: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const types = (history: HistoryEvent[]) => history.map((event) => event.type);

function expectWellFormed(history: HistoryEvent[]): void {
  expect(history.map((event) => event.eventId)).toEqual(history.map((_, i) => i + 1));
  expect(history.filter((event) => event.type === 'WorkflowExecutionStarted')).toHaveLength(1);
  expect(history.filter((event) => event.type.startsWith('WorkflowExecution') && event.type !== 'WorkflowExecutionStarted')).toHaveLength(1);
}

afterEach(() => {
  for (const duro of opened.splice(0)) duro.close();
  activityCalls.length = 0;
  activityInfos.length = 0;
  vi.restoreAllMocks();
});

describe('createBrowserDuro', () => {
  it('runs a workflow with an in-page activity and a timer to its result', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    const handle = await duro.start(greeting, { workflowId: 'g1', input: { name: 'ada', sleep: 20 } });

    expect(await handle.result()).toBe('hello ada!');
    const history = await handle.fetchHistory();
    expectWellFormed(history);
    expect(types(history)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'TimerStarted', 'WorkflowTaskCompleted',
      'TimerFired', 'WorkflowExecutionCompleted',
    ]);
    expect((await handle.describe()).status).toBe('completed');
    expect(await duro.getHandle('g1').result()).toBe('hello ada!');
  });

  it('gives in-page and local activities their times, timeouts and retry policy in ctx.info, across a retry', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    const handle = await duro.start(flakyTwice, { workflowId: 'info1' });
    expect(await handle.result()).toEqual([2, 2]);
    const scheduled = (await handle.fetchHistory()).find((event) => event.type === 'ActivityTaskScheduled')!;

    const retryPolicy = { initialIntervalMs: 20, backoffCoefficient: 2, maximumIntervalMs: 2_000, maximumAttempts: 3, nonRetryableErrorTypes: [] };
    const [remote1, remote2, local1, local2] = activityInfos;
    const remote = { isLocal: false, scheduledAt: scheduled.timestamp, startToCloseTimeoutMs: 5_000, scheduleToCloseTimeoutMs: 60_000, retryPolicy };
    expect(remote1).toMatchObject({ attempt: 1, startedAt: scheduled.timestamp, ...remote });
    expect(remote2).toMatchObject({ attempt: 2, ...remote });
    expect(remote2!.startedAt).toBeGreaterThanOrEqual(remote1!.startedAt + 20);
    expect(local1).toMatchObject({ attempt: 1, isLocal: true, startToCloseTimeoutMs: 4_000, retryPolicy });
    expect(local2).toMatchObject({ attempt: 2, scheduledAt: local1!.scheduledAt });
    expect(local2!.startedAt).toBeGreaterThanOrEqual(local1!.startedAt + 20);
  });

  it('takes signals, queries and updates through the handle', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    const handle = await duro.start(counter, { workflowId: 'c1' });

    await handle.signal(add, 2);
    await handle.signal(add, 3);
    expect(await handle.query(total)).toBe(5);
    expect(await handle.executeUpdate(setTotal, { args: [10] })).toBe(5);
    await expect(handle.executeUpdate(setTotal, { args: [-1] })).rejects.toThrow(WorkflowUpdateRejectedError);
    await handle.signal(finish);
    expect(await handle.result()).toBe(10);
    await expect(duro.start(counter, { workflowId: 'c1' }).then((h) => h.cancel())).resolves.toBeUndefined(); // the id may be reused once closed
  });

  it('follows continue-as-new to the last run', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    const handle = await duro.start(looping, { workflowId: 'l1', input: 1 });
    expect(await handle.result()).toBe(3);
    expect((await duro.store.runsOf('l1')).map((run) => run.status)).toEqual(['continuedAsNew', 'continuedAsNew', 'completed']);
  });

  it('continues a run after a reload in the middle of a timer, firing it once', async () => {
    const dbName = `duro-browser-${++databases}`;
    const before = await open(dbName);
    await before.start(greeting, { workflowId: 'g2', input: { name: 'bob', sleep: 80 } });
    await until(async () => types(await before.store.readHistory((await before.store.runsOf('g2'))[0]!.runId)).includes('TimerStarted'));
    before.close(); // the tab reloads: nothing in memory survives, the run stays open in IndexedDB

    const after = await open(dbName);
    await after.resumeAll();
    const handle = after.getHandle('g2');
    expect(await handle.result()).toBe('hello bob!');
    const history = await handle.fetchHistory();
    expectWellFormed(history);
    expect(types(history).filter((type) => type === 'TimerStarted' || type === 'TimerFired')).toEqual(['TimerStarted', 'TimerFired']);
    expect(activityCalls).toEqual([{ name: 'greet', attempt: 1 }]);
  });

  it('continues a run after a reload in the middle of an activity, retrying the lost attempt once', async () => {
    const dbName = `duro-browser-${++databases}`;
    const before = await open(dbName);
    await before.start(holding, { workflowId: 'h1' });
    await until(() => activityCalls.length === 1);
    before.close();

    const after = await open(dbName);
    await after.resumeAll();
    const handle = after.getHandle('h1');
    expect(await handle.result()).toBe('held 2');
    expect(activityCalls).toEqual([{ name: 'hold', attempt: 1 }, { name: 'hold', attempt: 2 }]);
    const history = await handle.fetchHistory();
    expectWellFormed(history);
    // Retries are not history: one scheduled, one started (the attempt that completed), one completed.
    expect(types(history)).toEqual(['WorkflowExecutionStarted', 'ActivityTaskScheduled', 'WorkflowTaskCompleted', 'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted']);
    expect(history.find((event) => event.type === 'ActivityTaskStarted')).toMatchObject({ attempt: 2 });
    expect((await handle.describe()).status).toBe('completed');
  });

  it('fires on resume a timer whose deadline passed while the page was closed', async () => {
    const dbName = `duro-browser-${++databases}`;
    const before = await open(dbName);
    await before.start(greeting, { workflowId: 'g3', input: { name: 'cy', sleep: '1h' } });
    await until(async () => types(await before.store.readHistory((await before.store.runsOf('g3'))[0]!.runId)).includes('TimerStarted'));
    before.close();

    // The page comes back two hours later.
    const realNow = Date.now.bind(Date);
    vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 2 * 3_600_000);
    const after = await open(dbName);
    await after.resumeAll();
    expect(await after.getHandle('g3').result()).toBe('hello cy!');
    const history = await after.getHandle('g3').fetchHistory();
    const started = history.find((event) => event.type === 'TimerStarted');
    const fired = history.find((event) => event.type === 'TimerFired');
    expect(fired!.timestamp).toBeGreaterThanOrEqual(started!.type === 'TimerStarted' ? started!.fireAt : Infinity);
  });

  it('sends remote activities over fetch, unsigned, with the headers hook, and retries a failure', async () => {
    const requests: Request[] = [];
    const replies = [
      Response.json({ type: 'GatewayBusy', message: 'try again' }, { status: 500 }),
      Response.json({ result: { charged: 42 } }),
    ];
    const duro = await open(`duro-browser-${++databases}`, {
      taskQueues: { payments: { url: 'https://api.example/activities' } },
      headers: async (task) => ({ authorization: `Bearer user-7`, 'x-attempt': String(task.attempt) }),
      fetch: async (input, init) => {
        requests.push(new Request(input, init));
        return replies.shift()!;
      },
    });
    const handle = await duro.start(paying, { workflowId: 'p1', input: 42 });
    expect(await handle.result()).toEqual({ charged: 42 });

    expect(requests).toHaveLength(2);
    const [first, second] = requests;
    expect(first!.url).toBe('https://api.example/activities');
    expect(first!.method).toBe('POST');
    expect(first!.headers.get('authorization')).toBe('Bearer user-7');
    expect(second!.headers.get('x-attempt')).toBe('2');
    expect(first!.headers.get('duro-signature')).toBeNull();
    const body = (await first!.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      activityType: 'charge', input: 42, workflowId: 'p1', taskQueue: 'payments', attempt: 1, startToCloseTimeoutMs: 5_000,
      retryPolicy: { initialIntervalMs: 10, backoffCoefficient: 2, maximumIntervalMs: 1_000, maximumAttempts: 3, nonRetryableErrorTypes: [] },
    });
    expect(body).not.toHaveProperty('scheduleToCloseTimeoutMs');
    expect(first!.headers.get('idempotency-key')).toBe(`p1:${String(body.runId)}:${String(body.activityId)}`);
  });

  it('fires a deadline that came due while the step setting it was being committed', async () => {
    const duro = await open(`duro-browser-${++databases}`, {
      taskQueues: { payments: { url: 'https://api.example/activities' } },
      fetch: async () => (calls++ === 0 ? Response.json({ type: 'Flaky', message: 'once' }, { status: 500 }) : Response.json({ result: 'paid' })),
    });
    let calls = 0;
    // A slow disk: the retry backoff (10 ms) is over before the step that scheduled it is committed.
    const commit = duro.store.commit.bind(duro.store);
    duro.store.commit = async (runId, step) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return commit(runId, step);
    };
    expect(await (await duro.start(paying, { workflowId: 'p3', input: 5 })).result()).toBe('paid');
    expect(calls).toBe(2);
  });

  it('fails an attempt answered 202, which a browser cannot complete later', async () => {
    const duro = await open(`duro-browser-${++databases}`, {
      taskQueues: { payments: { url: 'https://api.example/activities' } },
      fetch: async () => new Response(null, { status: 202 }),
    });
    const handle = await duro.start(paying, { workflowId: 'p2', input: 1 });
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(JSON.stringify((error as WorkflowFailedError).failure)).toMatch(/AsyncCompletionNotSupported.*202/);
  });

  it('does not follow redirects: a browser\'s opaque redirect fails the attempt as ActivityRedirected, as the Worker host does', async () => {
    const modes: unknown[] = [];
    const duro = await open(`duro-browser-${++databases}`, {
      taskQueues: { payments: { url: 'https://api.example/activities' } },
      fetch: async (_input, init) => {
        modes.push(init?.redirect);
        // What a browser answers for redirect: 'manual': status 0, type 'opaqueredirect', no Location to read.
        const response = new Response(null, { status: 200 });
        Object.defineProperties(response, { type: { value: 'opaqueredirect' }, status: { value: 0 } });
        return response;
      },
    });
    const error = await (await duro.start(paying, { workflowId: 'p4', input: 1 })).result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).failure).toMatchObject({ cause: { type: 'ActivityRedirected', message: expect.stringContaining('answered a redirect') } });
    expect(modes).toEqual(['manual', 'manual', 'manual']);
  });

  it('surfaces a failed commit as an error, stores nothing of the step, and goes on from storage', async () => {
    const errors: unknown[] = [];
    const duro = await open(`duro-browser-${++databases}`, { onError: (error) => errors.push(error) });
    const handle = await duro.start(counter, { workflowId: 'c2' });
    await handle.signal(add, 1);

    const commit = duro.store.commit.bind(duro.store);
    duro.store.commit = async (runId) => {
      throw new StorageQuotaError(runId, new DOMException('over quota', 'QuotaExceededError'));
    };
    await expect(handle.signal(add, 100)).rejects.toThrow(StorageQuotaError);
    expect(errors).toHaveLength(1);
    duro.store.commit = commit;

    // The run was reloaded from what IndexedDB holds: the lost signal is not in it, later ones are.
    expect(await handle.query(total)).toBe(1);
    await handle.signal(add, 10);
    await handle.signal(finish);
    expect(await handle.result()).toBe(11);
    const history = await handle.fetchHistory();
    expectWellFormed(history);
    expect(history.filter((event) => event.type === 'SignalReceived')).toHaveLength(3);
  });

  it('refuses a start whose first commit fails, leaving the id free', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    const commit = duro.store.commit.bind(duro.store);
    duro.store.commit = async (runId) => {
      throw new StorageQuotaError(runId, new DOMException('over quota', 'QuotaExceededError'));
    };
    await expect(duro.start(counter, { workflowId: 'c3' })).rejects.toThrow(/quota exceeded/);
    duro.store.commit = commit;
    await expect(duro.getHandle('c3').describe()).rejects.toThrow(/not found/);
    const handle = await duro.start(counter, { workflowId: 'c3' });
    await handle.signal(finish);
    expect(await handle.result()).toBe(0);
  });

  it.each([false, true])('lets a second tab query a run it does not drive, and take it over once the first tab closes (locks.query: %s)', async (query) => {
    const dbName = `duro-browser-${++databases}`;
    const locks = sharedLocks({ query });
    const first = await open(dbName, { locks });
    const second = await open(dbName, { locks });
    await (await first.start(counter, { workflowId: 'c4' })).signal(add, 4);
    expect(await first.driverOf('c4')).toBe('here');
    expect(await second.driverOf('c4')).toBe('elsewhere');

    await second.resumeAll(); // the first tab holds the lock: nothing is driven here
    const there = second.getHandle('c4');
    expect(await there.query(total)).toBe(4);
    expect((await there.describe()).status).toBe('running');
    await expect(there.signal(add, 1)).rejects.toThrow(/driven by another tab/);
    expect(types(await there.fetchHistory()).filter((type) => type === 'SignalReceived')).toHaveLength(1);

    first.close();
    await until(async () => (await second.driverOf('c4')) === 'here'); // resumeAll queued this tab for the lock
    await there.signal(add, 1);
    await there.signal(finish);
    expect(await there.result()).toBe(5);
    expectWellFormed(await there.fetchHistory());
    await until(async () => (await second.driverOf('c4')) === 'none'); // closed and owing nothing: the lock goes
  });

  it.each([false, true])('says nobody drives a stored open run until a context takes it, and asking does not take it (locks.query: %s)', async (query) => {
    const dbName = `duro-browser-${++databases}`;
    const locks = sharedLocks({ query });
    const first = await open(dbName, { locks });
    await (await first.start(counter, { workflowId: 'c5' })).signal(add, 2);
    first.close(); // a reload: the run stays open in storage
    const second = await open(dbName, { locks });
    expect(await second.driverOf('c5')).toBe('none');
    expect(await second.driverOf('c5')).toBe('none');
    await second.resumeAll();
    expect(await second.driverOf('c5')).toBe('here');
  });

  it('takes a run over by itself the moment the tab driving it goes away (a waiting Web Lock, no polling)', async () => {
    const dbName = `duro-browser-${++databases}`;
    const locks = sharedLocks();
    const first = await open(dbName, { locks });
    const second = await open(dbName, { locks });
    await first.start(greeting, { workflowId: 'g9', input: { name: 'bo', sleep: 150 } });
    await until(async () => types(await first.store.readHistory((await first.store.runsOf('g9'))[0]!.runId)).includes('TimerStarted'));

    await second.resumeAll(); // driven by the first tab: the second only queues for its lock
    first.close(); // before the timer fires: nothing in the first tab will fire it now
    await until(async () => (await second.store.runsOf('g9'))[0]?.status === 'completed');

    const history = await second.getHandle('g9').fetchHistory();
    expectWellFormed(history);
    expect(types(history).filter((type) => type === 'TimerFired')).toHaveLength(1);
    expect(types(history).filter((type) => type === 'ActivityTaskCompleted')).toHaveLength(1);
    expect(await second.getHandle('g9').result()).toBe('hello bo!');
  });

  it('starts on resume the run a stored close still owes (continue-as-new interrupted before the next start)', async () => {
    const dbName = `duro-browser-${++databases}`;
    const before = await open(dbName);
    const commit = before.store.commit.bind(before.store);
    // The page dies between the close of round 1 and the start of round 2: that start never reaches IndexedDB.
    before.store.commit = async (runId, step) => {
      if (step.events[0]?.type === 'WorkflowExecutionStarted' && step.events[0].continuedFromRunId !== undefined) throw new Error('the page went away');
      return commit(runId, step);
    };
    await before.start(looping, { workflowId: 'l2', input: 1 });
    await until(async () => (await before.store.runsOf('l2'))[0]?.status === 'continuedAsNew');
    before.close();
    expect((await open(dbName).then((probe) => probe.store.runsOf('l2'))).map((run) => run.status)).toEqual(['continuedAsNew']);

    const after = await open(dbName);
    await after.resumeAll();
    expect(await after.getHandle('l2').result()).toBe(3);
    expect((await after.store.runsOf('l2')).map((run) => run.status)).toEqual(['continuedAsNew', 'continuedAsNew', 'completed']);
  });

  it('blocks a run whose stored history the reloaded code no longer replays, with the diff', async () => {
    const dbName = `duro-browser-${++databases}`;
    const v1 = defineWorkflow('versioned', async (ctx) => {
      await ctx.sleep(30);
      return 'v1';
    });
    const v2 = defineWorkflow('versioned', async (ctx) => {
      const { greet } = ctx.proxyActivities<Acts>({ startToCloseTimeout: '5s' });
      await greet('x');
      await ctx.sleep(30);
      return 'v2';
    });
    const before = await open(dbName, { workflows: { v1 } });
    await before.start(v1, { workflowId: 'v' });
    before.close();

    const after = await open(dbName, { workflows: { v2 } });
    await after.resumeAll();
    await until(async () => (await after.getHandle('v').describe()).blockedReason !== undefined);
    expect((await after.getHandle('v').describe()).status).toBe('running');
    const state = await after.store.loadState((await after.store.runsOf('v'))[0]!.runId);
    expect(state?.blocked).toMatchObject({ reason: 'nonDeterminism' });
    expect(state?.blocked?.diff).toBeDefined();
    expect(activityCalls).toEqual([]);
  });

  it('refuses input over the 2 MiB payload limit, storing nothing', async () => {
    const duro = await open(`duro-browser-${++databases}`);
    await expect(duro.start(greeting, { workflowId: 'big', input: { name: 'x'.repeat(3 * 1024 * 1024), sleep: 1 } })).rejects.toThrow(/2 MiB|payload/i);
    expect(await duro.store.runsOf('big')).toEqual([]);
    const handle = await duro.start(counter, { workflowId: 'big' });
    await expect(handle.signal(add, 'x'.repeat(3 * 1024 * 1024) as unknown as number)).rejects.toThrow(/2 MiB|payload/i);
    await handle.terminate('done');
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
  });
});
