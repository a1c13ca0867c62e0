// `duro check`: what breaks replay in workflow code is flagged; comments, strings and activities are not.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { checkWorkflowSources } from '../../../client/check';
import { cliWith } from './run-cli';

/** `line:column  message` for each finding in one source. */
function check(text: string, fileName = 'workflows.ts'): string[] {
  return checkWorkflowSources(ts, [{ fileName, text }]).map((f) => `${f.line}:${f.column}  ${f.message.split(';')[0]}`);
}

describe('checkWorkflowSources', () => {
  it('flags each forbidden call inside a workflow', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'export const order = defineWorkflow("order", async (ctx) => {',
      '  const started = Date.now();',
      '  const today = new Date();',
      '  const coin = Math.random();',
      "  const page = await fetch('https://example.com');",
      '  setTimeout(() => {}, 10);',
      '  const tick = setInterval(() => {}, 10);',
      '  const id = crypto.randomUUID();',
      '  return { started, today, coin, page, tick, id };',
      '});',
    ].join('\n');
    expect(check(source)).toEqual([
      '3:19  Date.now() reads the real clock',
      '4:17  new Date() reads the real clock',
      '5:16  Math.random() is not replayable',
      '6:22  fetch() does I/O from workflow code',
      '7:3  setTimeout() is not durable and does not replay',
      '8:16  setInterval() is not durable and does not replay',
      '9:14  crypto.randomUUID() is not replayable',
    ]);
  });

  it('ignores comments, strings, template text, regular expressions and new Date(x)', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'export const quiet = defineWorkflow("quiet", async (ctx) => {',
      '  // Date.now() and Math.random() are not allowed here',
      '  /* fetch("x"); setTimeout(f, 1); */',
      '  const a = "Date.now() crypto.randomUUID()";',
      "  const b = 'new Date()';",
      '  const c = `Math.random() at ${ctx.now()}`;',
      '  const d = /setInterval\\(/;',
      '  const e = new Date(ctx.now());',
      '  const f = ctx.random() + ctx.uuid().length;',
      '  return { a, b, c, d, e, f };',
      '});',
    ].join('\n');
    expect(check(source)).toEqual([]);
  });

  it('leaves activities and other functions of the same file alone', () => {
    const source = [
      "import { defineWorkflow, type ActivityContext } from 'duro/workflow';",
      'export const activities = {',
      '  async charge(input: { amount: number }, _ctx: ActivityContext) {',
      "    return fetch('https://pay.example', { method: 'POST', body: String(Date.now() + Math.random()) });",
      '  },',
      '};',
      'export async function ship() { await new Promise((r) => setTimeout(r, 10)); return crypto.randomUUID(); }',
      "export const refund = defineActivity('refund', async () => new Date());",
      'export const order = defineWorkflow("order", async (ctx) => {',
      "  const { charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });",
      '  return await charge({ amount: 1 });',
      '});',
      'const later = () => Date.now();',
    ].join('\n');
    expect(check(source)).toEqual([]);
  });

  it('follows functions the workflow declares inline, and a workflow function declared by name', () => {
    const source = [
      "import { defineWorkflow as workflow } from 'duro/workflow';",
      "import * as duro from 'duro/workflow';",
      'export const a = workflow("a", async (ctx) => {',
      '  function stamp() { return Date.now(); }',
      '  const ids = [1, 2].map(() => crypto.randomUUID());',
      '  return { t: stamp(), ids };',
      '});',
      'async function bWorkflow(ctx) {',
      '  return globalThis.Math.random();',
      '}',
      'export const b = duro.defineWorkflow("b", bWorkflow);',
    ].join('\n');
    expect(check(source, 'workflows.js')).toEqual([
      '4:29  Date.now() reads the real clock',
      '5:32  crypto.randomUUID() is not replayable',
      '9:10  Math.random() is not replayable',
    ]);
  });

  it('does not mistake a local of the same name for the global', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      "import { setTimeout } from './timers';",
      'export const order = defineWorkflow("order", async (ctx) => {',
      "  const { fetch } = ctx.proxyActivities<{ fetch(url: string): Promise<string> }>({ startToCloseTimeout: '1m' });",
      '  const Math = { random: () => 4 };',
      "  setTimeout('x');",
      "  return (await fetch('https://example.com')) + Math.random();",
      '});',
    ].join('\n');
    expect(check(source)).toEqual([]);
  });
});

describe('duro check', () => {
  function files(sources: Record<string, string>): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'duro-check-'));
    return Object.entries(sources).map(([name, text]) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    });
  }
  const bad = 'import { defineWorkflow } from "duro/workflow";\nexport const w = defineWorkflow("w", async () => Math.random());\n';
  const good = 'import { defineWorkflow } from "duro/workflow";\nexport const w = defineWorkflow("w", async (ctx) => ctx.random());\n';

  it('prints file:line:col and the message per finding and exits 1', async () => {
    const [badFile, goodFile] = files({ 'bad.ts': bad, 'good.ts': good });
    const run = await cliWith(fetch)('check', badFile!, goodFile!);
    expect(run.code).toBe(1);
    expect(run.out).toBe(`${badFile}:2:50  Math.random() is not replayable; use ctx.random()\n1 problem in 2 files checked`);
  });

  it('exits 0 on clean files, prints findings as JSON with --json, and needs files', async () => {
    const [badFile, goodFile] = files({ 'bad.ts': bad, 'good.ts': good });
    const duro = cliWith(fetch);
    expect(await duro('check', goodFile!)).toMatchObject({ code: 0, out: '1 file checked: no problems found' });
    expect((await duro('check', badFile!, '--json')).json()).toEqual([{ fileName: badFile, line: 2, column: 50, message: expect.stringMatching(/^Math.random/) }]);
    expect((await duro('check')).code).toBe(2);
    const missing = await duro('check', join(tmpdir(), 'no-such-file.ts'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/ENOENT/);
  });
});
