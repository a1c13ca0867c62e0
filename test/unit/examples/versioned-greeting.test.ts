// examples/versioned-greeting.ts: a change guarded by ctx.patched replays histories of version 1, the same change
// without the guard does not, and ctx.deprecatePatch is the next step once no version-1 run is open.
//
// The fixture test/fixtures/histories/versioned-greeting-v1.json is recorded by version 1 in this file's first test;
// re-record it with `RECORD_HISTORIES=1 npx vitest run --project unit test/unit/examples/versioned-greeting.test.ts`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NonDeterminismError, defineWorkflow, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';
import { runCli } from '../../../client/cli';
import * as examples from '../../../examples';
import * as v1 from '../../../examples/versioned-greeting-v1';
import { TRANSLATE_PATCH, versionedGreeting, versionedGreetingActivities, type VersionedGreetingInput } from '../../../examples/versioned-greeting';

const FIXTURE = new URL('../../fixtures/histories/versioned-greeting-v1.json', import.meta.url);
const FIXTURE_PATH = fileURLToPath(FIXTURE);
const fixture = (): HistoryEvent[] => JSON.parse(readFileSync(FIXTURE, 'utf8')) as HistoryEvent[];

/** Event types, with the activity each activity event is about: what replay compares, without ids and times. */
const shape = (history: HistoryEvent[]) => history.map((e) => (e.type === 'ActivityTaskScheduled' ? `${e.type}(${e.activityType})` : e.type));
const patchMarkers = (history: HistoryEvent[]) => history.filter((e) => e.type === 'MarkerRecorded' && e.markerName === 'Patch');

async function record(workflows: Record<string, unknown>, input: VersionedGreetingInput): Promise<HistoryEvent[]> {
  const env = await TestWorkflowEnvironment.create({ workflows, activities: versionedGreetingActivities, startTime: Date.UTC(2026, 0, 1) });
  const handle = await env.start('versionedGreeting', { workflowId: 'greeting-v1', input });
  await handle.result();
  return handle.fetchHistory();
}

/** The change made carelessly: translate unconditionally, without ctx.patched. */
const unpatched = defineWorkflow('versionedGreeting', async (ctx, input: VersionedGreetingInput = {}) => {
  const { writeGreeting, translateGreeting, sendGreeting } = ctx.proxyActivities<typeof versionedGreetingActivities>({ startToCloseTimeout: '10s' });
  const greeting = await writeGreeting({ name: input.name ?? 'world' });
  const message = await translateGreeting({ greeting, language: input.language ?? 'fr' });
  await ctx.sleep(input.delay ?? '30s');
  return { message: await sendGreeting({ message }), translated: true };
});

/** Step 2 of the migration, once no version-1 run is open: keep recording the marker, drop the old branch. */
const deprecated = defineWorkflow('versionedGreeting', async (ctx, input: VersionedGreetingInput = {}) => {
  const { writeGreeting, translateGreeting, sendGreeting } = ctx.proxyActivities<typeof versionedGreetingActivities>({ startToCloseTimeout: '10s' });
  const greeting = await writeGreeting({ name: input.name ?? 'world' });
  ctx.deprecatePatch(TRANSLATE_PATCH);
  const message = await translateGreeting({ greeting, language: input.language ?? 'fr' });
  await ctx.sleep(input.delay ?? '30s');
  return { message: await sendGreeting({ message }), translated: true };
});

describe('versionedGreeting', () => {
  it('has a version-1 fixture that is what version 1 records', async () => {
    const history = await record(v1, { name: 'Ada', delay: '1 minute' });
    if (process.env.RECORD_HISTORIES) writeFileSync(FIXTURE, `${JSON.stringify(history, null, 2)}\n`);
    expect(shape(fixture())).toEqual(shape(history));
    expect(shape(history)).toEqual([
      'WorkflowExecutionStarted', 'ActivityTaskScheduled(writeGreeting)', 'WorkflowTaskCompleted', 'ActivityTaskStarted', 'ActivityTaskCompleted',
      'TimerStarted', 'WorkflowTaskCompleted', 'TimerFired', 'ActivityTaskScheduled(sendGreeting)', 'WorkflowTaskCompleted',
      'ActivityTaskStarted', 'ActivityTaskCompleted', 'WorkflowExecutionCompleted',
    ]);
  });

  it('takes the translating path in new runs and records a Patch marker', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: examples, activities: examples.activities });
    const handle = await env.start(versionedGreeting, { input: { name: 'Ada', language: 'de', delay: '1 day' } });
    expect(await handle.result()).toEqual({ message: 'Hallo, Ada!', translated: true });
    expect(patchMarkers(await handle.fetchHistory())).toMatchObject([{ data: { patchId: TRANSLATE_PATCH, deprecated: false } }]);
  });

  it('runs with demo defaults when given nothing', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: examples, activities: examples.activities });
    expect(await env.execute(versionedGreeting, { input: {} })).toEqual({ message: 'Bonjour, world!', translated: true });
  });

  it('replays the version-1 history with the current code (the Worker\'s own registration)', async () => {
    await expect(replayHistory(examples, fixture())).resolves.toBeUndefined();
  });

  it('refuses to replay the version-1 history with the same change made without ctx.patched', async () => {
    const error = await replayHistory([unpatched], fixture()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as NonDeterminismError).diff).toMatchObject({ expected: expect.stringContaining('translateGreeting'), recorded: expect.stringContaining('TimerStarted') });
  });

  it('lets a run that passed the patch point under version 1 finish on its old path after the deploy', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: v1, activities: versionedGreetingActivities });
    const old = await env.start('versionedGreeting', { workflowId: 'started-on-v1', input: { name: 'Ada', delay: '1 hour' } });
    await env.sleep('10 minutes'); // wrote its greeting; sleeping

    env.deploy({ workflows: examples, activities: examples.activities, codeVersion: 'v2' });
    env.evict(); // the next input replays its history with the current code
    const fresh = await env.start(versionedGreeting, { workflowId: 'started-on-v2', input: { name: 'Ada', delay: '1 hour' } });

    expect(await old.result()).toEqual({ message: 'Hello, Ada!', translated: false });
    expect(await fresh.result()).toEqual({ message: 'Bonjour, Ada!', translated: true });
    expect(patchMarkers(await old.fetchHistory())).toEqual([]);
    expect((await old.describe()).status).toBe('completed');
  });

  it('blocks, rather than fails, a version-1 run when the unpatched change is deployed', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: v1, activities: versionedGreetingActivities });
    const old = await env.start('versionedGreeting', { workflowId: 'blocked', input: { delay: '1 hour' } });
    await env.sleep('10 minutes');
    env.deploy({ workflows: [unpatched], codeVersion: 'careless' });
    env.evict();
    await env.sleep('1 hour'); // the timer fires: the run replays, diverges, and stops

    const described = await old.describe();
    expect(described.status).toBe('running');
    expect(described.blockedReason).toBeDefined();
  });

  it('moves on with ctx.deprecatePatch once only patched runs remain, which no longer replays version 1', async () => {
    const patched = await record(examples, { name: 'Ada', delay: '1 minute' });
    await expect(replayHistory([deprecated], patched)).resolves.toBeUndefined();
    await expect(replayHistory([deprecated], fixture())).rejects.toBeInstanceOf(NonDeterminismError);
  });

  it('is checked the same way by `duro replay <history.json> --workflows <module>`', async () => {
    const duro = async (...argv: string[]) => {
      const out: string[] = [];
      const code = await runCli(argv, { out: (text) => out.push(text), err: (text) => out.push(text), env: {} });
      return { code, out: out.join('\n') };
    };
    expect(await duro('replay', FIXTURE_PATH, '--workflows', 'examples/index.ts')).toEqual({ code: 0, out: `ok                 ${FIXTURE_PATH}` });

    // Rolling back to version 1 would strand runs that took the patched path: the same command says so.
    const patched = join(mkdtempSync(join(tmpdir(), 'duro-greeting-')), 'patched.json');
    writeFileSync(patched, JSON.stringify(await record(examples, { name: 'Ada' })));
    const rollback = await duro('replay', patched, '--workflows', 'examples/versioned-greeting-v1.ts');
    expect(rollback.code).toBe(1);
    expect(rollback.out).toMatch(/^NON-DETERMINISTIC/);
  });
});
