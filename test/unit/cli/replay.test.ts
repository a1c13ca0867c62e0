// `duro replay`: histories recorded by one version of a workflow, replayed against another; exit code 1 gates a deploy.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import type { HistoryEvent } from 'duro/workflow';
import { execution, FakeVisibilityApi } from '../client/fake-visibility-api';
import * as v1 from './fixtures/shipment-v1';
import { cliWith } from './run-cli';

const V1 = 'test/unit/cli/fixtures/shipment-v1.ts';
const V2 = 'test/unit/cli/fixtures/shipment-v2.ts';

/** Three runs recorded with v1, served newest first: s3 (slow), s2 (express), s1 (slow). */
async function deployment() {
  const env = await TestWorkflowEnvironment.create({ workflows: v1 });
  const api = new FakeVisibilityApi();
  for (const [workflowId, express] of [['s1', false], ['s2', true], ['s3', false]] as const) {
    const handle = await env.start(v1.shipment, { workflowId, input: { express } });
    await handle.result();
    api.histories.set(handle.runId, await handle.fetchHistory());
    api.executions.unshift(execution({ workflowId, runId: handle.runId, workflowType: 'shipment', status: 'completed' }));
  }
  // A run of a type the modules do not define.
  const [started, ...rest] = api.histories.get(api.executions[0]!.runId)!;
  api.histories.set('run-other', [{ ...started!, workflowType: 'invoice' } as HistoryEvent, ...rest]);
  api.executions.push(execution({ workflowId: 'other', workflowType: 'invoice' }));
  return api;
}

describe('duro replay --workflow-type', () => {
  it('replays the newest runs of the type and flags the one the changed code no longer replays', async () => {
    const api = await deployment();
    const duro = cliWith(api.fetch);
    const run = await duro('replay', '--address', 'https://duro.example', '--workflow-type', 'shipment', '--limit', '2', '--workflows', V2);
    expect(run.code).toBe(1);
    const [s3, s2] = api.executions;
    const lines = run.out.split('\n');
    expect(lines[0]).toBe(`ok                 s3 ${s3!.runId}`);
    expect(lines[1]).toMatch(new RegExp(`^NON-DETERMINISTIC  s2 ${s2!.runId}: Non-deterministic workflow: at event \\d+ the code issued .*timer`, 'i'));
    expect(lines[2]).toBe('2 runs of shipment replayed, 1 failed');
    expect(lines).toHaveLength(3);
    // One list page of --limit runs, of that type only, then each run's history.
    expect(api.requestsTo('/v1/workflows').map((r) => Object.fromEntries(r.query))).toEqual([{ workflowType: 'shipment', pageSize: '2' }]);
    expect(api.requests.every((r) => r.origin === 'https://duro.example')).toBe(true);
    expect(api.requestsTo('/v1/workflows/s1/history')).toHaveLength(0);
  });

  it('exits 0 when every run replays, and reports outcomes as JSON with --json', async () => {
    const api = await deployment();
    const duro = cliWith(api.fetch);
    const ok = await duro('replay', '--type', 'shipment', '--workflows', V1);
    expect(ok.code).toBe(0);
    expect(ok.out.split('\n').at(-1)).toBe('3 runs of shipment replayed, 0 failed');
    const json = await duro('replay', '--workflow-type', 'shipment', '--workflows', V2, '--json');
    expect(json.code).toBe(1);
    expect(json.json()).toEqual([
      { workflowId: 's3', runId: api.executions[0]!.runId, ok: true },
      { workflowId: 's2', runId: api.executions[1]!.runId, ok: false, nonDeterministic: true, error: expect.stringMatching(/^Non-deterministic workflow/) },
      { workflowId: 's1', runId: api.executions[2]!.runId, ok: true },
    ]);
  });

  it('fails a run whose type the module does not define, and needs a history file or a type', async () => {
    const api = await deployment();
    const duro = cliWith(api.fetch);
    const missing = await duro('replay', '--workflow-type', 'invoice', '--workflows', V1);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/^ERROR +other run-other: Workflow type 'invoice' is not among the workflows given/);
    expect((await duro('replay', '--workflows', V1)).code).toBe(2);
    expect((await duro('replay', '--workflow-type', 'shipment')).code).toBe(2);
  });
});

describe('duro replay <history.json>', () => {
  it('replays an exported history and exits 1 when the code diverged', async () => {
    const api = await deployment();
    const file = join(mkdtempSync(join(tmpdir(), 'duro-replay-')), 's2.json');
    writeFileSync(file, JSON.stringify(api.histories.get(api.executions[1]!.runId)));
    const duro = cliWith(api.fetch);
    expect(await duro('replay', file, '--workflows', V1)).toMatchObject({ code: 0, out: `ok                 ${file}` });
    const diverged = await duro('replay', file, '--workflows', V2);
    expect(diverged.code).toBe(1);
    expect(diverged.out).toMatch(new RegExp(`^NON-DETERMINISTIC  ${file}: Non-deterministic workflow`));
    expect(api.requests).toHaveLength(0);
  });
});

describe('duro replay <history.json> --workflows <file>', () => {
  const SAGA = 'test/unit/package/fixtures/cross-copy-workflows.ts';

  async function sagaHistory(): Promise<string> {
    const workflows = await import('../package/fixtures/cross-copy-workflows');
    const env = await TestWorkflowEnvironment.create({ workflows, activities: workflows.activities });
    const handle = await env.start(workflows.sagaOrder, { workflowId: 'saga-replay', input: 'o-9' });
    await expect(handle.result()).rejects.toMatchObject({ cause: { type: 'OrderFailed' } }); // it compensated, as recorded
    const file = join(mkdtempSync(join(tmpdir(), 'duro-replay-')), 'saga.json');
    writeFileSync(file, JSON.stringify(await handle.fetchHistory()));
    return file;
  }

  /** A JavaScript module that imports duro/workflow, written outside the repo as a user's build output would be. */
  function javascriptSaga(compensationsReversed: boolean): string {
    const file = join(mkdtempSync(join(tmpdir(), 'duro-replay-js-')), 'workflows.mjs');
    const [first, second] = compensationsReversed ? ['notify', 'release'] : ['release', 'notify'];
    writeFileSync(file, `import { defineWorkflow, Saga, ApplicationFailure } from 'duro/workflow';
const options = { startToCloseTimeout: '10s', retry: { maximumAttempts: 3, initialInterval: '1s' } };
export const sagaOrder = defineWorkflow('sagaOrder', async (ctx, order) => {
  const acts = ctx.proxyActivities(options);
  const saga = new Saga(ctx);
  try {
    await acts.reserve(order);
    saga.addCompensation((ctx) => ctx.proxyActivities(options).${first}(order));
    saga.addCompensation((ctx) => ctx.proxyActivities(options).${second}(order));
    await acts.charge(order);
    return 'charged';
  } catch (error) {
    await saga.compensate();
    throw ApplicationFailure.nonRetryable('order ' + order + ' failed', 'OrderFailed', { step: error.activityType, cause: error.cause.type });
  }
});
`);
    return file;
  }

  it('replays a compensated Saga against the TypeScript file that recorded it, with no loader', async () => {
    const duro = cliWith(async () => new Response(null, { status: 599 }));
    const run = await duro('replay', await sagaHistory(), '--workflows', SAGA);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^ok /);
  });

  it('replays it against a JavaScript module, and fails with the diff when the compensations changed order', async () => {
    const history = await sagaHistory();
    const duro = cliWith(async () => new Response(null, { status: 599 }));
    expect((await duro('replay', history, '--workflows', javascriptSaga(false))).code).toBe(0);
    const changed = await duro('replay', history, '--workflows', javascriptSaga(true));
    expect(changed.code).toBe(1);
    expect(changed.out).toMatch(/^NON-DETERMINISTIC .*notify.*release|^NON-DETERMINISTIC .*release.*notify/);
  });

  it('says which file could not be bundled, and why', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'duro-replay-bad-')), 'broken.ts');
    writeFileSync(file, 'export const x = ;\n');
    const duro = cliWith(async () => new Response(null, { status: 599 }));
    const run = await duro('replay', await sagaHistory(), '--workflows', file);
    expect(run.code).not.toBe(0);
    expect(run.err).toMatch(/could not bundle .*broken\.ts/);
  });
});
