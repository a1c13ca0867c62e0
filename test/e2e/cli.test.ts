// End to end: the built `duro` binary (the package build, run by Node as a user would) against a real `wrangler dev`
// with auth on, and list/count filters over real Visibility shards. The package is built into test/artifacts (inside
// the repo, so its runtime dependencies resolve from node_modules as they would from a user's project).
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuroClient } from 'duro/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSDOWN = join(ROOT, 'node_modules/tsdown/dist/run.mjs');
const TOKEN = 'e2e-cli-token';

let dev: WranglerDev | undefined;
let work: string;
let cliPath: string;
/** The package build the CLI runs from. */
let dist: string | undefined;
let workflowsPath: string;
let client: DuroClient;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built binary; `--address` and the token come from the environment, as in CI. */
function duro(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: ROOT, timeout: 30_000, env: { PATH: process.env.PATH ?? '', DURO_ADDRESS: dev!.url, DURO_API_TOKEN: TOKEN, ...env } }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function duroJson<T = any>(args: string[]): Promise<T> {
  const run = await duro([...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as T;
}

/** The package build (tsdown.config.ts) into `outDir`, without declarations: what `npm pack` ships as dist/. */
function buildPackage(outDir: string): void {
  execFileSync(process.execPath, [TSDOWN, '--out-dir', outDir, '--no-clean', '--no-dts', '--log-level', 'warn'], { cwd: ROOT, stdio: 'pipe' });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'duro-e2e-cli-'));
  dist = join(ROOT, 'test/artifacts', basename(work));
  buildPackage(dist);
  cliPath = join(dist, 'cli.js');
  // TypeScript, as users pass it: the CLI bundles it and points its duro/* imports at the build's own entries.
  workflowsPath = join(ROOT, 'test/fixtures/e2e-worker/api-workflows.ts');
  const port = await freePort();
  dev = await WranglerDev.start({
    port,
    inspectorPort: await freePort(),
    persistTo: join(work, 'state'),
    vars: { DURO_API_TOKEN: TOKEN, DURO_ACTIVITY_SECRET: 'e2e-cli-activity-secret', DURO_PUBLIC_URL: `http://127.0.0.1:${port}`, NODE_ACTIVITY_URL: 'http://127.0.0.1:9' },
  });
  client = new DuroClient({ baseUrl: dev.url, token: TOKEN });
}, 120_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`)));

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
  if (dist) rmSync(dist, { recursive: true, force: true });
});

/** Polls until the index shows `n` executions for the filter (the index trails the executions by moments). */
async function indexed(filter: Parameters<DuroClient['count']>[0], n: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await client.count(filter)).count !== n) {
    if (Date.now() > deadline) throw new Error(`the index did not reach ${n} for ${JSON.stringify(filter)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the duro binary against wrangler dev', () => {
  it('executes a workflow and prints its result, readable by default and as JSON', async () => {
    const text = await duro(['execute', 'apiEcho', '--id', 'cli-echo-1', '--input', '{"hello":"cli"}']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('"hello"');
    expect(text.stdout).toContain('cli');
    const json = await duroJson(['execute', 'apiEcho', '--id', 'cli-echo-2', '--input', '{"n":2}']);
    expect(JSON.stringify(json)).toContain('"n":2');
  });

  it('starts an entity, signals, queries, updates and describes it, and prints a readable history timeline', async () => {
    expect((await duro(['start', 'apiEntity', '--id', 'cli-entity'])).code).toBe(0);
    expect((await duro(['signal', 'cli-entity', 'apiAddItem', '--args', '["apple"]'])).code).toBe(0);
    expect(await duroJson(['query', 'cli-entity', 'apiItems'])).toMatchObject({ result: ['apple'] });
    const updated = await duroJson(['update', 'cli-entity', 'apiSetLimit', '--args', '[5]']);
    expect(JSON.stringify(updated)).toContain('0'); // the previous limit
    const described = await duro(['describe', 'cli-entity']);
    expect(described.stdout).toMatch(/running/);
    expect(described.stdout).toMatch(/apiEntity/);

    const timeline = await duro(['history', 'cli-entity']);
    expect(timeline.code, timeline.stderr).toBe(0);
    const lines = timeline.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/\b1\b.*WorkflowExecutionStarted/);
    expect(timeline.stdout).toMatch(/SignalReceived.*apiAddItem/);
    expect(timeline.stdout).toMatch(/\+\d+(\.\d+)?s/);
    const events = await duroJson<Array<{ type: string }>>(['history', 'cli-entity']);
    expect(events.map((e) => e.type)).toContain('UpdateCompleted');

    expect((await duro(['terminate', 'cli-entity', '--reason', 'done'])).code).toBe(0);
    const closed = await duro(['signal', 'cli-entity', 'apiAddItem', '--args', '["late"]']);
    expect(closed.code).toBe(1);
    expect(closed.stderr).toContain('duro:workflow-closed');
  });

  it("prints a run's kept log lines, as text or JSON lines, and follows them until the run closes", async () => {
    const handle = await client.start('apiEntity', { workflowId: 'cli-logs' });
    await handle.signal('apiAddItem', 'pear');
    const text = await duro(['logs', 'cli-logs']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}INFO {3}workflow {2}item added item=pear$/m);
    const json = await duro(['logs', 'cli-logs', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ level: 'info', message: 'item added', item: 'pear', workflowId: 'cli-logs', workflowType: 'apiEntity' }),
    ]);

    // --follow prints what is kept from now on too, and exits 0 once the run has closed.
    const following = duro(['logs', 'cli-logs', '--follow']);
    await handle.signal('apiAddItem', 'plum');
    await handle.signal('apiFinish');
    const followed = await following;
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout.trim().split('\n').map((line) => line.split('  ').at(-1))).toEqual(['item added item=pear', 'item added item=plum']);

    const missing = await duro(['logs', 'no-such-workflow']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no-such-workflow/);
  });

  it('lists and counts with filters, and runs a batch with its status', async () => {
    const tag = `cli-${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i++) await client.start('apiEcho', { workflowId: `${tag}-echo-${i}`, input: i, searchAttributes: { tag } });
    for (let i = 0; i < 3; i++) await client.start('apiEntity', { workflowId: `${tag}-entity-${i}`, searchAttributes: { tag, tier: i === 0 ? 'gold' : 'silver' } });
    await indexed({ search: { tag }, status: 'completed' }, 5);
    await indexed({ search: { tag }, status: 'running' }, 3);

    expect(await client.count({ search: { tag } })).toEqual({ count: 8, byStatus: { completed: 5, running: 3 } });
    expect((await client.count({ search: { tag }, workflowType: 'apiEntity', status: 'running' })).count).toBe(3);
    expect((await client.count({ search: { tag, tier: 'gold' } })).count).toBe(1);
    const listed: string[] = [];
    for await (const execution of client.list({ search: { tag } }, { pageSize: 3 })) listed.push(execution.workflowId);
    expect(listed).toHaveLength(8);
    expect(new Set(listed).size).toBe(8);

    const table = await duro(['list', '--type', 'apiEcho', '--search', `tag=${tag}`]);
    expect(table.code, table.stderr).toBe(0);
    for (let i = 0; i < 5; i++) expect(table.stdout).toContain(`${tag}-echo-${i}`);
    expect(table.stdout).not.toContain(`${tag}-entity-`);
    const page = await duroJson<Array<{ workflowId: string }> | { executions: Array<{ workflowId: string }> }>(['list', '--status', 'running', '--search', `tag=${tag}`]);
    const rows = Array.isArray(page) ? page : page.executions;
    expect(rows.map((r) => r.workflowId).sort()).toEqual([0, 1, 2].map((i) => `${tag}-entity-${i}`));
    const counted = await duro(['count', '--search', `tag=${tag}`]);
    expect(counted.stdout).toMatch(/8/);
    expect(counted.stdout).toMatch(/running\D+3/);

    // Refused before any request (a usage error), and by the server for what only it can judge.
    const usage = await duro(['list', '--status', 'sleeping']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown status 'sleeping'");
    const bad = await duro(['list', '--started-after', 'the day before yesterday']);
    expect(bad.code).toBeGreaterThan(0);
    expect(bad.stderr).toMatch(/startedAfter|started-after/);

    const batch = await duroJson<{ batchId: string; matched: number }>(['batch', 'terminate', '--search', `tag=${tag}`, '--status', 'running', '--reason', 'cli batch']);
    expect(batch.matched).toBe(3);
    const deadline = Date.now() + 15_000;
    let status: { status: string; succeeded: number };
    do {
      status = await duroJson(['batch-status', batch.batchId]);
      if (Date.now() > deadline) throw new Error('the batch did not complete');
    } while (status.status !== 'completed');
    expect(status.succeeded).toBe(3);
    await indexed({ search: { tag }, status: 'terminated' }, 3);
  });

  it('replays recent runs of a deployment against local code, and fails the gate on non-determinism', async () => {
    for (let i = 0; i < 3; i++) await client.execute('apiSleeper', { workflowId: `replay-sleeper-${i}-${Date.now()}`, input: { ms: 10 } });
    await indexed({ workflowType: 'apiSleeper', status: 'completed' }, 3);
    const passing = await duro(['replay', '--workflow-type', 'apiSleeper', '--limit', '3', '--workflows', workflowsPath]);
    expect(passing.code, passing.stdout + passing.stderr).toBe(0);
    expect(passing.stdout.match(/\bok\b/gi)?.length).toBe(3);

    // The same workflow type, changed: it no longer sleeps before returning.
    const changed = join(work, 'changed.mjs');
    writeFileSync(changed, `import { apiEcho } from ${JSON.stringify(workflowsPath)};\nexport const apiSleeper = { ...apiEcho, name: 'apiSleeper' };\n`);
    const failing = await duro(['replay', '--workflow-type', 'apiSleeper', '--limit', '3', '--workflows', changed]);
    expect(failing.code).toBe(1);
    expect(failing.stdout + failing.stderr).toMatch(/NON-DETERMINISTIC/);
  });

  it('refuses a wrong token with the problem and exit code 1', async () => {
    const run = await duro(['describe', 'cli-echo-1'], { DURO_API_TOKEN: 'wrong' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('duro:unauthorized');
  });

  it('flags non-deterministic calls in workflow code with `duro check`', async () => {
    const file = join(work, 'bad-workflow.ts');
    writeFileSync(file, `import { defineWorkflow } from 'duro/workflow';\nexport const bad = defineWorkflow('bad', async () => {\n  return Date.now() + Math.random();\n});\n`);
    const run = await duro(['check', file]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/bad-workflow\.ts:3:\d+.*Date\.now/);
    expect(run.stdout + run.stderr).toMatch(/Math\.random/);
    const good = await duro(['check', join(ROOT, 'test/fixtures/e2e-worker/api-workflows.ts')]);
    expect(good.code, good.stdout + good.stderr).toBe(0);
  });
});
