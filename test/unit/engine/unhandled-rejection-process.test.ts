// Bug 5 of issue 17: a rejection workflow code leaves unhandled ended a plain Node process hosting the engine (exit
// code 1). The engine now takes it as the run's workflow task failure, in a process of its own here because a test
// runner handles unhandled rejections itself and would hide the bug. A rejection outside workflow code still ends
// the process, as Node's default says.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;
let program: string;
let secondCopy: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'duro-floating-'));
  program = join(dir, 'floating-rejection.mjs');
  secondCopy = join(dir, 'second-copy.mjs');
  // Each bundle holds a copy of Duro of its own.
  for (const [entry, outfile] of [['floating-rejection.ts', program], ['second-copy.ts', secondCopy]] as const) {
    await build({
      entryPoints: [join(ROOT, 'test/fixtures/plain-node', entry)], outfile,
      bundle: true, format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning',
      alias: { 'duro/workflow': join(ROOT, 'src/core/index.ts'), 'duro/testing': join(ROOT, 'src/testing/index.ts') },
    });
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runProgram(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run([program, ...args]);
}

/** Both copies in one process: the second copy's program first, then the first's. */
async function runTwoCopies(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const entry = `await import(${JSON.stringify(pathToFileURL(secondCopy).href)}); await import(${JSON.stringify(pathToFileURL(program).href)});`;
  return run(['--input-type=module', '-e', entry, '--', ...args]);
}

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, argv, { timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('an unhandled rejection in workflow code, in a plain Node process', () => {
  it('blocks the run (a workflow task failure) and the process lives on and exits 0', async () => {
    const { code, stdout } = await runProgram();
    expect(stdout).toContain('blocked: Unhandled rejection in workflow code: ApplicationFailure: nobody is listening');
    expect(code).toBe(0);
  });

  it('one outside workflow code still ends the process, as Node does', async () => {
    const { code, stdout, stderr } = await runProgram('--host-bug');
    expect(stdout).toContain('blocked:');
    expect(stderr).toContain('a bug outside workflow code');
    expect(code).toBe(1);
  });

  it('with two copies of Duro in the process, each takes its own workflows\' rejections, and a host one still ends it', async () => {
    const { code, stdout, stderr } = await runTwoCopies('--host-bug');
    expect(stdout).toContain('second copy drew number');
    expect(stdout).toContain('blocked: Unhandled rejection in workflow code');
    expect(stderr).toContain('a bug outside workflow code');
    expect(code).toBe(1);
  });

  it('follows --unhandled-rejections=warn for a rejection outside workflow code', async () => {
    const { code, stderr } = await run(['--unhandled-rejections=warn', program, '--host-bug']);
    expect(stderr).toContain('a bug outside workflow code');
    expect(code).toBe(0);
  });
});
