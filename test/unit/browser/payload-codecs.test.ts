// The browser host with payload codecs (docs/payloads.md, "Encryption at rest"), on fake-indexeddb: the same config
// as createDuro's; what IndexedDB holds has no payload in plaintext, values round-trip decoded, and keys rotate.
import { indexedDB, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from 'duro/workflow';
import { key, SECRET, tell } from '../../support/codec-keys';
import { aesGcmCodec, createBrowserDuro, type BrowserDuro, type PayloadCodec } from 'duro/browser';
import type { IdbDatabase } from '../../../src/browser/indexeddb-types';
import { IndexedDbRunStore } from '../../../src/browser/indexeddb-store';


const keeper = defineWorkflow('keeper', async (ctx, input: { secret: string }) => {
  ctx.upsertMemo({ note: input.secret });
  ctx.log.info(`keeping ${input.secret}`);
  const echoed = await ctx.proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '5s' }).echo(input.secret);
  let told: string | undefined;
  ctx.setHandler(tell, (text) => void (told = text));
  await ctx.condition(() => told !== undefined);
  return { echoed, told };
});

const opened: BrowserDuro[] = [];
afterEach(() => {
  for (const duro of opened.splice(0)) duro.close();
});

async function open(dbName: string, codecs: PayloadCodec[]): Promise<BrowserDuro> {
  const duro = await createBrowserDuro({ workflows: { keeper }, activities: { echo: async (text: string) => text }, dbName, indexedDB, IDBKeyRange, onError: () => undefined, payloads: { codecs } });
  opened.push(duro);
  return duro;
}

/** Every row of the database's object stores, bytes read as UTF-8: what someone with the disk would see. */
async function rawRows(dbName: string): Promise<string[]> {
  const db = await new Promise<IdbDatabase>((resolve, reject) => {
    const request = indexedDB.open(dbName);
    request.onsuccess = () => resolve(request.result as unknown as IdbDatabase);
    request.onerror = () => reject(request.error);
  });
  const texts: string[] = [];
  for (const name of ['events', 'runs', 'pending', 'logs', 'inbox']) {
    const rows = await new Promise<unknown[]>((resolve) => {
      const request = db.transaction([name], 'readonly').objectStore(name).getAll();
      request.onsuccess = () => resolve(request.result as unknown[]);
    });
    for (const row of rows) texts.push(JSON.stringify(row, (_key, value: unknown) => (value instanceof Uint8Array ? new TextDecoder().decode(value) : value)));
  }
  db.close();
  return texts;
}

describe('the browser host with payload codecs', () => {
  it('stores no payload in plaintext, shows values decoded, and reads old rows after a key rotation', async () => {
    const k1 = aesGcmCodec({ current: 'k1', keys: { k1: key(1) } });
    const first = await open('codecs-1', [k1]);
    const handle = await first.start(keeper, { workflowId: 'sealed', input: { secret: SECRET } });
    await handle.signal(tell, SECRET);
    expect(await handle.result()).toEqual({ echoed: SECRET, told: SECRET });
    const rows = await rawRows('codecs-1');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.filter((row) => row.includes(SECRET))).toEqual([]);
    expect(JSON.stringify(await handle.fetchHistory())).toContain(SECRET);
    first.close();

    // Rotated: k2 current, k1 retired; the history written under k1 still reads.
    const second = await open('codecs-1', [aesGcmCodec({ current: 'k2', keys: { k2: key(2), k1: key(1) } })]);
    expect(JSON.stringify(await second.getHandle('sealed').fetchHistory())).toContain(SECRET);
  });

  it('without codecs stores the values as they are (what the test above would find)', async () => {
    const duro = await open('codecs-2', []);
    const handle = await duro.start(keeper, { workflowId: 'plain', input: { secret: SECRET } });
    await handle.signal(tell, SECRET);
    await handle.result();
    expect((await rawRows('codecs-2')).some((row) => row.includes(SECRET))).toBe(true);
  });

  it('seals the messages queued between workflows (a child\'s input, signal arguments, outcomes) and reads them back', async () => {
    for (const [dbName, codecs, plaintext] of [['codecs-inbox', [aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })], false], ['codecs-inbox-plain', [], true]] as const) {
      const store = await IndexedDbRunStore.open(dbName, indexedDB, IDBKeyRange, codecs);
      const message = { kind: 'signal', args: [{ secret: SECRET }] };
      await store.putMessage('m-1', 'run-child', message);
      store.close();
      expect({ dbName, plaintext: (await rawRows(dbName)).some((row) => row.includes(SECRET)) }).toEqual({ dbName, plaintext });
      const reopened = await IndexedDbRunStore.open(dbName, indexedDB, IDBKeyRange, codecs);
      expect(await reopened.messagesTo('run-child')).toEqual([{ key: 'm-1', message }]);
      reopened.close();
    }
  });
});
