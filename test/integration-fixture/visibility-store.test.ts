// A Visibility shard's SQLite: a delivery that carries several upserts of one run (a short run's start and close go
// together) writes only the last one, and leaves the index and /metrics as the same messages applied one by one do.
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { VisibilityStore } from '../../durable-objects/visibility-store';
import type { ExecutionRecord, SequencedMessage, VisibilityMessage } from '../../src/visibility/record';
import { uniqueId } from './helpers';

/** A shard of its own (a fresh object of the fixture's Visibility class, migrated by its constructor). */
function freshShard() {
  const namespace = env.VISIBILITY as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(uniqueId('shard')));
}

const record = (runId: string, status: string, searchAttributes: Record<string, unknown> = {}): ExecutionRecord => ({
  workflowId: `wf-${runId}`, runId, workflowType: 'probe', status, startTime: 1_000, ...(status !== 'running' && { closeTime: 3_500 }), memo: {}, searchAttributes,
}) as ExecutionRecord;
const upsert = (runId: string, status: string, searchAttributes?: Record<string, unknown>): VisibilityMessage => ({ kind: 'upsert', execution: record(runId, status, searchAttributes) });
const gauges = (runId: string, pendingActivities: number): VisibilityMessage => ({ kind: 'gauges', runs: [{ runId, workflowType: 'probe', pendingActivities, pendingTimers: 0, blocked: false }] });
const remove = (runId: string): VisibilityMessage => ({ kind: 'remove', workflowId: `wf-${runId}`, runId });

/** Everything the shard holds of runs and metrics, in a stable order. */
function contentsOf(sql: SqlStorage) {
  const all = (query: string) => sql.exec(query).toArray();
  return {
    executions: all('SELECT run_id, status, close_time, record FROM executions ORDER BY run_id'),
    search: all('SELECT name, value, run_id FROM search_index ORDER BY run_id, name, value'),
    gauges: all('SELECT * FROM run_gauges ORDER BY run_id'),
    counters: all('SELECT series, name, value FROM counters ORDER BY series'),
    histograms: all('SELECT series, buckets, sum, count FROM histograms ORDER BY series'),
  };
}

/** Applies `messages` (numbered 1, 2, …) in one delivery, and one delivery per message on another shard; returns both. */
async function appliedBothWays(messages: VisibilityMessage[]) {
  const numbered = messages.map((message, i) => ({ ...message, seq: i + 1 }) as SequencedMessage);
  const together = await runInDurableObject(freshShard(), async (_instance, state) => {
    expect(await new VisibilityStore(state.storage).apply('sender', numbered)).toBe(numbered.length);
    return contentsOf(state.storage.sql);
  });
  const apart = await runInDurableObject(freshShard(), async (_instance, state) => {
    const store = new VisibilityStore(state.storage);
    for (const message of numbered) await store.apply('sender', [message]);
    return contentsOf(state.storage.sql);
  });
  return { together, apart };
}

/** The storage with every statement recorded: what a delivery writes, statement by statement. */
function recording(storage: DurableObjectStorage, statements: string[]): DurableObjectStorage {
  const sql = new Proxy(storage.sql, {
    get(target, key) {
      if (key !== 'exec') return Reflect.get(target, key, target) as unknown;
      return (query: string, ...bindings: unknown[]) => {
        statements.push(query.replace(/\s+/g, ' ').trim());
        return target.exec(query, ...bindings);
      };
    },
  });
  return { sql, transactionSync: <T>(work: () => T) => storage.transactionSync(work) } as unknown as DurableObjectStorage;
}

describe('a Visibility delivery with several upserts of one run', () => {
  it('writes a new run once, with nothing of it to delete first', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      const statements: string[] = [];
      const messages = [upsert('r1', 'running', { tag: 'a' }), upsert('r1', 'completed')].map((message, i) => ({ ...message, seq: i + 1 }) as SequencedMessage);
      await new VisibilityStore(recording(state.storage, statements)).apply('sender', messages);
      expect(statements.filter((statement) => statement.startsWith('INSERT INTO executions'))).toHaveLength(1);
      expect(statements.filter((statement) => statement.startsWith('DELETE'))).toEqual([]);
      expect(contentsOf(state.storage.sql).executions).toEqual([expect.objectContaining({ run_id: 'r1', status: 'completed' })]);
    });
  });

  it('writes the last record, and counts the start, the close and its duration as one by one', async () => {
    const { together, apart } = await appliedBothWays([upsert('r1', 'running', { tag: 'a' }), upsert('r1', 'completed', { tag: ['b', 'c'] })]);
    expect(together).toEqual(apart);
    expect(together.executions).toEqual([expect.objectContaining({ run_id: 'r1', status: 'completed', close_time: 3_500 })]);
    expect(together.search.map((row) => row.value)).toEqual(['b', 'c']);
    const counter = (name: string) => together.counters.filter((row) => row.name === name).map((row) => row.value);
    expect(counter('duro_workflows_started_total')).toEqual([1]);
    expect(counter('duro_workflows_closed_total')).toEqual([1]);
    expect(together.histograms.map((row) => row.count)).toEqual([1]);
    expect(together.histograms[0]!.sum).toBeCloseTo(2.5);
  });

  it('clears gauges written between the upserts, and counts a run already indexed once', async () => {
    const { together, apart } = await appliedBothWays([upsert('r1', 'running'), gauges('r1', 2), upsert('r1', 'running', { tag: 'x' }), upsert('r1', 'failed')]);
    expect(together).toEqual(apart);
    expect(together.gauges).toEqual([]);
    expect(together.search).toEqual([]);
    expect(together.executions).toEqual([expect.objectContaining({ status: 'failed' })]);
  });

  it('keeps the order of a removal between two upserts of the same run', async () => {
    const { together, apart } = await appliedBothWays([upsert('r1', 'running', { tag: 'a' }), upsert('r2', 'running'), remove('r1'), upsert('r1', 'completed'), upsert('r2', 'completed', { tag: 'z' })]);
    expect(together).toEqual(apart);
    expect(together.executions.map((row) => [row.run_id, row.status])).toEqual([['r1', 'completed'], ['r2', 'completed']]);
    expect(together.search).toEqual([{ name: 'tag', value: 'z', run_id: 'r2' }]);
  });

  it('applies over an index that held the run already, replacing its search and gauge rows', async () => {
    const shard = freshShard();
    await runInDurableObject(shard, async (_instance, state) => {
      const store = new VisibilityStore(state.storage);
      await store.apply('sender', [{ ...upsert('r1', 'running', { tag: 'old' }), seq: 1 }, { ...gauges('r1', 1), seq: 2 }] as SequencedMessage[]);
      await store.apply('sender', [{ ...upsert('r1', 'running', { tag: 'mid' }), seq: 3 }, { ...upsert('r1', 'completed'), seq: 4 }] as SequencedMessage[]);
      const contents = contentsOf(state.storage.sql);
      expect(contents.search).toEqual([]);
      expect(contents.gauges).toEqual([]);
      expect(contents.counters.filter((row) => row.name === 'duro_workflows_started_total').map((row) => row.value)).toEqual([1]);
    });
  });
});

describe('deliveries of several executions applied together (applyAll)', () => {
  const deliveries = () => ['a', 'b', 'c'].map((sender) => ({
    sender,
    messages: [upsert(`${sender}-run`, 'running'), upsert(`${sender}-run`, 'completed')].map((message, i) => ({ ...message, seq: i + 1 }) as SequencedMessage),
  }));

  it('leaves the shard as the same deliveries applied one by one, with one write per metric series', async () => {
    const together = await runInDurableObject(freshShard(), async (_instance, state) => {
      const statements: string[] = [];
      expect(await new VisibilityStore(recording(state.storage, statements)).applyAll(deliveries())).toEqual([2, 2, 2]);
      // Three runs of one type: the started and closed counters and the duration histogram are written once each.
      expect(statements.filter((statement) => statement.startsWith('INSERT INTO counters'))).toHaveLength(2);
      expect(statements.filter((statement) => statement.startsWith('INSERT INTO histograms'))).toHaveLength(1);
      return contentsOf(state.storage.sql);
    });
    const apart = await runInDurableObject(freshShard(), async (_instance, state) => {
      const store = new VisibilityStore(state.storage);
      for (const delivery of deliveries()) await store.apply(delivery.sender, delivery.messages);
      return contentsOf(state.storage.sql);
    });
    expect(together).toEqual(apart);
    expect(together.counters.filter((row) => row.name === 'duro_workflows_started_total').map((row) => row.value)).toEqual([3]);
  });

  it('applies a re-sent delivery as nothing, writing nothing for its sender', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      const store = new VisibilityStore(state.storage);
      await store.applyAll(deliveries());
      const statements: string[] = [];
      expect(await new VisibilityStore(recording(state.storage, statements)).applyAll(deliveries().slice(0, 1))).toEqual([2]);
      expect(statements.filter((statement) => !statement.startsWith('SELECT'))).toEqual([]);
    });
  });
});

describe('senders quiet for long (forgetQuietSenders)', () => {
  const DAY = 24 * 60 * 60_000;
  const numbered = (messages: VisibilityMessage[], from = 1) => messages.map((message, i) => ({ ...message, seq: from + i }) as SequencedMessage);
  const senders = (sql: SqlStorage) => sql.exec<{ workflow_id: string; applied_seq: number; applied_at: number | null }>('SELECT workflow_id, applied_seq, applied_at FROM senders ORDER BY workflow_id').toArray();

  it('forgets a sender whose messages were last applied before the quiet time, and keeps one heard from since', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      let now = 1_000;
      const store = new VisibilityStore(state.storage, undefined, () => now);
      await store.apply('quiet', numbered([upsert('q1', 'completed')]));
      now += 5 * DAY;
      await store.apply('recent', numbered([upsert('r1', 'running')]));
      // Re-sent messages write nothing, so they do not count as heard from.
      now += 2 * DAY + 1;
      await store.apply('quiet', numbered([upsert('q1', 'completed')]));
      expect(store.forgetQuietSenders(now - 7 * DAY, 100)).toBe('');
      expect(senders(state.storage.sql)).toEqual([{ workflow_id: 'recent', applied_seq: 1, applied_at: 1_000 + 5 * DAY }]);
      // The index itself is untouched: only the memory of what was applied goes.
      expect(contentsOf(state.storage.sql).executions.map((row) => row.run_id)).toEqual(['q1', 'r1']);
    });
  });

  it('goes over the table a page at a time, across restarts, and starts again from the beginning after its end', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      let now = 1_000;
      const store = new VisibilityStore(state.storage, undefined, () => now);
      await store.applyAll(['a', 'b', 'c', 'd', 'e'].map((sender) => ({ sender, messages: numbered([gauges(`${sender}-run`, 1)]) })));
      now += 8 * DAY;
      await store.apply('c', numbered([gauges('c-run', 2)], 2)); // heard from again
      const quietSince = now - 7 * DAY;
      expect(store.forgetQuietSenders(quietSince, 2)).toBe('b');
      expect(senders(state.storage.sql).map((row) => row.workflow_id)).toEqual(['c', 'd', 'e']);
      // A new instance (a restarted shard) goes on from where the last page ended, not from the beginning.
      const restarted = new VisibilityStore(state.storage, undefined, () => now);
      expect(restarted.forgetQuietSenders(quietSince, 2)).toBe('d');
      expect(restarted.forgetQuietSenders(quietSince, 2)).toBe('');
      expect(senders(state.storage.sql).map((row) => row.workflow_id)).toEqual(['c']);
      expect(restarted.forgetQuietSenders(quietSince, 2)).toBe('');
    });
  });

  it('counts the quiet time of a sender stored before the shard recorded it (schema 2) from the first look', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      let now = 50 * DAY;
      const store = new VisibilityStore(state.storage, undefined, () => now);
      state.storage.sql.exec('INSERT INTO senders (workflow_id, applied_seq, applied_at) VALUES (?, ?, NULL)', 'old', 4);
      expect(store.forgetQuietSenders(now - 7 * DAY, 100)).toBe('');
      expect(senders(state.storage.sql)).toEqual([{ workflow_id: 'old', applied_seq: 4, applied_at: 50 * DAY }]);
      now += 7 * DAY;
      store.forgetQuietSenders(now - 7 * DAY, 100);
      expect(senders(state.storage.sql)).toHaveLength(1); // exactly the quiet time: not yet
      now += 1;
      store.forgetQuietSenders(now - 7 * DAY, 100);
      expect(senders(state.storage.sql)).toEqual([]);
    });
  });

  it('applies what a forgotten sender sends next, and numbers it from there', async () => {
    await runInDurableObject(freshShard(), async (_instance, state) => {
      let now = 1_000;
      const store = new VisibilityStore(state.storage, undefined, () => now);
      await store.apply('s', numbered([upsert('s1', 'running')]));
      now += 8 * DAY;
      store.forgetQuietSenders(now - 7 * DAY, 100);
      expect(senders(state.storage.sql)).toEqual([]);
      // The sender's outbox numbers on from its last message: the next ones are new, and applied.
      expect(await store.apply('s', numbered([upsert('s1', 'completed')], 2))).toBe(2);
      expect(contentsOf(state.storage.sql).executions).toEqual([expect.objectContaining({ run_id: 's1', status: 'completed' })]);
      expect(await store.apply('s', numbered([upsert('s1', 'completed')], 2))).toBe(2); // and a re-send of them is not
      expect(senders(state.storage.sql)).toEqual([{ workflow_id: 's', applied_seq: 2, applied_at: now }]);
    });
  });
});
