// The test environment with payload codecs (docs/payloads.md, "Encryption at rest"): the same config as createDuro's,
// its memory store keeps sealed rows (no plaintext) and every read opens them, so a run with activities, signals,
// memo and logs round-trips through the pipeline production uses.
import { describe, expect, it } from 'vitest';
import { defineWorkflow } from 'duro/workflow';
import { key, SECRET, tell } from '../../support/codec-keys';
import { aesGcmCodec, TestWorkflowEnvironment } from 'duro/testing';


const keeper = defineWorkflow('keeper', async (ctx, input: { secret: string }) => {
  ctx.upsertMemo({ note: input.secret });
  ctx.log.info(`keeping ${input.secret}`);
  const { echo } = ctx.proxyActivities<{ echo(text: string): Promise<string> }>({ startToCloseTimeout: '5s' });
  const echoed = await echo(input.secret);
  let told: string | undefined;
  ctx.setHandler(tell, (text) => void (told = text));
  await ctx.condition(() => told !== undefined);
  await ctx.sleep('1 hour');
  return { echoed, told };
});

const activities = { echo: async (text: string) => text };

describe('the test environment with payload codecs', () => {
  it('keeps only sealed rows and shows decoded values', async () => {
    const env = await TestWorkflowEnvironment.create({
      workflows: { keeper }, activities,
      payloads: { codecs: [aesGcmCodec({ current: 'k1', keys: { k1: key(1) } })] },
    });
    const handle = await env.start(keeper, { workflowId: 'sealed', input: { secret: SECRET } });
    await handle.signal(tell, SECRET);
    expect(await handle.result()).toEqual({ echoed: SECRET, told: SECRET });

    const rows = env.store.storedRows();
    expect(rows.length).toBeGreaterThan(5);
    for (const [identity, row] of rows) {
      expect(row, identity).toBeInstanceOf(Uint8Array);
      expect(new TextDecoder().decode(row as Uint8Array), identity).not.toContain(SECRET);
    }
    expect(JSON.stringify(await handle.fetchHistory())).toContain(SECRET);
    expect((await handle.describe()).memo).toEqual({ note: SECRET });
    expect(JSON.stringify(await handle.logs())).toContain(SECRET);
  });

  it('without codecs keeps the JSON text (what the test above would find)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { keeper }, activities });
    const handle = await env.start(keeper, { workflowId: 'plain', input: { secret: SECRET } });
    await handle.signal(tell, SECRET);
    await handle.result();
    expect(env.store.storedRows().some(([, row]) => typeof row === 'string' && row.includes(SECRET))).toBe(true);
  });
});
