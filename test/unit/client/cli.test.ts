// The `duro` CLI against the real API over the real engine.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../client/cli';
import { setup } from '../api/fixtures';

async function cli() {
  const { app } = await setup();
  return async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env: {}, fetch: async (request) => app.fetch(request) });
    return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
  };
}

describe('duro CLI', () => {
  it('starts, signals, queries, updates and reads the result of a workflow', async () => {
    const duro = await cli();
    expect((await duro('start', 'counter', '--id', 'c1', '--json')).json()).toMatchObject({ workflowId: 'c1' });
    expect((await duro('signal', 'c1', 'add', '--args', '[5]')).code).toBe(0);
    expect((await duro('query', 'c1', 'total', '--json')).json()).toEqual({ result: 5 });
    expect((await duro('update', 'c1', 'setTotal', '--args', '9', '--json')).json()).toEqual({ result: 9 });
    await duro('signal', 'c1', 'finish');
    expect((await duro('result', 'c1', '--json')).json()).toEqual({ result: 9 });
    const history = (await duro('history', 'c1', '--json')).json() as Array<{ type: string }>;
    expect(history[0]!.type).toBe('WorkflowExecutionStarted');
    expect((await duro('start', 'greet', '--input', '"Ada"', '--wait', '--json')).json()).toMatchObject({ result: 'Hello, Ada!' });
  });

  it('prints problems on stderr with exit code 1, and usage errors with 2', async () => {
    const duro = await cli();
    const missing = await duro('describe', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/not found/);
    const rejected = await duro('start', 'no-such-type', '--json');
    expect(rejected.code).toBe(1);
    expect(JSON.parse(rejected.err)).toMatchObject({ type: 'duro:workflow-type-not-found' });
    expect((await duro('frobnicate')).code).toBe(2);
    expect((await duro('signal', 'x', 'y', '--args', '{oops')).code).toBe(2);
    expect((await duro('--help')).out).toMatch(/usage: duro/);
  });

  it('replays an exported history against workflow code', async () => {
    const duro = await cli();
    await duro('start', 'greet', '--id', 'g1', '--input', '"Grace"', '--wait');
    const history = (await duro('history', 'g1', '--json')).out;
    const file = join(mkdtempSync(join(tmpdir(), 'duro-cli-')), 'g1.json');
    writeFileSync(file, history);
    const replayed = await duro('replay', file, '--workflows', 'test/unit/api/fixtures.ts', '--json');
    expect(replayed.err).toBe('');
    expect(replayed.json()).toMatchObject({ ok: true });
  });
});
