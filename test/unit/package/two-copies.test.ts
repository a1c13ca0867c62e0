// Two copies of the engine must agree. A user's Worker bundles its own `duro/workflow`; the CLI, a test runner or
// another bundle loads another. Here the workflows (test/unit/package/fixtures/cross-copy-workflows.ts) are bundled
// with one copy and run, and replayed, on a second, separately bundled copy of `duro/testing`: nothing that crosses
// between them (failures, scopes, Saga, children) may depend on `instanceof` against one copy or on its `#private` fields.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from 'duro/testing';
import * as sourceWorkflows from './fixtures/cross-copy-workflows';
import type { HistoryEvent } from 'duro/workflow';

type Testing = typeof import('duro/testing');
type Workflows = typeof import('./fixtures/cross-copy-workflows');

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let work: string;
/** The engine and test environment, bundled on their own (the "CLI" copy). */
let engine: Testing;
/** The workflows with their own bundled copy of `duro/workflow` (the "user's bundle"). */
let user: Workflows;

async function bundle(entry: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [join(ROOT, entry)], outfile, bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', logLevel: 'warning',
    alias: { 'duro/workflow': join(ROOT, 'src/core/index.ts') },
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'duro-two-copies-'));
  await Promise.all([bundle('src/testing/index.ts', join(work, 'engine.mjs')), bundle('test/unit/package/fixtures/cross-copy-workflows.ts', join(work, 'workflows.mjs'))]);
  engine = (await import(pathToFileURL(join(work, 'engine.mjs')).href)) as Testing;
  user = (await import(pathToFileURL(join(work, 'workflows.mjs')).href)) as Workflows;
}, 30_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What a history says, without the ids and times that differ between runs. */
const shape = (history: HistoryEvent[]) => history.map((event) => {
  const { type } = event;
  const record = event as Record<string, unknown>;
  return [type, record.activityType ?? record.workflowType ?? record.timerId ?? '', (record.failure as { type?: string } | undefined)?.type ?? ''].join(' ');
});

/** Runs `name` on `testing` with `workflows`, returning its outcome and history. */
async function run(testing: Testing, workflows: Workflows, name: 'sagaOrder' | 'scopes' | 'failing' | 'parent', input?: unknown) {
  const env = await testing.TestWorkflowEnvironment.create({ workflows, activities: workflows.activities });
  const handle = await env.start(name, { workflowId: `cross-copy-${name}`, input });
  const outcome = await handle.result().then((value) => ({ value }), (error: { cause?: { type?: string; details?: unknown; cause?: unknown } }) => ({ failure: error.cause }));
  return { outcome, history: await handle.fetchHistory() };
}

const cases = [
  { name: 'sagaOrder', input: 'o-1' },
  { name: 'scopes', input: undefined },
  { name: 'failing', input: 3 },
  { name: 'parent', input: undefined },
] as const;

describe('two copies of Duro', () => {
  it('agree on failure classes: instanceof, cancellation and serialization across copies', () => {
    const failure = user.ApplicationFailure.nonRetryable('declined', 'ChargeDeclined', { code: 51 });
    expect(failure).toBeInstanceOf(sourceWorkflows.ApplicationFailure);
    expect(new sourceWorkflows.ApplicationFailure('x')).toBeInstanceOf(user.ApplicationFailure);
    expect(sourceWorkflows.isCancellation(new user.CancelledFailure('stop'))).toBe(true);
    expect(user.isCancellation(new sourceWorkflows.ApplicationFailure('no'))).toBe(false);
    expect(new Error('plain')).not.toBeInstanceOf(user.ApplicationFailure);
  });

  it.each(cases)('runs $name from one copy on the other exactly as on one copy', async ({ name, input }) => {
    const reference = await run(source, sourceWorkflows, name, input);
    const crossed = await run(engine, user, name, input);
    expect(crossed.outcome).toEqual(reference.outcome);
    expect(shape(crossed.history)).toEqual(shape(reference.history));
  });

  it.each(cases)('replays the history of $name recorded on one copy against workflows of the other', async ({ name, input }) => {
    const { history } = await run(source, sourceWorkflows, name, input);
    await expect(engine.replayHistory(user, history)).resolves.toBeUndefined();
    await expect(source.replayHistory(user, history)).resolves.toBeUndefined();
  });

  it('sees the outcomes the workflows were written to produce', async () => {
    const saga = await run(engine, user, 'sagaOrder', 'o-2');
    expect(saga.outcome).toMatchObject({ failure: { type: 'OrderFailed', details: { step: 'charge', cause: 'ChargeDeclined' } } });
    const scheduled = saga.history.flatMap((e) => (e.type === 'ActivityTaskScheduled' ? [e.activityType] : []));
    expect(scheduled).toEqual(['reserve', 'charge', 'notify', 'release']);
    expect((await run(engine, user, 'scopes')).outcome).toEqual({ value: ['cancelled', 'shielded', 'timed out'] });
    expect((await run(engine, user, 'parent')).outcome).toEqual({ value: ['Top', 'Level1', 'Level2'] });
    const failing = await run(engine, user, 'failing', 3);
    expect(failing.outcome).toMatchObject({ failure: { type: 'Top', cause: { type: 'Level1', cause: { type: 'Level2', cause: { type: 'Level3' } } } } });
  });
});
