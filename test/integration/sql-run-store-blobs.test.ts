// The claim check in the SQLite run store (docs/payloads.md, "Large payloads"), with miniflare's R2: a history row over
// the threshold is put in the bucket before the transaction that references it; a crash in between leaves a blob the
// alarm deletes after the grace period, never a reference to nothing; retention queues a run's blobs and the drain
// deletes those no other run references, re-reading the references in its turn.
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { SqlRunStore, type StoreBlobs } from '../../durable-objects/sql-run-store';
import type { HistoryEvent } from '../../src/core/history';
import type { RunState } from '../../src/core/internals';
import { ORPHAN_GRACE_MS } from '../../src/core/payloads/blob-orphans';
import { PayloadUnavailableError } from '../../src/core/payloads/payload-unavailable';
import { RowBlobs } from '../../src/core/payloads/row-blobs';
import { R2BlobStore } from '../../durable-objects/r2-blob-store';

function stateOf(runId: string): RunState {
  return {
    workflowId: 'wf', runId, workflowType: 'hello', status: 'running', startTime: 1, nextEventId: 1, historySizeBytes: 0,
    memo: {}, searchAttributes: {}, activities: {}, timers: {}, children: {}, externals: {}, inFlightUpdates: [], signalRequestIds: {},
    cancelRequested: false, activationFailures: 0, completedUpdates: {},
  } as RunState;
}

/** A marker event whose JSON is about `chars` long: over the threshold from 128 KiB. */
const event = (eventId: number, chars: number, fill = 'x') => ({ type: 'MarkerRecorded', markerName: 'LocalActivity', seq: eventId, data: fill.repeat(chars), eventId, timestamp: 1 }) as unknown as HistoryEvent;
const commitOf = (runId: string, events: HistoryEvent[]) => ({ events, state: stateOf(runId), changes: [], wakeAt: undefined, attempts: [] });

function freshObject() {
  const namespace = env.WORKFLOW_EXECUTION as DurableObjectNamespace;
  return namespace.get(namespace.idFromName(`blobs-${crypto.randomUUID()}`));
}

/** A store over the bucket for workflow id `workflowId`, counting how often a commit held the object exclusively. */
function storeWithBlobs(storage: DurableObjectStorage, workflowId: string): { store: SqlRunStore; exclusive: { count: number } } {
  const exclusive = { count: 0 };
  const blobs: StoreBlobs = {
    rows: new RowBlobs(new R2BlobStore(env.DURO_BLOBS)),
    workflowId: () => workflowId,
    exclusive: (work) => {
      exclusive.count += 1;
      return work();
    },
  };
  return { store: new SqlRunStore(storage, undefined, blobs), exclusive };
}

const keysIn = (storage: DurableObjectStorage, table: 'row_blobs' | 'blob_deletes') => storage.sql.exec<{ key: string }>(`SELECT key FROM ${table} ORDER BY key`).toArray().map((row) => row.key);

describe('SqlRunStore with a blob store', () => {
  it('keeps a row over the threshold in R2 and its reference in the table; small rows stay inline, and the commit is synchronous without large ones', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const { store, exclusive } = storeWithBlobs(state.storage, `wf-${crypto.randomUUID()}`);
      expect(store.commit('r1', 0, commitOf('r1', [event(1, 100)]))).toBeUndefined(); // nothing large: as before
      await store.commit('r1', 0, commitOf('r1', [event(2, 200_000), event(3, 100)]));
      expect(exclusive.count).toBe(1);

      const rows = state.storage.sql.exec<{ event_id: number; inline: number }>('SELECT event_id, body IS NOT NULL AS inline FROM history ORDER BY event_id').toArray();
      expect(rows).toEqual([{ event_id: 1, inline: 1 }, { event_id: 2, inline: 0 }, { event_id: 3, inline: 1 }]);
      const [key] = keysIn(state.storage, 'row_blobs');
      expect((await env.DURO_BLOBS.head(key!))?.size).toBeGreaterThan(200_000);
      expect(keysIn(state.storage, 'blob_deletes')).toEqual([]); // the commit took its key off the queue

      const history = await store.readHistory('r1');
      expect(history.map((e) => (e as unknown as { data: string }).data.length)).toEqual([100, 200_000, 100]);
    });
  });

  it('leaves no reference when the transaction fails after the put, and deletes the orphan once the grace period has passed', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const { store } = storeWithBlobs(state.storage, `wf-${crypto.randomUUID()}`);
      const failing = store.commit('r1', 0, commitOf('r1', [event(1, 200_000)]), undefined, () => {
        throw new Error('the object was reset');
      });
      await expect(failing).rejects.toThrow('the object was reset');
      expect(state.storage.sql.exec('SELECT * FROM history').toArray()).toEqual([]);
      expect(keysIn(state.storage, 'row_blobs')).toEqual([]);
      const [orphan] = keysIn(state.storage, 'blob_deletes');
      expect(await env.DURO_BLOBS.head(orphan!)).not.toBeNull();
      // The alarm is armed for it (the store's earliest deadline), and spares it until the grace period has passed.
      const due = store.earliestDeadline()!;
      expect(due).toBeGreaterThan(Date.now() + ORPHAN_GRACE_MS - 60_000);
      expect(await store.collectBlobs(Date.now())).toBe(0);
      expect(await store.collectBlobs(due)).toBe(1);
      expect(await env.DURO_BLOBS.head(orphan!)).toBeNull();
      expect(keysIn(state.storage, 'blob_deletes')).toEqual([]);
      expect(store.earliestDeadline()).toBeUndefined();
    });
  });

  it('deletes a run\'s blobs with the run, keeping one another run still references, and a key committed again meanwhile', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const { store } = storeWithBlobs(state.storage, `wf-${crypto.randomUUID()}`);
      // The same event text in two runs is one blob (content-addressed under the workflow id).
      await store.commit('r1', 0, commitOf('r1', [event(1, 200_000, 'a'), event(2, 200_000, 'b')]));
      await store.commit('r2', 1, commitOf('r2', [event(1, 200_000, 'a')]));
      const [shared, own] = await Promise.all(['a', 'b'].map(async (fill) => (await state.storage.sql.exec<{ key: string }>(
        "SELECT key FROM row_blobs WHERE owner = ?", `h/r1/${fill === 'a' ? 1 : 2}`).one()).key));

      store.deleteRun('r1');
      expect(keysIn(state.storage, 'blob_deletes')).toEqual([own]);
      expect(await store.collectBlobs(Date.now())).toBe(1);
      expect(await env.DURO_BLOBS.head(own!)).toBeNull();
      expect(await env.DURO_BLOBS.head(shared!)).not.toBeNull();

      // r2 goes too: its key is queued; before the drain, a new run commits the same bytes again (same key).
      store.deleteRun('r2');
      expect(keysIn(state.storage, 'blob_deletes')).toEqual([shared]);
      await store.commit('r3', 2, commitOf('r3', [event(1, 200_000, 'a')]));
      expect(keysIn(state.storage, 'blob_deletes')).toEqual([]);
      expect(await store.collectBlobs(Date.now())).toBe(0);
      expect(((await store.readHistory('r3'))[0] as unknown as { data: string }).data).toBe('a'.repeat(200_000));
    });
  });

  it('collects what is left under the prefix once the object holds no run', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const workflowId = `wf-${crypto.randomUUID()}`;
      const { store } = storeWithBlobs(state.storage, workflowId);
      // A blob under the prefix that no table knows of (a put whose intent row was lost with an older version).
      const stray = await new RowBlobs(new R2BlobStore(env.DURO_BLOBS)).prepare(workflowId, 's'.repeat(200_000));
      await env.DURO_BLOBS.put(stray.reference.key, stray.bytes);
      await store.commit('r1', 0, commitOf('r1', [event(1, 200_000, 'r')]));
      expect(await store.collectBlobs(Date.now() + ORPHAN_GRACE_MS)).toBe(0); // a run is here: no listing
      store.deleteRun('r1');
      expect(await store.collectBlobs(Date.now() + ORPHAN_GRACE_MS)).toBe(2); // r1's blob, then the stray one
      expect(await env.DURO_BLOBS.head(stray.reference.key)).toBeNull();
    });
  });

  it('keeps a start event inline however large: every load of a run reads it', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const { store } = storeWithBlobs(state.storage, `wf-${crypto.randomUUID()}`);
      const started = { ...event(1, 200_000), type: 'WorkflowExecutionStarted' } as HistoryEvent;
      await store.commit('r1', 0, commitOf('r1', [started, event(2, 200_000)]));
      const rows = state.storage.sql.exec<{ event_id: number; inline: number }>('SELECT event_id, body IS NOT NULL OR chunks > 0 AS inline FROM history ORDER BY event_id').toArray();
      expect(rows).toEqual([{ event_id: 1, inline: 1 }, { event_id: 2, inline: 0 }]);
    });
  });

  it('reads a reference without a configured store as unavailable, not as an empty row', async () => {
    await runInDurableObject(freshObject(), async (_instance, state) => {
      const { store } = storeWithBlobs(state.storage, `wf-${crypto.randomUUID()}`);
      await store.commit('r1', 0, commitOf('r1', [event(1, 200_000)]));
      const error = await Promise.resolve().then(() => new SqlRunStore(state.storage).readHistory('r1')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PayloadUnavailableError);
      expect(error).toMatchObject({ problem: 'unconfigured' });
    });
  });
});
