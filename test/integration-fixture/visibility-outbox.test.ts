// The execution object's Visibility outbox on a real object and a real shard: the shard applies each message number
// once, so numbers must keep growing after the outbox drains, in this instance and in the next (schema.ts: the last
// acknowledged row stays, bodiless, instead of an AUTOINCREMENT counter).
import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect, it } from 'vitest';
import { VisibilityOutbox } from '../../durable-objects/visibility-outbox';
import { shardOf } from '../../src/visibility/shard';
import type { VisibilityMessage } from '../../src/visibility/record';
import { executionStub, uniqueId } from './helpers';

const SHARDS = 4;
const target = () => ({ namespace: env.VISIBILITY as DurableObjectNamespace, shards: SHARDS });

function upsert(workflowId: string, status: 'running' | 'completed'): VisibilityMessage {
  const execution = { workflowId, runId: `${workflowId}-run`, workflowType: 'probe', status, startTime: 1, memo: {}, searchAttributes: {}, ...(status === 'completed' && { closeTime: 2 }) };
  return { kind: 'upsert', execution } as VisibilityMessage;
}

/** What the shard holds of `workflowId`'s run, and the last message number it applied from `sender`. */
function shardView(workflowId: string, sender: string) {
  const namespace = env.VISIBILITY as DurableObjectNamespace;
  return runInDurableObject(namespace.get(namespace.idFromName(`visibility-${shardOf(workflowId, SHARDS)}`)), (_instance, state) => ({
    status: state.storage.sql.exec<{ status: string }>('SELECT status FROM executions WHERE run_id = ?', `${workflowId}-run`).toArray()[0]?.status,
    appliedSeq: state.storage.sql.exec<{ applied_seq: number }>('SELECT applied_seq FROM senders WHERE workflow_id = ?', sender).toArray()[0]?.applied_seq,
  }));
}

it('numbers a message after the last one acknowledged once the outbox has drained, also in a new instance', async () => {
  const workflowId = uniqueId('outbox-numbers');
  const stub = executionStub(workflowId);
  const rowsOf = (storage: DurableObjectStorage) => storage.sql.exec<{ seq: number; body: string | null }>('SELECT seq, body FROM visibility_outbox ORDER BY seq').toArray();
  const sender = await runInDurableObject(stub, async (_instance, state) => {
    const outbox = new VisibilityOutbox(state.storage);
    state.storage.transactionSync(() => outbox.enqueue(workflowId, [upsert(workflowId, 'running')], SHARDS));
    state.storage.transactionSync(() => outbox.enqueue(workflowId, [upsert(workflowId, 'running')], SHARDS));
    await outbox.flush(target());
    expect(outbox.hasPending()).toBe(false);
    // Drained: only the last acknowledged row is left, without its body.
    expect(rowsOf(state.storage)).toEqual([{ seq: 2, body: null }]);
    return state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'visibility'").one().value.replace(/^\d+:/, '');
  });
  expect(await shardView(workflowId, sender)).toEqual({ status: 'running', appliedSeq: 2 });

  await runInDurableObject(stub, async (_instance, state) => {
    // A new instance, which knows nothing of what was sent: its next message is number 3, which the shard applies.
    const outbox = new VisibilityOutbox(state.storage);
    expect(outbox.hasPending()).toBe(false);
    state.storage.transactionSync(() => outbox.enqueue(workflowId, [upsert(workflowId, 'completed')], SHARDS));
    expect(rowsOf(state.storage).map((row) => row.seq)).toEqual([2, 3]);
    expect(outbox.hasPending()).toBe(true);
    await outbox.flush(target());
    expect(rowsOf(state.storage)).toEqual([{ seq: 3, body: null }]);
  });
  expect(await shardView(workflowId, sender)).toEqual({ status: 'completed', appliedSeq: 3 });
});
