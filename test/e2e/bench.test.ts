// The benchmark harness (bench/run.mjs) runs end to end at tiny sizes: it starts its own dev server (bench/serve.mjs), runs every
// measurement and writes a well-formed result. No timing is asserted: benchmarks are not tests (DESIGN §7).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'duro-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface BenchResult {
  date: string;
  machine: { cpu: string; cores: number; node: string; wrangler: string };
  runs: Array<Record<string, unknown> & { bench: string }>;
  targets: Array<{ name: string; value: number; target: string; pass: boolean }>;
}

function runHarness(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bench/run.mjs'), ...args], { cwd: ROOT, timeout: 210_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('bench/run.mjs --tiny', () => {
  it('runs every measurement and writes a latest.json-shaped result with targets', async () => {
    const out = join(dir, 'result.json');
    const { code, stdout, stderr } = await runHarness(['--tiny', '--out', out]);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as BenchResult;

    expect(Number.isNaN(Date.parse(result.date))).toBe(false);
    expect(result.machine).toMatchObject({ cpu: expect.any(String), cores: expect.any(Number), node: process.version, wrangler: expect.any(String) });

    const sequential = result.runs.filter((run) => run.bench === 'sequential');
    for (const variant of ['duro-local', 'duro-remote', 'duro-remote-in-process', 'duro-remote-fetch', 'cf-step.do', 'floor-macrotask', 'floor-coalesced', 'floor-fetch', 'floor-fetch-durable', 'floor-rpc-durable']) {
      const ofVariant = sequential.filter((run) => run.variant === variant);
      expect(ofVariant.length, variant).toBeGreaterThan(0);
      for (const run of ofVariant) expect(run).toMatchObject({ n: expect.any(Number), ms: expect.any(Number), msPerStep: expect.any(Number) });
      for (const run of ofVariant) expect(run.ms, variant).toBeGreaterThanOrEqual(0);
    }
    expect(result.runs.filter((run) => run.bench === 'throughput').map((run) => run.variant).sort()).toEqual(['cf', 'duro', 'duro-execute', 'duro-rpc', 'duro-rpc-quiet', 'floor']);
    // The ratios the targets judge are taken within a round (one in a tiny run).
    expect(result.runs.filter((run) => run.bench === 'throughput-round')).toHaveLength(6);
    expect(result.runs.find((run) => run.bench === 'throughput-ratios')).toMatchObject({ rounds: 1, executePerFloor: expect.any(Number), executePerCf: expect.any(Number), duroPerCf: expect.any(Number) });
    // What each phase of a start costs, from those variants side by side.
    expect(result.runs.find((run) => run.bench === 'start-phases')).toMatchObject({ totalMs: expect.any(Number), objectAndWrite: expect.any(Number), engine: expect.any(Number), visibility: expect.any(Number), restApi: expect.any(Number) });
    expect(result.runs.find((run) => run.bench === 'start-phases')!.totalMs).toBeGreaterThan(0);
    for (const bench of ['signal', 'timer', 'replay', 'fanout']) expect(result.runs.some((run) => run.bench === bench), bench).toBe(true);
    // Cost per workflow (docs/cost.md): counted for both engines and priced.
    const cost = result.runs.filter((run) => run.bench === 'cost');
    expect([...new Set(cost.map((run) => run.variant))].sort()).toEqual(['cf-step.do', 'duro-local', 'duro-remote']);
    for (const run of cost) expect(run).toMatchObject({ workerInvocations: expect.any(Number), cpuMs: expect.any(Number), storedBytes: expect.any(Number), dollarsPerMillion: { total: expect.any(Number) } });
    // The meter was on: a workflow wrote rows, reached its object and has a database; a Workflow ran (create + run()).
    for (const run of cost.filter((r) => String(r.variant).startsWith('duro'))) {
      const variant = String(run.variant);
      expect(run.rowsWritten, variant).toBeGreaterThan(0);
      expect(run.objectRequests, variant).toBeGreaterThanOrEqual(1);
      expect(run.databaseBytes, variant).toBeGreaterThan(0);
      expect((run.dollarsPerMillion as { total: number }).total, variant).toBeGreaterThan(0);
    }
    for (const run of cost.filter((r) => r.variant === 'cf-step.do')) expect(run.workerInvocations).toBeGreaterThanOrEqual(2);
    // Cold start and bundle size (docs/performance.md): the bench Worker, one like `duro init`'s and the "ok" floor.
    const cold = result.runs.filter((run) => run.bench === 'cold');
    for (const worker of ['bench', 'init']) {
      expect(cold.find((run) => run.kind === 'bundle' && run.worker === worker), worker).toMatchObject({ bytes: expect.any(Number), gzipBytes: expect.any(Number), largest: expect.arrayContaining([{ name: 'zod', bytes: expect.any(Number) }]) });
      expect(cold.find((run) => run.kind === 'script' && run.worker === worker), worker).toMatchObject({ loadMs: expect.any(Number), repeats: 1 });
      expect(cold.find((run) => run.kind === 'dev-server' && run.worker === worker), worker).toMatchObject({ readyMs: expect.any(Number), firstRequestMs: expect.any(Number), firstWorkflowMs: expect.any(Number), warmWorkflowMs: expect.any(Number), toFirstResultMs: expect.any(Number) });
    }
    expect(cold.find((run) => run.kind === 'dev-server' && run.worker === 'floor')).toMatchObject({ readyMs: expect.any(Number), firstRequestMs: expect.any(Number) });
    expect(stdout).toMatch(/Cold start and bundle size/);
    // workerd's peak memory, read from /proc (Linux only).
    if (process.platform === 'linux') expect(result.runs.find((run) => run.bench === 'fanout')).toMatchObject({ peakMiB: expect.any(Number) });
    const replay = result.runs.find((run) => run.bench === 'replay')!;
    expect(replay).toMatchObject({ rawReadMs: expect.any(Number), replayMs: expect.any(Number), events: expect.any(Number) });

    expect(result.targets.length).toBeGreaterThan(0);
    for (const target of result.targets) {
      expect(target).toMatchObject({ name: expect.any(String), value: expect.any(Number), target: expect.stringMatching(/^(<=|>=) /), pass: expect.any(Boolean) });
    }
    expect(stdout).toMatch(/Targets/);
    expect(stdout).toMatch(/PASS|MISS/);
  }, 230_000);
});
