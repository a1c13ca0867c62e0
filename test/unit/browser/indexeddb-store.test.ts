// The browser host's IndexedDB store, on fake-indexeddb: what a commit stores, that it stores all of a step or
// nothing, and that a reloaded page (or a second tab) continues a run from it without forking its history.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { defineQuery, defineSignal, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { Limits, WorkflowRun, type PendingChange, type RunCommit, type RunHost, type RunState } from '../../../src/core/internals';
import { IndexedDbRunStore } from '../../../src/browser/indexeddb-store';
import { IndexedDbBlobStore } from '../../../src/browser/indexeddb-blob-store';
import { RowBlobs } from '../../../src/core/payloads/row-blobs';
import { HistoryConflictError, StorageQuotaError, StoreCommitError } from '../../../src/browser/store-errors';

let databases = 0;
/** A fresh database name per test: fake-indexeddb keeps databases for the whole file, as a browser profile does. */
function newDbName(): string {
  return `duro-test-${++databases}`;
}

function openStore(dbName: string): Promise<IndexedDbRunStore> {
  return IndexedDbRunStore.open(dbName, indexedDB, IDBKeyRange);
}

function signalEvent(eventId: number, signalName = 'ping'): HistoryEvent {
  return { type: 'SignalReceived', eventId, timestamp: 1_000 + eventId, signalName, args: [eventId] };
}

function runState(runId: string, nextEventId: number, overrides: Partial<RunState> = {}): RunState {
  return {
    workflowId: `wf-${runId}`, runId, workflowType: 'test', status: 'running', startTime: 1_000, nextEventId, historySizeBytes: 0,
    memo: {}, searchAttributes: {}, activities: {}, timers: {}, children: {}, externals: {}, inFlightUpdates: [],
    signalRequestIds: {}, completedUpdates: {}, cancelRequested: false, activationFailures: 0, ...overrides,
  };
}

/** The commit of a step that records `events` and leaves the run in `state`, writing only `changes`. */
function stepOf(state: RunState, events: HistoryEvent[], changes: PendingChange[] = [], wakeAt?: number): RunCommit {
  return { events, state, changes, wakeAt, attempts: [] };
}

/** `count` log lines as ctx.log writes them, numbered from `from`. */
function logLines(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => JSON.stringify({ level: 'info', message: `line ${from + i}`, time: '2026-01-01T00:00:00.000Z' }));
}

async function keptMessages(store: IndexedDbRunStore, runId: string, afterSeq?: number, limit?: number): Promise<string[]> {
  return (await store.readLogs(runId, afterSeq, limit)).map(({ line }) => (JSON.parse(line) as { message: string }).message);
}

/**
 * Creates `dbName` as an earlier release left it: schema version 1 (events, runs, pending), 2 (and inbox) or 3 (and
 * logs), with what `seed` writes in one transaction over its stores.
 */
async function listedBlobs(blobs: IndexedDbBlobStore): Promise<Array<{ key: string; size: number }>> {
  const listed = [];
  for await (const { key, size } of blobs.list('wf/')) listed.push({ key, size });
  return listed;
}

function olderDatabase(dbName: string, version: 1 | 2 | 3, seed: (tx: { objectStore(name: string): { put(value: unknown): unknown } }) => void): Promise<void> {
  const stores = ['events', 'runs', 'pending', 'inbox', 'logs'].slice(0, version + 2);
  return new Promise<void>((resolve, reject) => {
    const request = indexedDB.open(dbName, version);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore('events', { keyPath: ['runId', 'eventId'] });
      const runs = db.createObjectStore('runs', { keyPath: 'runId' });
      runs.createIndex('chainIndex', 'chainIndex', { unique: true });
      runs.createIndex('workflowId', ['workflowId', 'chainIndex']);
      db.createObjectStore('pending', { keyPath: ['runId', 'collection', 'key'] });
      if (version >= 2) db.createObjectStore('inbox', { keyPath: 'key' }).createIndex('to', ['to', 'sentAt']);
      if (version >= 3) db.createObjectStore('logs', { keyPath: 'seq', autoIncrement: true }).createIndex('byRun', ['runId', 'seq']);
    };
    request.onsuccess = () => {
      const db = request.result;
      const tx = db.transaction(stores, 'readwrite');
      seed(tx);
      tx.oncomplete = () => {
        db.close();
        resolve();
      };
    };
    request.onerror = () => reject(request.error);
  });
}

const add = defineSignal<[n: number]>('add');
const total = defineQuery<number>('total');
const adder = defineWorkflow('adder', async (ctx) => {
  let sum = 0;
  ctx.setHandler(add, (n) => void (sum += n));
  ctx.setHandler(total, () => sum);
  await ctx.sleep(1_000);
  return sum;
});

function hostOn(store: IndexedDbRunStore, clock: { now: number }): RunHost {
  return {
    now: () => clock.now,
    newRunId: () => crypto.randomUUID(),
    store,
    runLocalActivity: async () => ({ result: null }),
    effects: () => undefined,
  };
}

function startAdder(host: RunHost, runId = 'r', workflowId = 'w'): WorkflowRun {
  return WorkflowRun.start({ workflowType: 'adder', workflowId, runId, input: undefined, randomnessSeed: 's', attempt: 1, firstRunId: runId }, adder, host);
}

describe('IndexedDbRunStore', () => {
  it('reads back the events and state a commit stored', async () => {
    const store = await openStore(newDbName());
    const events = [signalEvent(1), signalEvent(2), signalEvent(3)];
    const state = runState('r', 4, { memo: { note: 'hi' }, timers: { t1: { timerId: 't1', fireAt: 5_000 } } });
    await store.commit('r', stepOf(state, events, [{ collection: 'timers', key: 't1', value: state.timers.t1 }], 5_000));

    expect(await store.readHistory('r')).toEqual(events);
    expect(await store.readHistory('r', 1)).toEqual(events.slice(1));
    expect(await store.readHistory('r', 3)).toEqual([]);
    expect(await store.loadState('r')).toEqual(state);
    expect(await store.loadState('other')).toBeUndefined();
    expect(await store.readHistory('other')).toEqual([]);
  });

  it('stores nothing of a step whose events do not follow the stored history', async () => {
    const store = await openStore(newDbName());
    const before = runState('r', 3, { timers: { t1: { timerId: 't1', fireAt: 5_000 } } });
    await store.commit('r', stepOf(before, [signalEvent(1), signalEvent(2)], [{ collection: 'timers', key: 't1', value: before.timers.t1 }]));

    const gapped = runState('r', 5, { status: 'completed', timers: { t2: { timerId: 't2', fireAt: 6_000 } } });
    const changes: PendingChange[] = [{ collection: 'timers', key: 't1', value: undefined }, { collection: 'timers', key: 't2', value: gapped.timers.t2 }];
    await expect(store.commit('r', stepOf(gapped, [signalEvent(4)], changes))).rejects.toThrow(HistoryConflictError);

    expect(await store.readHistory('r')).toEqual([signalEvent(1), signalEvent(2)]);
    expect(await store.loadState('r')).toEqual(before);
    expect((await store.listRuns())[0]?.status).toBe('running');
  });

  it('stores nothing of a step that fails after its first writes', async () => {
    const store = await openStore(newDbName());
    const before = runState('r', 2);
    await store.commit('r', stepOf(before, [signalEvent(1)]));

    // The events and the record are queued first; the pending entry cannot be cloned, which aborts the transaction.
    const failing = runState('r', 4, { memo: { changed: true } });
    const uncloneable: PendingChange = { collection: 'externals', key: '1', value: { send: () => undefined } };
    const commit = store.commit('r', stepOf(failing, [signalEvent(2), signalEvent(3)], [{ collection: 'timers', key: 't', value: { timerId: 't', fireAt: 1 } }, uncloneable]));
    await expect(commit).rejects.toThrow(StoreCommitError);
    await expect(commit).rejects.toThrow(/nothing of this step was stored/);

    expect(await store.readHistory('r')).toEqual([signalEvent(1)]);
    expect(await store.loadState('r')).toEqual(before);
    // The store is still usable, and the step can be committed again once it is valid.
    await store.commit('r', stepOf(failing, [signalEvent(2), signalEvent(3)]));
    expect((await store.readHistory('r')).map((event) => event.eventId)).toEqual([1, 2, 3]);
  });

  it('reports a full quota as a clear failure and stores nothing of the step', async () => {
    const store = await openStore(newDbName());
    await store.commit('r', stepOf(runState('r', 2), [signalEvent(1)]));

    // Cloning this event hits the quota, as a large payload would in a browser.
    const huge = signalEvent(2);
    Object.defineProperty(huge, 'args', { enumerable: true, get: () => { throw new DOMException('the origin is over its storage quota', 'QuotaExceededError'); } });
    const commit = store.commit('r', stepOf(runState('r', 3), [huge]));
    await expect(commit).rejects.toThrow(StorageQuotaError);
    await expect(commit).rejects.toThrow(/^IndexedDB quota exceeded: .*nothing of this step was stored$/);
    expect(await store.readHistory('r')).toEqual([signalEvent(1)]);
    expect((await store.loadState('r'))?.nextEventId).toBe(2);
  });

  it('writes only the pending entries a step changed, and deletes those it removed', async () => {
    const store = await openStore(newDbName());
    const t = (timerId: string, fireAt: number) => ({ timerId, fireAt });
    const first = runState('r', 2, { timers: { a: t('a', 10), b: t('b', 20) }, signalRequestIds: { req: 1 } });
    await store.commit('r', stepOf(first, [signalEvent(1)], [
      { collection: 'timers', key: 'a', value: first.timers.a },
      { collection: 'timers', key: 'b', value: first.timers.b },
      { collection: 'signalRequestIds', key: 'req', value: 1 },
    ]));

    // The state handed over differs in more places than the changes say; only the changes are written.
    const second = runState('r', 3, { timers: { a: t('a', 15), c: t('c', 30) } });
    await store.commit('r', stepOf(second, [signalEvent(2)], [
      { collection: 'timers', key: 'a', value: second.timers.a },
      { collection: 'timers', key: 'b', value: undefined },
    ]));

    const loaded = await store.loadState('r');
    expect(loaded?.timers).toEqual({ a: t('a', 15) });
    expect(loaded?.signalRequestIds).toEqual({ req: 1 });
    expect(loaded?.nextEventId).toBe(3);
  });

  it('resumes a run after a reload from what IndexedDB kept', async () => {
    const dbName = newDbName();
    const clock = { now: 1_000_000 };
    const before = await openStore(dbName);
    const run = startAdder(hostOn(before, clock));
    await run.idle();
    await run.signal('add', [2]);
    const stateBeforeReload = structuredClone(run.state);
    before.close(); // the tab reloads: nothing in memory survives

    const after = await openStore(dbName);
    expect(await after.listRuns()).toEqual([{ runId: 'r', workflowId: 'w', workflowType: 'adder', status: 'running', chainIndex: 0, wakeAt: 1_001_000 }]);
    const state = await after.loadState('r');
    expect(state).toEqual(stateBeforeReload);
    const resumed = WorkflowRun.load(state!, adder, hostOn(after, clock));
    expect(await resumed.query('total')).toBe(2); // replayed from the stored history
    await resumed.signal('add', [3]);
    clock.now = resumed.nextWakeAt()!;
    resumed.fireDeadlines();

    expect(await resumed.result()).toEqual({ status: 'completed', result: 5 });
    const history = await after.readHistory('r');
    expect(history.map((event) => event.eventId)).toEqual(history.map((_, i) => i + 1));
    expect(history.map((event) => event.type)).toEqual([
      'WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted',
      'SignalReceived', 'WorkflowTaskCompleted',
      'SignalReceived', 'WorkflowTaskCompleted',
      'TimerFired', 'WorkflowExecutionCompleted',
    ]);
    expect(await after.listRuns()).toEqual([{ runId: 'r', workflowId: 'w', workflowType: 'adder', status: 'completed', chainIndex: 0 }]);
  });

  it('refuses a commit from a stale store instead of forking history', async () => {
    const dbName = newDbName();
    const clock = { now: 1_000_000 };
    const first = await openStore(dbName);
    await startAdder(hostOn(first, clock)).idle();

    // Two tabs load the same run; the first records a signal, then the second, now stale, tries to.
    const second = await openStore(dbName);
    const inFirst = WorkflowRun.load((await first.loadState('r'))!, adder, hostOn(first, clock));
    const inSecond = WorkflowRun.load((await second.loadState('r'))!, adder, hostOn(second, clock));
    await inFirst.signal('add', [1]);
    // The signal whose step failed to commit is refused with the conflict, as is the step itself.
    await expect(inSecond.signal('add', [100])).rejects.toThrow(HistoryConflictError);
    await expect(inSecond.signal('add', [1_000])).rejects.toThrow(HistoryConflictError); // and so is all it is asked later

    const history = await first.readHistory('r');
    expect(history.filter((event) => event.type === 'SignalReceived').map((event) => event.type === 'SignalReceived' && event.args)).toEqual([[1]]);
    expect(history.map((event) => event.eventId)).toEqual([1, 2, 3, 4, 5]);
    expect((await second.loadState('r'))?.nextEventId).toBe(6);

    // Reloaded from the store, the second tab carries on from where the first left it.
    const reloaded = WorkflowRun.load((await second.loadState('r'))!, adder, hostOn(second, clock));
    await reloaded.signal('add', [10]);
    expect(await reloaded.query('total')).toBe(11);
  });

  it('refuses a stale step even when it records no event', async () => {
    const dbName = newDbName();
    const [a, b] = [await openStore(dbName), await openStore(dbName)];
    await a.commit('r', stepOf(runState('r', 2), [signalEvent(1)]));
    const stale = (await b.loadState('r'))!;
    await a.commit('r', stepOf(runState('r', 3), [signalEvent(2)]));

    const timer = { timerId: 't', fireAt: 1 };
    await expect(b.commit('r', stepOf({ ...stale, timers: { t: timer } }, [], [{ collection: 'timers', key: 't', value: timer }]))).rejects.toThrow(HistoryConflictError);
    expect((await a.loadState('r'))?.timers).toEqual({});
    expect((await a.loadState('r'))?.nextEventId).toBe(3);
  });

  it('lists runs in the order they were stored, with status and next wake-up, and deletes them', async () => {
    const store = await openStore(newDbName());
    const clock = { now: 1_000_000 };
    const host = hostOn(store, clock);
    await startAdder(host, 'r1', 'w1').idle();
    clock.now = 1_000_500;
    await startAdder(host, 'r2', 'w2').idle();
    const third = startAdder(host, 'r3', 'w1');
    await third.idle();
    clock.now = third.nextWakeAt()!;
    third.fireDeadlines();
    await third.result();

    expect(await store.listRuns()).toEqual([
      { runId: 'r1', workflowId: 'w1', workflowType: 'adder', status: 'running', chainIndex: 0, wakeAt: 1_001_000 },
      { runId: 'r2', workflowId: 'w2', workflowType: 'adder', status: 'running', chainIndex: 1, wakeAt: 1_001_500 },
      { runId: 'r3', workflowId: 'w1', workflowType: 'adder', status: 'completed', chainIndex: 2 },
    ]);
    expect((await store.runsOf('w1')).map((run) => run.runId)).toEqual(['r1', 'r3']);

    await store.deleteRun('r1');
    expect((await store.listRuns()).map((run) => run.runId)).toEqual(['r2', 'r3']);
    expect(await store.readHistory('r1')).toEqual([]);
    expect(await store.loadState('r1')).toBeUndefined();
    expect(await store.readHistory('r2')).toHaveLength(3);
    // Its events and pending entries went too: the id can be stored afresh, from event 1, with no leftover timer.
    await store.commit('r1', stepOf(runState('r1', 2), [signalEvent(1)]));
    expect((await store.loadState('r1'))?.timers).toEqual({});
  });

  it('queues messages per receiver in the order first sent, keeps a re-sent one in its place, and deletes them', async () => {
    const store = await openStore(newDbName());
    await store.putMessage('a', 'w1', { n: 1 });
    await store.putMessage('b', 'w2', { n: 2 });
    await store.putMessage('c', 'w1', { n: 3 });
    await store.putMessage('a', 'w1', { n: 'sent again' });
    expect(await store.messagesTo('w1')).toEqual([{ key: 'a', message: { n: 1 } }, { key: 'c', message: { n: 3 } }]);
    await store.deleteMessage('a');
    expect(await store.messagesTo('w1')).toEqual([{ key: 'c', message: { n: 3 } }]);
    expect(await store.messagesTo('w2')).toEqual([{ key: 'b', message: { n: 2 } }]);
  });

  it('flags a closed run that still owes another workflow a message', async () => {
    const store = await openStore(newDbName());
    await store.commit('r', stepOf(runState('r', 2, { status: 'completed', parent: { workflowId: 'p', runId: 'pr', seq: 1 }, parentNotificationPending: true }), [signalEvent(1)]));
    expect((await store.listRuns())[0]).toMatchObject({ status: 'completed', owes: true });
    await store.commit('r', stepOf(runState('r', 2, { status: 'completed', parent: { workflowId: 'p', runId: 'pr', seq: 1 } }), []));
    expect((await store.listRuns())[0]?.owes).toBeUndefined();
  });

  it('adds the inbox to a database stored before it existed, keeping its runs', async () => {
    const dbName = newDbName();
    // Version 1 of the schema, with one run, as a page of an earlier release left it.
    await olderDatabase(dbName, 1, (tx) => {
      tx.objectStore('runs').put({ runId: 'r', workflowId: 'w', workflowType: 'adder', status: 'running', chainIndex: 0, record: runState('r', 1) });
    });

    const store = await openStore(dbName);
    expect((await store.listRuns()).map((run) => run.runId)).toEqual(['r']);
    await store.putMessage('k', 'w', { hello: true });
    expect(await store.messagesTo('w')).toEqual([{ key: 'k', message: { hello: true } }]);
  });

  it("keeps a commit's log lines in order, only the latest Limits.logLinesKept of each run, and reads them after a seq", async () => {
    const store = await openStore(newDbName());
    await store.commit('a', { ...stepOf(runState('a', 2), [signalEvent(1)]), logs: logLines(1, 120) });
    await store.commit('b', { ...stepOf(runState('b', 2), [signalEvent(1)]), logs: logLines(1, 5) });
    const a = await store.readLogs('a');
    expect(a.map(({ line }) => (JSON.parse(line) as { message: string }).message)).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i + 1}`));

    // Past the bound, the oldest go, in the same transaction; the other run keeps all of its own.
    await store.commit('a', { ...stepOf(runState('a', 3), [signalEvent(2)]), logs: logLines(121, Limits.logLinesKept) });
    const kept = await keptMessages(store, 'a');
    expect([kept.length, kept[0], kept.at(-1)]).toEqual([Limits.logLinesKept, 'line 121', `line ${120 + Limits.logLinesKept}`]);
    expect(await keptMessages(store, 'b')).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);

    const b = await store.readLogs('b');
    expect(await keptMessages(store, 'b', b[0]!.seq, 2)).toEqual(['line 2', 'line 3']);
    expect(await keptMessages(store, 'b', b.at(-1)!.seq)).toEqual([]);
  });

  it("removes a run's log lines with the run, and no other run's", async () => {
    const store = await openStore(newDbName());
    await store.commit('a', { ...stepOf(runState('a', 2), [signalEvent(1)]), logs: logLines(1, 3) });
    await store.commit('b', { ...stepOf(runState('b', 2), [signalEvent(1)]), logs: logLines(1, 2) });
    await store.deleteRun('a');
    expect(await store.readLogs('a')).toEqual([]);
    expect(await keptMessages(store, 'b')).toEqual(['line 1', 'line 2']);
    // The id stored afresh starts with no lines of its old run.
    await store.commit('a', { ...stepOf(runState('a', 2), [signalEvent(1)]), logs: logLines(10, 1) });
    expect(await keptMessages(store, 'a')).toEqual(['line 10']);
  });

  it('adds the logs store to a database stored before it existed (version 2), keeping its runs and messages', async () => {
    const dbName = newDbName();
    // Version 2 of the schema, with one run and one queued message, as a page of an earlier release left it.
    await olderDatabase(dbName, 2, (tx) => {
      tx.objectStore('runs').put({ runId: 'r', workflowId: 'w', workflowType: 'adder', status: 'running', chainIndex: 0, record: runState('r', 2) });
      tx.objectStore('events').put({ runId: 'r', eventId: 1, event: signalEvent(1) });
      tx.objectStore('inbox').put({ key: 'k', to: 'w', sentAt: 1, message: { hello: true } });
    });

    const store = await openStore(dbName);
    expect((await store.listRuns()).map((run) => run.runId)).toEqual(['r']);
    expect(await store.messagesTo('w')).toEqual([{ key: 'k', message: { hello: true } }]);
    expect(await store.readLogs('r')).toEqual([]);
    await store.commit('r', { ...stepOf(runState('r', 3), [signalEvent(2)]), logs: logLines(1, 2) });
    expect(await keptMessages(store, 'r')).toEqual(['line 1', 'line 2']);
    expect((await store.readHistory('r')).map((event) => event.eventId)).toEqual([1, 2]);
  });

  it('adds the blob delete queue to a database stored before it existed (version 3): its runs read, commit and delete as before', async () => {
    const dbName = newDbName();
    await olderDatabase(dbName, 3, (tx) => {
      tx.objectStore('runs').put({ runId: 'r', workflowId: 'wf-r', workflowType: 'adder', status: 'running', chainIndex: 0, record: runState('r', 2) });
      tx.objectStore('events').put({ runId: 'r', eventId: 1, event: signalEvent(1) });
    });

    const blobs = await IndexedDbBlobStore.open(dbName, indexedDB, IDBKeyRange);
    const store = await IndexedDbRunStore.open(dbName, indexedDB, IDBKeyRange, [], new RowBlobs(blobs, { thresholdBytes: 1024 }));
    const large = { ...signalEvent(2), args: ['x'.repeat(2_000)] };
    await store.commit('r', stepOf(runState('r', 3), [large]));
    expect(await store.readHistory('r')).toEqual([signalEvent(1), large]);
    const [listed] = await listedBlobs(blobs);
    expect(listed?.size).toBeGreaterThan(2_000);

    await store.deleteRun('r');
    expect(await store.readHistory('r')).toEqual([]);
    expect(await listedBlobs(blobs)).toEqual([]);
  });
});

