// The SQLite run store in a real Durable Object: history in grouped INSERTs, and values too large for one row kept in
// chunks that are dropped when the value is replaced or removed, also by a later instance of the object (a restart).
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SqlRunStore } from '../../durable-objects/sql-run-store';
import type { HistoryEvent } from '../../src/core/history';
import { Limits, type PendingChange, type RunState } from '../../src/core/internals';

const big = (char: string) => char.repeat(300 * 1024); // over the 256 Ki-character row limit: stored in chunks

function stateOf(runId: string, memo: Record<string, unknown> = {}): RunState {
  return {
    workflowId: `wf-${runId}`, runId, workflowType: 'hello', status: 'running', startTime: 1, nextEventId: 1, historySizeBytes: 0,
    memo, searchAttributes: {}, activities: {}, timers: {}, children: {}, externals: {}, inFlightUpdates: [], signalRequestIds: {},
    cancelRequested: false, activationFailures: 0, completedUpdates: {},
  } as RunState;
}

function markers(from: number, count: number): HistoryEvent[] {
  return Array.from({ length: count }, (_, i) => ({ type: 'MarkerRecorded', markerName: 'LocalActivity', seq: from + i, data: { n: from + i }, eventId: from + i, timestamp: 1 }) as unknown as HistoryEvent);
}

/** A commit of `changes`, applied to `state` as a step applies them (the state holds what the changes wrote). */
function commitOf(state: RunState, events: HistoryEvent[], changes: PendingChange[] = []) {
  const applied = structuredClone(state);
  for (const { collection, key, value } of changes) {
    const entries = applied[collection] as Record<string, unknown>;
    if (value === undefined) delete entries[key];
    else entries[key] = value;
  }
  return { events, state: applied, changes, wakeAt: undefined, attempts: [] };
}

/** A fresh object of the repo's WorkflowExecution class: its constructor has made the tables. */
function freshObject() {
  const namespace = env.WORKFLOW_EXECUTION as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(`store-${crypto.randomUUID()}`));
}

/** `count` log lines as ctx.log writes them, numbered from `from`. */
const logLines = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => JSON.stringify({ level: 'info', message: `line ${from + i}`, time: '2026-01-01T00:00:00.000Z', workflowId: 'wf', runId: 'r' }));
const withLogs = (runId: string, logs: string[]) => ({ ...commitOf(stateOf(runId), []), logs });
const messagesOf = (kept: Array<{ line: string }>) => kept.map(({ line }) => (JSON.parse(line) as { message: string }).message);

const chunkCount = (storage: DurableObjectStorage) => storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM payload_chunks').one().n;

describe('SqlRunStore', () => {
  it('writes a commit of any number of events, in order, each once', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      for (const count of [1, 19, 20, 21, 1_000]) {
        const runId = `run-${count}`;
        store.commit(runId, 0, commitOf(stateOf(runId), markers(1, count)));
        expect((await store.readHistory(runId)).map((event) => event.eventId)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      }
      // A second commit continues the same history.
      store.commit('run-21', 0, commitOf(stateOf('run-21'), markers(22, 3)));
      expect((await store.readHistory('run-21', 20)).map((event) => event.eventId)).toEqual([21, 22, 23, 24]);
    });
  });

  it("keeps a commit's small events together in rows of at most 64 Ki characters, a longer event alone, and reads from any event", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      const long = markers(11, 1).map((event) => ({ ...event, data: { blob: 'l'.repeat(70 * 1024) } }) as unknown as HistoryEvent);
      store.commit('packed', 0, commitOf(stateOf('packed'), [...markers(1, 10), ...long, ...markers(12, 5)]));
      store.commit('packed', 0, commitOf(stateOf('packed'), markers(17, 1)));
      const rows = state.storage.sql.exec<{ event_id: number; last_event_id: number | null }>("SELECT event_id, last_event_id FROM history WHERE run_id = 'packed' ORDER BY event_id").toArray();
      expect(rows).toEqual([{ event_id: 1, last_event_id: 10 }, { event_id: 11, last_event_id: null }, { event_id: 12, last_event_id: 16 }, { event_id: 17, last_event_id: null }]);
      // Any starting point, any page size: the events after it, in order, however the rows hold them.
      const ids = Array.from({ length: 17 }, (_, i) => i + 1);
      for (let after = 0; after <= 17; after++) {
        for (const limit of [1, 2, 7, -1]) {
          const expected = ids.filter((id) => id > after).slice(0, limit < 0 ? undefined : limit);
          expect((await store.readHistory('packed', after, limit)).map((event) => event.eventId), `after ${after}, limit ${limit}`).toEqual(expected);
        }
      }
      expect((await store.readHistory('packed', 11, 1_000, 1)).map((event) => event.eventId)).toEqual([12, 13, 14, 15, 16]); // a row comes whole
      expect(store.storedRun('packed')?.historyLength).toBe(17);
      // A long chain's commit of a thousand small events is a handful of rows.
      store.commit('chain', 0, commitOf(stateOf('chain'), markers(1, 1_000)));
      expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM history WHERE run_id = 'chain'").one().n).toBeLessThan(10);
      expect((await store.readHistory('chain')).map((event) => event.eventId)).toEqual(Array.from({ length: 1_000 }, (_, i) => i + 1));
    });
  });

  it('pages history by size as well as count, never returning an empty page while events remain', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      const heavy = markers(1, 6).map((event, i) => ({ ...event, data: { n: i + 1, blob: big(String(i)) } }) as unknown as HistoryEvent);
      store.commit('heavy', 0, commitOf(stateOf('heavy'), heavy));
      // Each event is ~300 Ki characters: a 700 Ki page holds two, and a page too small for one still holds one.
      const pages: number[][] = [];
      for (let after = 0; ;) {
        const page = (await store.readHistory('heavy', after, 1_000, 700 * 1024));
        if (page.length === 0) break;
        pages.push(page.map((event) => event.eventId));
        after = page.at(-1)!.eventId;
      }
      expect(pages).toEqual([[1, 2], [3, 4], [5, 6]]);
      expect((await store.readHistory('heavy', 0, 1_000, 1)).map((event) => event.eventId)).toEqual([1]);
      expect((await store.readHistory('heavy')).length).toBe(6);
    });
  });

  it('drops the chunks of a replaced or removed large value, also when a later instance replaces it', async () => {
    const object = freshObject();
    const runId = 'chunky';
    await runInDurableObject(object, async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      const changes: PendingChange[] = [
        { collection: 'activities', key: '1', value: { input: big('a') } },
        { collection: 'completedUpdates', key: 'u1', value: big('é') },
      ];
      store.commit(runId, 0, commitOf(stateOf(runId, { note: big('m') }), markers(1, 1), changes));
      expect(chunkCount(state.storage)).toBeGreaterThan(0);
      // The same instance replaces one value with a small one.
      store.commit(runId, 0, commitOf(stateOf(runId, { note: big('m') }), markers(2, 1), [{ collection: 'activities', key: '1', value: { input: 'small' } }]));
      expect((await store.loadState(runId))?.activities['1']).toEqual({ input: 'small' });
    });
    await runInDurableObject(object, async (_instance, state) => {
      // A new instance: it learns which values are chunked by loading the run, as the object does before any commit.
      const store = new SqlRunStore(state.storage);
      const loaded = (await store.loadState(runId))!;
      expect(loaded.memo).toEqual({ note: big('m') });
      expect(loaded.completedUpdates.u1).toBe(big('é'));
      store.commit(runId, 0, commitOf(stateOf(runId, { note: 'short' }), markers(3, 1), [{ collection: 'completedUpdates', key: 'u1', value: undefined }]));
      expect(chunkCount(state.storage)).toBe(0);
      expect((await store.loadState(runId))).toMatchObject({ memo: { note: 'short' }, completedUpdates: {}, activities: { 1: { input: 'small' } } });
    });
  });

  it('keeps a run\'s few small pending entries in its record, and moves them all to rows for good once they outgrow it', async () => {
    const object = freshObject();
    // The table is made on first use: none, no rows.
    const pendingRows = (storage: DurableObjectStorage) =>
      storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'pending'").toArray().length === 0 ? 0 : storage.sql.exec<{ n: number }>('SELECT count(*) AS n FROM pending').one().n;
    const activity = (i: number, input: unknown = i) => ({ collection: 'activities' as const, key: String(i), value: { activityId: String(i), input } });
    let state = stateOf('r');
    await runInDurableObject(object, async (_instance, storageState) => {
      const store = new SqlRunStore(storageState.storage);
      let commit = commitOf(state, markers(1, 1), [activity(1), { collection: 'timers', key: 't', value: { fireAt: 5 } }]);
      store.commit('r', 0, commit);
      state = commit.state;
      commit = commitOf(state, markers(2, 1), [{ collection: 'timers', key: 't', value: undefined }, activity(2)]);
      store.commit('r', 0, commit);
      state = commit.state;
      expect(pendingRows(storageState.storage)).toBe(0);
      expect((await store.loadState('r'))).toMatchObject({ activities: { 1: { input: 1 }, 2: { input: 2 } }, timers: {} });
    });
    await runInDurableObject(object, async (_instance, storageState) => {
      // A later instance reads them from the record, then a commit over the bound moves every entry to rows.
      const store = new SqlRunStore(storageState.storage);
      expect((await store.loadState('r'))?.activities).toEqual(state.activities);
      const commit = commitOf(state, markers(3, 1), [activity(3, 'x'.repeat(20_000))]);
      store.commit('r', 0, commit);
      state = commit.state;
      expect(pendingRows(storageState.storage)).toBe(3);
      // Back under the bound, the run stays in rows: only what changed is written.
      const shrunk = commitOf(state, markers(4, 1), [{ collection: 'activities', key: '3', value: undefined }]);
      store.commit('r', 0, shrunk);
      expect(pendingRows(storageState.storage)).toBe(2);
    });
    await runInDurableObject(object, async (_instance, storageState) => {
      const loaded = await new SqlRunStore(storageState.storage).loadState('r');
      expect(Object.keys(loaded!.activities)).toEqual(['1', '2']);
      expect(loaded).not.toHaveProperty('inlinePending');
    });
  });

  it("keeps a commit's log lines in order, over several INSERTs, and only the latest Limits.logLinesKept of each run", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      store.commit('a', 0, { ...commitOf(stateOf('a'), markers(1, 1)), logs: logLines(1, 120) }); // 50 rows an INSERT: three of them
      store.commit('b', 1, { ...commitOf(stateOf('b'), markers(1, 1)), logs: logLines(1, 5) });
      const a = (await store.readLogs('a'));
      expect(messagesOf(a)).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i + 1}`));
      expect(a.map(({ seq }) => seq)).toEqual([...a.map(({ seq }) => seq)].sort((x, y) => x - y));

      // Past the bound, the oldest go: of 120 + 1 000 lines, the last 1 000; the other run keeps all of its own.
      store.commit('a', 0, withLogs('a', logLines(121, Limits.logLinesKept)));
      const kept = messagesOf((await store.readLogs('a')));
      expect(kept).toHaveLength(Limits.logLinesKept);
      expect(kept[0]).toBe('line 121');
      expect(kept.at(-1)).toBe(`line ${120 + Limits.logLinesKept}`);
      store.commit('a', 0, withLogs('a', logLines(2_000, 3)));
      const later = messagesOf((await store.readLogs('a')));
      expect([later.length, later[0], ...later.slice(-3)]).toEqual([Limits.logLinesKept, 'line 124', 'line 2000', 'line 2001', 'line 2002']);
      expect(messagesOf((await store.readLogs('b')))).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);

      // A later instance (after a restart) counts what is stored before it trims.
      const next = new SqlRunStore(state.storage);
      next.commit('a', 0, withLogs('a', logLines(3_000, 2)));
      const afterRestart = messagesOf(await next.readLogs('a'));
      expect([afterRestart.length, afterRestart[0], afterRestart.at(-1)]).toEqual([Limits.logLinesKept, 'line 126', 'line 3001']);
      next.commit('b', 1, withLogs('b', logLines(6, 1)));
      expect(messagesOf(await next.readLogs('b'))).toHaveLength(6);
    });
  });

  it("reads a run's lines after a seq, at most `limit`, and deleteRun removes them with the run", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      store.commit('a', 0, { ...commitOf(stateOf('a'), markers(1, 1)), logs: logLines(1, 10) });
      store.commit('b', 1, { ...commitOf(stateOf('b'), markers(1, 1)), logs: logLines(1, 2) });
      store.commit('a', 0, withLogs('a', logLines(11, 2)));
      const all = (await store.readLogs('a'));
      expect(messagesOf((await store.readLogs('a', all[3]!.seq, 4)))).toEqual(['line 5', 'line 6', 'line 7', 'line 8']);
      expect(messagesOf((await store.readLogs('a', all[9]!.seq)))).toEqual(['line 11', 'line 12']);
      expect(store.readLogs('a', all.at(-1)!.seq)).toEqual([]);

      store.deleteRun('a');
      expect((await store.readLogs('a'))).toEqual([]);
      expect(state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM run_logs WHERE run_id = 'a'").one().n).toBe(0);
      expect(messagesOf((await store.readLogs('b')))).toEqual(['line 1', 'line 2']);
    });
  });

  it("writes a run's next deadline with its row on every commit, and outside a commit only when it differs", async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const store = new SqlRunStore(state.storage);
      const row = () => state.storage.sql.exec<{ wake_at: number | null }>("SELECT wake_at FROM runs WHERE run_id = 'r'").one().wake_at;
      const commitWaking = (wakeAt: number | undefined, eventId: number) => store.commit('r', 0, { ...commitOf(stateOf('r'), markers(eventId, 1)), wakeAt });
      /** Rows `write` wrote, summed over its statements' cursors once it returned (the store reads its own results). */
      const rowsWritten = (write: () => void) => {
        const exec = state.storage.sql.exec.bind(state.storage.sql);
        const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
        state.storage.sql.exec = ((query: string, ...bindings: unknown[]) => {
          const cursor = exec(query, ...bindings);
          cursors.push(cursor);
          return cursor;
        }) as typeof exec;
        try {
          write();
        } finally {
          state.storage.sql.exec = exec;
        }
        return cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0);
      };
      const now = Date.now();
      commitWaking(now + 60_000, 1);
      expect(row()).toBe(now + 60_000);
      // A deadline that moves, later (each step of a chain of activities) or earlier, costs the commit no row: a
      // commit that moves it writes what one that keeps it writes.
      const kept = rowsWritten(() => commitWaking(now + 60_000, 2));
      expect(rowsWritten(() => commitWaking(now + 61_000, 3))).toBe(kept);
      expect(row()).toBe(now + 61_000);
      expect(rowsWritten(() => commitWaking(now + 30_000, 4))).toBe(kept);
      expect(row()).toBe(now + 30_000);
      expect(rowsWritten(() => commitWaking(undefined, 5))).toBe(kept);
      expect(row()).toBeNull();
      // Outside a commit (an instance loading the run, an alarm): written only where the row holds another time.
      expect(rowsWritten(() => store.setRunDeadline('r', undefined))).toBe(0);
      expect(rowsWritten(() => store.setRunDeadline('r', now + 5_000))).toBe(1);
      expect(row()).toBe(now + 5_000);
      // No finite time is no deadline: stored as none, never as a time the alarm could not be set to.
      commitWaking(Number.POSITIVE_INFINITY, 6);
      expect(row()).toBeNull();
      expect(store.earliestDeadline()).toBeUndefined();
    });
  });
});
