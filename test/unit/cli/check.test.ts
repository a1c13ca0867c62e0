// `duro check`: what breaks replay in workflow code and the helpers it calls is flagged; comments, strings and activities are not.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { checkWorkflowSources, type CheckOptions, type SourceText } from '../../../client/check';
import { cliWith } from './run-cli';

const FIXTURES = fileURLToPath(new URL('./fixtures/check/', import.meta.url));

/** The message up to its advice (`Date.now() reads the real clock`), keeping which helper and workflow it is in. */
function brief(message: string): string {
  const [finding = '', helper] = message.split(' (in helper ');
  return `${finding.split(';')[0]}${helper === undefined ? '' : ` (in helper ${helper}`}`;
}

/** `line:column  message` for each finding in one source. */
function check(text: string, fileName = 'workflows.ts'): string[] {
  return checkWorkflowSources([{ fileName, text }]).map((f) => `${f.line}:${f.column}  ${brief(f.message)}`);
}

/** `file:line:column  message` for each finding across sources. */
function checkFiles(sources: SourceText[], options?: CheckOptions): string[] {
  return checkWorkflowSources(sources, options).map((f) => `${f.fileName}:${f.line}:${f.column}  ${brief(f.message)}`);
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

  it('takes every exported function of a Temporal-style module as a workflow, and follows its helpers', () => {
    const source = [
      "import { proxyActivities, sleep } from 'duro/temporal/workflow';",
      "const { charge } = proxyActivities<{ charge(id: string): Promise<number> }>({ startToCloseTimeout: '1 minute' });",
      'function backoff() {',
      '  return new Promise((resolve) => setInterval(resolve, 10));',
      '}',
      'export async function pay(id: string) {',
      '  await backoff();',
      '  return { charged: await charge(id), key: crypto.randomUUID() };',
      '}',
      'export const notAWorkflow = 1;',
    ].join('\n');
    expect(check(source)).toEqual([
      "4:35  setInterval() is not durable and does not replay (in helper backoff, called from workflow 'pay')",
      "8:44  crypto.randomUUID() is not replayable",
    ]);
  });

  it('checks the run() of a Cloudflare-style WorkflowEntrypoint class, leaving its steps\' callbacks alone', () => {
    const source = [
      "import { WorkflowEntrypoint } from 'cloudflare:workers';",
      'export class Signup extends WorkflowEntrypoint {',
      '  async run(event, step) {',
      "    const user = await step.do('create user', async () => (await fetch('https://api.example/users')).json(), { rollback: async () => { await fetch('https://api.example/undo'); } });",
      "    const token = crypto.randomUUID();",
      "    await fetch('https://hooks.example/' + token);",
      "    return { user, at: Date.now() };",
      '  }',
      '}',
    ].join('\n');
    const findings = checkWorkflowSources([{ fileName: 'workflows.ts', text: source }]);
    expect(findings.map((f) => `${f.line}:${f.column}  ${f.message}`)).toEqual([
      '5:19  crypto.randomUUID() is not replayable; call it inside step.do() so its value is recorded',
      '6:11  fetch() does I/O outside a step; call it inside step.do()',
    ]);
  });

  it('checks the workflows a file only re-exports (export { X } from, export * from), reading them through readSource', () => {
    const files: Record<string, string> = {
      'src/order-workflow.ts': [
        "import { WorkflowEntrypoint } from 'cloudflare:workers';",
        'export class OrderWorkflow extends WorkflowEntrypoint {',
        '  async run(event, step) {',
        "    await fetch('https://api.example/orders');",
        '  }',
        '}',
      ].join('\n'),
      'src/more/index.ts': "export * from './greeting';",
      'src/more/greeting.ts': "import { defineWorkflow } from 'duro/workflow';\nexport const greeting = defineWorkflow('greeting', async () => Math.random());",
    };
    const entry = "export { OrderWorkflow } from './order-workflow';\nexport * from './more';\nexport { defineWorkflow } from 'duro/workflow';";
    const findings = checkWorkflowSources([{ fileName: 'src/workflows.ts', text: entry }], { readSource: (fileName) => files[fileName] });
    expect(findings.map((f) => `${f.fileName}:${f.line}  ${f.message.split(';')[0]}`)).toEqual([
      'src/order-workflow.ts:4  fetch() does I/O outside a step',
      'src/more/greeting.ts:2  Math.random() is not replayable',
    ]);
  });

  it('leaves Date, Math.random and setTimeout alone in Temporal-style code, as Temporal\'s sandbox does, and advises Temporal\'s functions', () => {
    const source = [
      "import { sleep } from 'duro/temporal/workflow';",
      'function jitter() {',
      '  return new Promise((resolve) => setTimeout(resolve, Math.random() * 10));',
      '}',
      'export async function stamp() {',
      '  await jitter();',
      '  await sleep(1);',
      '  return { at: Date.now(), day: new Date().getDay(), text: Date(), id: crypto.randomUUID() };',
      '}',
    ].join('\n');
    const findings = checkWorkflowSources([{ fileName: 'workflows.ts', text: source }]);
    expect(findings.map((f) => `${f.line}:${f.column}  ${f.message}`)).toEqual(['8:72  crypto.randomUUID() is not replayable; use uuid4()']);
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

describe('checkWorkflowSources on the helpers a workflow calls', () => {
  it('flags a helper of the same file that a workflow calls, naming the helper and the workflow', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'function stampOf(id: string) { return `${id}@${Date.now()}`; }',
      'const pick = (n: number) => Math.floor(Math.random() * n);',
      'const wait = function () { return new Promise((r) => setTimeout(r, 10)); };',
      'export const order = defineWorkflow("order", async (ctx, id: string) => {',
      '  await wait();',
      '  return { stamp: stampOf(id), ids: [3, 4].map(pick) };',
      '});',
    ].join('\n');
    expect(check(source)).toEqual([
      "2:48  Date.now() reads the real clock (in helper stampOf, called from workflow 'order')",
      "3:40  Math.random() is not replayable (in helper pick, called from workflow 'order')",
      "4:54  setTimeout() is not durable and does not replay (in helper wait, called from workflow 'order')",
    ]);
  });

  it('follows helpers that call helpers, and names every workflow that reaches one', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'function stampOf(id: string) { return `${id}@${Date.now()}`; }',
      'const audit = (id: string) => `audited ${stampOf(id)}`;',
      'export const order = defineWorkflow("order", async (ctx, id: string) => audit(id));',
      'export const refund = defineWorkflow("refund", async (ctx, id: string) => stampOf(id));',
    ].join('\n');
    expect(check(source)).toEqual([
      "2:48  Date.now() reads the real clock (in helper stampOf, called from workflow 'order' via audit and from workflow 'refund')",
    ]);
  });

  it('leaves alone helpers no workflow calls, helpers only activities call, and locals that shadow a helper', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      "function unused() { return fetch('https://example.com'); }",
      'function receiptId() { return crypto.randomUUID(); }',
      'const stampOf = () => Date.now();',
      'export const activities = { async charge() { return receiptId(); } };',
      'export const order = defineWorkflow("order", async (ctx) => {',
      "  const { charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1m' });",
      '  const stampOf = () => ctx.now();',
      '  return { receipt: await charge(), at: stampOf() };',
      '});',
    ].join('\n');
    expect(check(source)).toEqual([]);
  });

  it('ends on recursion, direct and mutual, and flags each place once', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'function countdown(n: number): number { return n > 0 ? countdown(n - 1) : Date.now(); }',
      'function ping(n: number): number { return n > 0 ? pong(n - 1) : Math.random(); }',
      'function pong(n: number): number { return ping(n); }',
      'export const order = defineWorkflow("order", async () => countdown(3) + pong(2));',
    ].join('\n');
    expect(check(source)).toEqual([
      "2:75  Date.now() reads the real clock (in helper countdown, called from workflow 'order')",
      "3:65  Math.random() is not replayable (in helper ping, called from workflow 'order' via pong)",
    ]);
  });

  it('follows named, namespace, default and re-exported imports into the other files given', () => {
    const sources = [
      {
        fileName: 'src/workflows.ts',
        text: [
          "import { defineWorkflow } from 'duro/workflow';",
          "import { stampOf, pick } from './lib/index.js';",
          "import * as ids from './lib/ids';",
          "import wait from '../common/wait';",
          'export const order = defineWorkflow("order", async () => [stampOf(), pick(2), ids.next(), await wait()]);',
        ].join('\n'),
      },
      { fileName: 'src/lib/index.ts', text: "export * from './stamps';\nexport { choose as pick } from './random';\n" },
      { fileName: 'src/lib/stamps.ts', text: 'export function stampOf() { return new Date().toISOString(); }\n' },
      { fileName: 'src/lib/random.ts', text: 'export const choose = (n: number) => Math.floor(Math.random() * n);\nexport const never = () => Math.random();\n' },
      { fileName: './src/lib/ids.ts', text: 'export const next = () => crypto.randomUUID();\n' },
      { fileName: 'common/wait.ts', text: 'export default function () { return new Promise((r) => setTimeout(r, 1)); }\n' },
    ];
    expect(checkFiles(sources)).toEqual([
      "src/lib/stamps.ts:1:36  new Date() reads the real clock (in helper stampOf, called from workflow 'order')",
      "src/lib/random.ts:1:49  Math.random() is not replayable (in helper choose, called from workflow 'order')",
      "./src/lib/ids.ts:1:27  crypto.randomUUID() is not replayable (in helper next, called from workflow 'order')",
      "common/wait.ts:1:56  setTimeout() is not durable and does not replay (in helper default export, called from workflow 'order')",
    ]);
  });

  it('reads imported files it was not given through readSource, trying the usual extensions', () => {
    const files: Record<string, string> = { 'app/helpers/index.ts': 'export const stampOf = () => Date.now();\n' };
    const asked: string[] = [];
    const readSource = (fileName: string) => {
      asked.push(fileName);
      return files[fileName];
    };
    const workflow = "import { defineWorkflow } from 'duro/workflow';\nimport { stampOf } from './helpers';\nexport const w = defineWorkflow('w', async () => stampOf());\n";
    expect(checkFiles([{ fileName: 'app/workflows.ts', text: workflow }], { readSource })).toEqual([
      "app/helpers/index.ts:1:30  Date.now() reads the real clock (in helper stampOf, called from workflow 'w')",
    ]);
    expect(asked).toEqual(['app/helpers.ts', 'app/helpers.tsx', 'app/helpers.mts', 'app/helpers.js', 'app/helpers.mjs', 'app/helpers/index.ts']);
  });

  it('ends on import cycles between files', () => {
    const sources = [
      { fileName: 'a.ts', text: "import { defineWorkflow } from 'duro/workflow';\nimport { b } from './b';\nexport const a = (n: number): number => (n > 0 ? b(n - 1) : 0);\nexport const w = defineWorkflow('w', async () => a(3));\n" },
      { fileName: 'b.ts', text: "import { a } from './a';\nexport * from './b';\nexport const b = (n: number): number => a(n) + Date.now();\n" },
    ];
    expect(checkFiles([...sources])).toEqual(["b.ts:3:48  Date.now() reads the real clock (in helper b, called from workflow 'w' via a)"]);
  });

  it('checks .mjs and .js files, JSX included', () => {
    const sources = [
      {
        fileName: 'workflows.mjs',
        text: "import { defineWorkflow } from 'duro/workflow';\nimport { render } from './render.js';\nexport const w = defineWorkflow('w', async () => render(Math.random()));\n",
      },
      { fileName: 'render.js', text: 'export function render(value) { return <p at={Date.now()}>{value}</p>; }\n' },
    ];
    expect(checkFiles(sources)).toEqual([
      'workflows.mjs:3:57  Math.random() is not replayable',
      "render.js:1:47  Date.now() reads the real clock (in helper render, called from workflow 'w')",
    ]);
  });

  it('reports a file it cannot parse instead of throwing', () => {
    expect(check('export const = ;', 'broken.ts')).toEqual([expect.stringMatching(/^1:14 {2}cannot parse: /)]);
  });
});

describe('checkWorkflowSources and ctx.sideEffect', () => {
  it('leaves the callback of ctx.sideEffect alone, and flags the same call right outside it', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'export const order = defineWorkflow("order", async (ctx) => {',
      '  const coin = await ctx.sideEffect(() => Math.random());',
      '  const id = await ctx.sideEffect(async function () { return `${crypto.randomUUID()}@${Date.now()}`; });',
      '  const raw = await ctx?.sideEffect(Math.random);',
      '  return { coin, id, raw, other: Math.random() };',
      '});',
    ].join('\n');
    expect(check(source)).toEqual(['6:34  Math.random() is not replayable']);
  });

  it('does not follow a helper that only a sideEffect callback calls, and flags it once a workflow calls it directly', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'function stampOf() { return Date.now(); }',
      'const pick = () => Math.random();',
      'export const quiet = defineWorkflow("quiet", async (ctx) => [await ctx.sideEffect(() => stampOf()), await ctx.sideEffect(pick)]);',
      'export const loud = defineWorkflow("loud", async (ctx) => [await ctx.sideEffect(stampOf), pick()]);',
    ].join('\n');
    expect(check(source)).toEqual(["3:20  Math.random() is not replayable (in helper pick, called from workflow 'loud')"]);
  });

  it('knows ctx by any name: the first parameter, destructured, an alias, a scope callback, a helper handed it', () => {
    const sources = [
      {
        fileName: 'workflows.ts',
        text: [
          "import { defineWorkflow, CancellationScope } from 'duro/workflow';",
          "import { stampOf } from './stamps';",
          'function receiptId(context, prefix: string) { return context.sideEffect(() => prefix + crypto.randomUUID()); }',
          'export const a = defineWorkflow("a", async (context) => context.sideEffect(() => Date.now()));',
          'export const b = defineWorkflow("b", async ({ sideEffect, now }) => (await sideEffect(() => Date.now())) - now());',
          'export const c = defineWorkflow("c", async (ctx) => {',
          '  const { sideEffect: record } = ctx;',
          '  const same = ctx;',
          '  const once = ctx.sideEffect;',
          '  return [await record(() => Math.random()), await same.sideEffect(() => Math.random()), await once(() => Math.random())];',
          '});',
          'export const d = defineWorkflow("d", async (ctx) => [await receiptId(ctx, "r-"), await stampOf(ctx)]);',
          'export const e = defineWorkflow("e", async (ctx) => CancellationScope.nonCancellable(ctx, (inner) => inner.sideEffect(() => Date.now())));',
        ].join('\n'),
      },
      { fileName: 'stamps.ts', text: 'export const stampOf = ({ sideEffect }) => sideEffect(() => new Date().toISOString());\n' },
    ];
    expect(checkFiles(sources)).toEqual([]);
  });

  it('still flags sideEffect of something that is not ctx, a shadowed ctx, and arguments evaluated before the call', () => {
    const source = [
      "import { defineWorkflow } from 'duro/workflow';",
      'const run = (ctx) => ctx.sideEffect(() => Date.now());',
      'export const order = defineWorkflow("order", async (ctx) => {',
      '  const other = { sideEffect: (f: () => number) => f() };',
      '  other.sideEffect(() => Math.random());',
      '  [1].map((ctx) => ctx.sideEffect(() => crypto.randomUUID()));',
      '  await ctx.sideEffect(((at: number) => () => at)(Date.now()));',
      '  return run(other);',
      '});',
    ].join('\n');
    expect(check(source)).toEqual([
      "2:43  Date.now() reads the real clock (in helper run, called from workflow 'order')",
      '5:26  Math.random() is not replayable',
      '6:41  crypto.randomUUID() is not replayable',
      '7:51  Date.now() reads the real clock',
    ]);
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

  it('checks every source file under a directory given, skipping node_modules and declarations', async () => {
    const [badFile] = files({ 'bad.ts': bad, 'good.ts': good, 'types.d.ts': 'export declare const x: number;\n' });
    const dir = join(badFile!, '..');
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', 'dep.ts'), bad);
    const run = await cliWith(fetch)('check', dir);
    expect(run.code).toBe(1);
    expect(run.out).toBe(`${badFile}:2:50  Math.random() is not replayable; use ctx.random()\n1 problem in 2 files checked`);
  });

  it('follows helpers into files next to the checked one, and says which workflow reaches them', async () => {
    const run = await cliWith(fetch)('check', join(FIXTURES, 'order-workflow.ts'));
    expect(run.code).toBe(1);
    expect(run.out).toBe(
      [
        `${join(FIXTURES, 'ids.ts')}:3:10  crypto.randomUUID() is not replayable; use ctx.uuid() (in helper nextId, called from workflow 'order')`,
        `${join(FIXTURES, 'stamps/index.ts')}:2:30  new Date() reads the real clock; use new Date(ctx.now()) (in helper stampOf, called from workflow 'order' via receiptOf)`,
        '2 problems in 1 file checked',
      ].join('\n'),
    );
  });

  it('runs where no typescript package can be found', { timeout: 30_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'duro-check-no-ts-'));
    // Bundled as the published CLI is, but with `typescript` left out: loading it from there would fail.
    const bundle = await build({
      entryPoints: [fileURLToPath(new URL('../../../client/cli-check.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(dir, 'check.mjs'),
      external: ['typescript'],
      metafile: true,
      logLevel: 'silent',
    });
    expect(Object.keys(bundle.metafile.inputs).filter((input) => input.includes('node_modules/typescript'))).toEqual([]);
    writeFileSync(join(dir, 'run.mjs'), "import { runCheck } from './check.mjs';\nprocess.exitCode = await runCheck(process.argv.slice(2), { json: true, out: console.log });\n");
    const [badFile] = files({ 'bad.ts': bad });
    const run = await promisify(execFile)(process.execPath, ['run.mjs', badFile!], { cwd: dir }).catch((failure: { code: number; stdout: string; stderr: string }) => failure);
    expect('code' in run ? run.code : 0, run.stderr).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([{ fileName: badFile, line: 2, column: 50, message: expect.stringMatching(/^Math.random/) }]);
  });
});
