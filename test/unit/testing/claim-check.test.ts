// The claim check in the test environment (docs/testing.md, "Large payloads"): with `payloads.blobs`, the memory store
// keeps history rows over the threshold in the blob store and a reference in their place, payloads may exceed the
// 2 MiB limit, a blob lost behind Duro's back blocks the run until it is back, and deleting a run deletes its blobs.
import { describe, expect, it } from 'vitest';
import { ActivityFailure, PayloadError, WorkflowFailedError, defineQuery, defineWorkflow } from 'duro/workflow';
import { aesGcmCodec, MemoryBlobStore, TestWorkflowEnvironment, type BlobReference, type PayloadBlobStore } from 'duro/testing';
import { key, SECRET, tell } from '../../support/codec-keys';

const MiB = 1024 * 1024;

/** `size` characters of `fill` repeated: what the activities return and the workflow checks it received. */
const bulkOf = ({ size, fill }: { size: number; fill: string }) => fill.repeat(Math.ceil(size / fill.length)).slice(0, size);

const activities = { bulkText: async (input: { size: number; fill: string }) => bulkOf(input) };
type Activities = typeof activities;

const measured = defineQuery<{ length: number; intact: boolean }>('measured');

/** Takes a large result (from an activity, or a local one), answers what it measured, and waits for `tell`. */
const largeResult = defineWorkflow('largeResult', async (ctx, input: { size: number; fill: string; local?: boolean }) => {
  const options = { startToCloseTimeout: '60s' } as const;
  const { bulkText } = input.local ? ctx.proxyLocalActivities<Activities>(options) : ctx.proxyActivities<Activities>(options);
  const text = await bulkText({ size: input.size, fill: input.fill });
  const result = { length: text.length, intact: text === bulkOf(input) };
  ctx.setHandler(measured, () => result);
  const told: string[] = [];
  ctx.setHandler(tell, (said) => void told.push(said.length > 100 ? `${said.length} characters` : said));
  await ctx.condition(() => told.length > 0);
  return { ...result, told };
});

/** Takes a large input and returns its length. */
const largeInput = defineWorkflow('largeInput', async (_ctx, input: { text: string }) => input.text.length);

const workflows = { largeResult, largeInput };

async function keysIn(store: PayloadBlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of store.list('wf/')) keys.push(blob.key);
  return keys;
}

function referencesIn(env: TestWorkflowEnvironment): Array<[identity: string, reference: BlobReference]> {
  return env.store.storedRows().flatMap(([identity, row]) => (typeof row === 'object' && !(row instanceof Uint8Array) ? [[identity, row] as [string, BlobReference]] : []));
}

describe('the claim check in the test environment', () => {
  it('keeps a 3 MiB activity result in the blob store, history holding its reference; workflow code gets it intact, live and on replay', async () => {
    const blobs = new MemoryBlobStore();
    const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { blobs } });
    const size = 3 * MiB;
    const handle = await env.start(largeResult, { workflowId: 'large', input: { size, fill: 'abcdefg' } });
    await env.sleep('1s');
    expect(await handle.query(measured)).toEqual({ length: size, intact: true });

    const keys = await keysIn(blobs);
    expect(keys).toHaveLength(1);
    const references = referencesIn(env);
    expect(references).toHaveLength(1);
    const [identity, reference] = references[0]!;
    expect(reference.key).toBe(keys[0]);
    expect(reference.size).toBeGreaterThan(size);
    expect(new TextDecoder().decode(await blobs.get(reference.key))).toContain('abcdefgabcdefg'); // no codecs: the row's text
    // The row in the reference's place is the activity's completion; no row kept inline holds the value.
    const history = await handle.fetchHistory();
    expect(history[Number(identity.split('/').at(-1)) - 1]?.type).toBe('ActivityTaskCompleted');
    expect(env.store.storedRows().every(([, row]) => typeof row !== 'string' || row.length < 128 * 1024)).toBe(true);

    env.evict(); // the next input replays: the result comes back from the blob store
    expect(await handle.query(measured)).toEqual({ length: size, intact: true });
    await handle.signal(tell, 'done');
    expect(await handle.result()).toEqual({ length: size, intact: true, told: ['done'] });
  });

  it('accepts a 3 MiB workflow input, signal and local activity result; the signal and the marker kept as blobs, the start event inline', async () => {
    const blobs = new MemoryBlobStore();
    const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { blobs, blobThresholdBytes: 64 * 1024 } });
    expect(await env.execute(largeInput, { workflowId: 'input', input: { text: 'x'.repeat(3 * MiB) } })).toBe(3 * MiB);

    const handle = await env.start(largeResult, { workflowId: 'local', input: { size: 3 * MiB, fill: 'local', local: true } });
    await handle.signal(tell, 'y'.repeat(3 * MiB));
    expect(await handle.result()).toEqual({ length: 3 * MiB, intact: true, told: [`${3 * MiB} characters`] });
    // The local activity's marker and the signal. Never a start event: every load of a run reads it (history-size.ts).
    expect(await keysIn(blobs)).toHaveLength(2);
    expect(referencesIn(env).map(([identity]) => identity)).not.toContain(expect.stringMatching(/^h\/[^/]+\/1$/));
  });

  it('tells workflow code the same history size live and on replay, counting every event whole; the limit counts references', async () => {
    const sized = defineWorkflow('sized', async (ctx) => {
      const { bulkText } = ctx.proxyActivities<Activities>({ startToCloseTimeout: '60s' });
      await bulkText({ size: 300_000, fill: 'z' });
      const seen = ctx.info().historySizeBytes;
      ctx.setHandler(defineQuery<number>('seen'), () => seen);
      await ctx.condition(() => false);
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { sized }, activities, payloads: { blobs: new MemoryBlobStore() } });
    const handle = await env.start(sized, { workflowId: 'sized' });
    await env.sleep('1s');
    const live = await handle.query(defineQuery<number>('seen'));
    expect(live).toBeGreaterThan(300_000); // the 300 kB result counts whole, though stored as a reference
    env.evict();
    expect(await handle.query(defineQuery<number>('seen'))).toBe(live);
    const state = (await env.store.forWorkflow('sized').loadState((await handle.describe()).runId))!;
    expect(state.historyStoredBytes).toBeLessThan(10_000);
    expect(state.historySizeBytes).toBeGreaterThan(300_000);
  });

  it('with codecs, keeps the blob sealed: its bytes hold no plaintext', async () => {
    const blobs = new MemoryBlobStore();
    const env = await TestWorkflowEnvironment.create({
      workflows, activities,
      payloads: { blobs, codecs: [aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })] },
    });
    const handle = await env.start(largeResult, { workflowId: 'sealed', input: { size: 300_000, fill: SECRET } });
    await handle.signal(tell, 'done');
    expect(await handle.result()).toEqual({ length: 300_000, intact: true, told: ['done'] });

    const keys = await keysIn(blobs);
    expect(keys).toHaveLength(1);
    const bytes = (await blobs.get(keys[0]!))!;
    expect(bytes.length).toBeGreaterThan(300_000);
    expect(new TextDecoder().decode(bytes)).not.toContain(SECRET);
  });

  it('blocks a run whose blob was deleted behind its back, naming the blob, and goes on once it is put back', async () => {
    const blobs = new MemoryBlobStore();
    const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { blobs } });
    const handle = await env.start(largeResult, { workflowId: 'lost', input: { size: 300_000, fill: 'xyz' } });
    await env.sleep('1s');
    const [, reference] = referencesIn(env)[0]!;
    const bytes = (await blobs.get(reference.key))!;
    await blobs.delete([reference.key]);

    env.evict(); // the signal needs the workflow again: it replays, and finds the blob missing
    await handle.signal(tell, 'after');
    const blocked = await handle.describe();
    expect(blocked.status).toBe('running');
    expect(blocked.blockedReason).toContain(reference.key);
    expect(blocked.blockedReason).toMatch(/missing from the blob store; the run waits until it is restored/);

    await blobs.put(reference.key, bytes, reference.sha256);
    expect(await handle.result()).toEqual({ length: 300_000, intact: true, told: ['after'] });
    expect((await handle.describe()).blockedReason).toBeUndefined();
  });

  it('without a blob store, still fails a 3 MiB activity result and refuses a 3 MiB input (the 2 MiB limit)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows, activities });
    const handle = await env.start(largeResult, { workflowId: 'inline', input: { size: 3 * MiB, fill: 'abc' } });
    const error = (await handle.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(error.cause).toBeInstanceOf(ActivityFailure);
    expect(error.cause.cause).toMatchObject({ type: 'PayloadTooLarge', nonRetryable: true, message: expect.stringContaining('over the 2097152-byte (2 MiB) payload limit') });

    await expect(env.start(largeInput, { input: { text: 'x'.repeat(3 * MiB) } })).rejects.toThrow(PayloadError);
  });

  it('writes nothing of a commit whose put the blob store refuses', async () => {
    class Unreachable extends MemoryBlobStore {
      override async put(): Promise<void> {
        throw new Error('blob store unreachable');
      }
    }
    const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { blobs: new Unreachable() } });
    // The run is ahead of storage after a failed commit: what waits on it gets the error (a host reloads it).
    const outcome = env.start(largeResult, { workflowId: 'refused', input: { size: 300_000, fill: 'abc' } }).then((handle) => handle.result());
    await expect(outcome).rejects.toThrow('blob store unreachable');
    const [runId] = env.store.runIds();
    const stored = await env.store.readHistory(runId!);
    expect(stored.map((event) => event.type)).toContain('ActivityTaskScheduled');
    expect(stored.map((event) => event.type)).not.toContain('ActivityTaskCompleted');
    expect(referencesIn(env)).toEqual([]);
  });

  it('deletes the blobs of a run when the run is deleted', async () => {
    const blobs = new MemoryBlobStore();
    const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { blobs } });
    const handle = await env.start(largeResult, { workflowId: 'kept', input: { size: 300_000, fill: 'abc' } });
    await handle.signal(tell, 'done');
    await handle.result();
    expect(await keysIn(blobs)).toHaveLength(1);

    // What retention (or a terminate of a run that cannot be loaded) does through the store.
    await env.store.forWorkflow('kept').deleteRun(handle.runId);
    expect(await keysIn(blobs)).toEqual([]);
  });

  it('refuses a blob threshold out of range', async () => {
    await expect(TestWorkflowEnvironment.create({ payloads: { blobs: new MemoryBlobStore(), blobThresholdBytes: 10 } })).rejects.toThrow(/payloads.blobThresholdBytes must be an integer from 1024/);
    await expect(TestWorkflowEnvironment.create({ payloads: { blobThresholdBytes: 3 * MiB } })).rejects.toThrow(TypeError);
  });
});

describe('what leaves the object, with a blob store', () => {
  it('holds a child\'s input and memo together to what an RPC carries (15 MiB), as its start crosses one', async () => {
    const child = defineWorkflow('child', async (_ctx, input: string) => input.length);
    const parent = defineWorkflow('parent', async (ctx, sizes: { input: number; memo: number }) => {
      try {
        return await ctx.executeChild(child, { input: 'i'.repeat(sizes.input), memo: { note: 'm'.repeat(sizes.memo) } });
      } catch (error) {
        return (error as Error).message;
      }
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { parent, child }, payloads: { blobs: new MemoryBlobStore() } });
    expect(await env.execute(parent, { input: { input: 4 * MiB, memo: 4 * MiB } })).toBe(4 * MiB);
    expect(await env.execute(parent, { input: { input: 10 * MiB, memo: 6 * MiB } })).toMatch(/Input and memo of child workflow 'child' is \d+ bytes, over the 15728640-byte \(15 MiB\) payload limit/);
  });
});
