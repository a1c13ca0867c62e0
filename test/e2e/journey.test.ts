// The new user's journey, from the packed tarball, in a folder outside the repo: `npm pack` → `duro init` →
// `npm install` → strict `tsc` (Workers types from @cloudflare/workers-types and from `wrangler types`) → the
// scaffold's own tests → a Temporal-style and a Cloudflare-style workflow with their tests → `wrangler dev` → start,
// query, signal and result with curl and with a plain Node script importing `duro/client` → `duro replay` of a
// recorded Saga history, passing for the same code and failing for changed code → `wrangler deploy --dry-run` and its
// bundle size. Nothing here sees the repo's sources or vitest aliases.
import { execFile, type ExecFileOptions } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Ran {
  code: number;
  out: string;
  err: string;
}

/** Runs a command to its end, never throwing: the test asserts on the code and what it printed. */
function run(command: string, args: string[], options: ExecFileOptions & { timeout?: number } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(command, args, {
      maxBuffer: 64 * 1024 * 1024, timeout: 240_000, ...options,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0', npm_config_update_notifier: 'false', ...options.env },
    }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: String(stdout), err: String(stderr) });
    });
  });
}

const expectOk = (ran: Ran) => expect(ran.code, `${ran.out}\n${ran.err}`).toBe(0);

let work: string;
let tarball: string;
let app: string;
let dev: WranglerDev | undefined;

const inApp = (command: string, args: string[], options: ExecFileOptions = {}) => run(command, args, { cwd: app, ...options });
const npx = (...args: string[]) => inApp('npx', ['--no-install', ...args]);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'duro-journey-'));
  // `prepack` builds dist/ first, as a publish would.
  expectOk(await run('npm', ['pack', '--pack-destination', work], { cwd: ROOT }));
  tarball = join(work, readdirSync(work).find((file) => file.endsWith('.tgz'))!);
  // `npx duro init` before anything is installed: npm fetches the package (here, the tarball) and runs its bin.
  expectOk(await run('tar', ['xzf', tarball, '-C', work]));
  const init = await run('npm', ['exec', '--yes', '--prefer-offline', `--package=${tarball}`, '--', 'duro', 'init', 'my-app'], { cwd: work });
  expectOk(init);
  expect(init.out).toMatch(/Created my-app/);
  app = join(work, 'my-app');
  // The scaffold depends on duro ^0.1.0 from the registry; this journey installs the tarball in its place.
  expectOk(await inApp('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball]));
}, 420_000);

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('a new project made by duro init, with the packed tarball', () => {
  it('ships a package that publint and arethetypeswrong accept', async () => {
    expectOk(await run('npx', ['--no-install', 'publint', '--strict', join(work, 'package')], { cwd: ROOT }));
    const attw = await run('npx', ['--no-install', 'attw', tarball, '--profile', 'esm-only'], { cwd: ROOT });
    expectOk(attw); // exits non-zero on any problem for the ESM resolutions (node16 from ESM, bundler)
  });

  it('holds built JavaScript and types only, and no tests or sources', () => {
    const files = JSON.parse(readFileSync(join(app, 'node_modules/duro/package.json'), 'utf8')) as { exports: Record<string, unknown> };
    expect(Object.keys(files.exports)).toEqual(expect.arrayContaining(['./workflow', './worker', './client', './testing', './browser']));
  });

  it('compiles under strict TypeScript with @cloudflare/workers-types, and with the types wrangler generates', async () => {
    expectOk(await npx('tsc', '--noEmit'));
    // Duro's own declarations are checked too (skipLibCheck off), over the Worker's sources and with Workers types
    // alone: the tests are left out because vitest's declarations do not compile against Workers types, and
    // @types/node because its stream and text-codec globals conflict with @cloudflare/workers-types' (the scaffold's
    // skipLibCheck is what lets the two sit together).
    writeFileSync(join(app, 'tsconfig.libcheck.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { skipLibCheck: false, types: ['@cloudflare/workers-types'] }, include: ['src'] }));
    expectOk(await npx('tsc', '-p', 'tsconfig.libcheck.json'));
    expectOk(await npx('wrangler', 'types'));
    writeFileSync(join(app, 'tsconfig.wrangler.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { types: ['./worker-configuration.d.ts'] } }));
    expectOk(await npx('tsc', '--noEmit', '-p', 'tsconfig.wrangler.json'));
  });

  it('lets duro/client, duro/workflow, duro/temporal/workflow and duro/browser compile with no Node or Workers types (the DOM lib only)', async () => {
    writeFileSync(join(app, 'bare.ts'), [
      "import { defineWorkflow, ApplicationFailure } from 'duro/workflow';",
      "import { DuroClient, type WorkflowHandle } from 'duro/client';",
      "import { createBrowserDuro, type BrowserDuro } from 'duro/browser';",
      "export const inTab = (): Promise<BrowserDuro> => createBrowserDuro({ workflows: { w }, dbName: 'app' });",
      "export const w = defineWorkflow('w', async (ctx, n: number) => { if (n < 0) throw ApplicationFailure.nonRetryable('neg'); return ctx.now() + n; });",
      "export async function go(client: DuroClient): Promise<WorkflowHandle<typeof w>> { return client.start(w, { args: 1 } as never); }",
      // Temporal-style code, as Temporal's samples write it.
      "import { proxyActivities, sleep, CancellationScope, ParentClosePolicy, executeChild } from 'duro/temporal/workflow';",
      "const { charge } = proxyActivities<{ charge(id: string): Promise<number> }>({ startToCloseTimeout: '1 minute' });",
      "export async function pay(id: string): Promise<number> { await sleep('1 second'); return CancellationScope.nonCancellable(() => charge(id)); }",
      "export async function payBoth(a: string, b: string): Promise<number[]> { return [await executeChild(pay, { args: [a], parentClosePolicy: ParentClosePolicy.ABANDON }), await pay(b)]; }",
    ].join('\n'));
    writeFileSync(join(app, 'tsconfig.bare.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', lib: ['ES2022', 'DOM'], module: 'ESNext', moduleResolution: 'Bundler', types: [], strict: true, skipLibCheck: false, noEmit: true },
      files: ['bare.ts'],
    }));
    expectOk(await npx('tsc', '-p', 'tsconfig.bare.json'));
  });

  it("passes the scaffold's own tests", async () => {
    const tested = await npx('vitest', 'run');
    expectOk(tested);
    expect(`${tested.out}${tested.err}`).toMatch(/3 passed/);
  });

  /** Copies a fixture's workflow sources into src/ and its test into test/, then runs strict tsc, that test and duro check. */
  async function portedWorkflowPasses(fixture: string, sources: Record<string, string>, test: [template: string, as: string], checked: string): Promise<void> {
    for (const [from, to] of Object.entries(sources)) {
      mkdirSync(join(app, to, '..'), { recursive: true });
      copyFileSync(join(ROOT, 'test/fixtures', fixture, from), join(app, to));
    }
    copyFileSync(join(ROOT, 'test/fixtures', fixture, test[0]), join(app, test[1]));
    expectOk(await npx('tsc', '--noEmit'));
    const tested = await npx('vitest', 'run', test[1]);
    expectOk(tested);
    expect(`${tested.out}${tested.err}`).toMatch(/1 passed/);
    const check = await npx('duro', 'check', checked);
    expectOk(check);
    expect(check.out).toContain('no problems found');
  }

  it('runs a Temporal-style workflow and its test, written as Temporal\'s docs teach them, under strict tsc, vitest and duro check', async () => {
    await portedWorkflowPasses('scaffold-temporal', { 'activities.ts': 'src/temporal/activities.ts', 'workflows.ts': 'src/temporal/workflows.ts' }, ['temporal.test.ts.template', 'test/temporal.test.ts'], 'src/temporal/workflows.ts');
  });

  it('runs a Cloudflare Workflow and its binding, written as Cloudflare\'s docs teach them, under strict tsc, vitest and duro check', async () => {
    await portedWorkflowPasses('scaffold-cloudflare', { 'workflow.ts': 'src/cloudflare/workflow.ts' }, ['cloudflare.test.ts.template', 'test/cloudflare.test.ts'], 'src/cloudflare/workflow.ts');
  });

  it('runs under wrangler dev: curl and a plain Node script start, query, signal and read the result', async () => {
    // As docs/payloads.md says once the bucket exists: uncomment the scaffold's R2 binding (wrangler dev simulates it).
    const toml = join(app, 'wrangler.toml');
    writeFileSync(toml, readFileSync(toml, 'utf8').replace(/^# (\[\[r2_buckets\]\]|binding = "DURO_BLOBS"|bucket_name = "duro-payloads")$/gm, '$1'));
    const port = await freePort();
    dev = await WranglerDev.start({ project: app, port, inspectorPort: await freePort(), persistTo: join(work, 'state'), vars: {}, readyTimeoutMs: 90_000 });
    const curl = (...args: string[]) => run('curl', ['-s', '--max-time', '70', ...args]);
    const json = (body: unknown) => ['-H', 'content-type: application/json', '-d', JSON.stringify(body)];

    const root = await curl('-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `${dev.url}/`);
    expect(root.out).toBe(`302 ${dev.url}/ui`);
    const started = await curl('-X', 'POST', `${dev.url}/v1/workflows`, ...json({ workflowType: 'order', workflowId: 'order-1', input: { orderId: 'o-1', amount: 40 } }));
    expect(JSON.parse(started.out)).toMatchObject({ workflowId: 'order-1' });
    const queried = await curl('-X', 'POST', `${dev.url}/v1/workflows/order-1/queries/status`, ...json({}));
    expect(JSON.parse(queried.out)).toEqual({ result: 'awaiting approval' });
    await curl('-X', 'POST', `${dev.url}/v1/workflows/order-1/signals/approve`, ...json({ args: ['ada'] }));
    const result = await curl(`${dev.url}/v1/workflows/order-1/result`);
    expect(JSON.parse(result.out)).toMatchObject({ status: 'completed', result: { status: 'completed', approvedBy: 'ada', chargeId: 'charge-o-1' } });

    writeFileSync(join(app, 'client.mjs'), `
import { DuroClient, WorkflowFailedError } from 'duro/client';
const client = new DuroClient({ baseUrl: process.argv[2] });
const handle = await client.start('order', { workflowId: 'order-2', input: { orderId: 'o-2', amount: 5000 } });
console.log('status:', await handle.query('status'));
await handle.signal('approve', 'grace');
try {
  await handle.result();
  console.log('completed?');
} catch (error) {
  if (!(error instanceof WorkflowFailedError)) throw error;
  console.log('failed:', error.cause.type, JSON.stringify(error.cause.details));
}
const history = await handle.fetchHistory();
console.log('activities:', history.filter((e) => e.type === 'ActivityTaskScheduled').map((e) => e.activityType).join(','));
process.stdout.write(JSON.stringify(history) + '\\n', () => undefined);
`);
    const node = await inApp(process.execPath, ['client.mjs', dev.url]);
    expectOk(node);
    const [status, failed, activities, history] = node.out.trim().split('\n');
    expect(status).toBe('status: awaiting approval');
    expect(failed).toBe('failed: OrderFailed {"reason":"PaymentDeclined"}');
    expect(activities).toBe('activities: reserve,charge,release');
    writeFileSync(join(app, 'order-2.history.json'), history!);
  });

  it('keeps a large payload in the bound R2 bucket, history holding its reference, and reads it back', async () => {
    const note = 'n'.repeat(1_000_000); // over the 128 KiB threshold, under the API's 2 MiB
    const post = (path: string, body: unknown) => fetch(`${dev!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/workflows', { workflowType: 'order', workflowId: 'order-large', input: { orderId: 'o-3', amount: 40 } })).status).toBe(201);
    expect((await post('/v1/workflows/order-large/signals/approve', { args: [note] })).status).toBe(202);
    const result = (await (await fetch(`${dev!.url}/v1/workflows/order-large/result?wait=30s`)).json()) as { status: string; result: { approvedBy: string } };
    expect(result.status).toBe('completed');
    expect(result.result.approvedBy === note).toBe(true);
    const history = (await (await fetch(`${dev!.url}/v1/workflows/order-large/history`)).json()) as { events: Array<{ type: string; args?: unknown[] }> };
    expect(history.events.find((event) => event.type === 'SignalReceived')!.args![0] === note).toBe(true);
    // The signal's row is in the local bucket (miniflare keeps R2 objects' bytes under the state folder).
    const bucketFiles = readdirSync(join(work, 'state', 'v3', 'r2'), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
    expect(bucketFiles.some((entry) => readFileSync(join(entry.parentPath, entry.name)).includes(note.slice(0, 1000)))).toBe(true);
  });

  it('gates a deploy with duro replay: the recorded Saga replays against its code and fails against changed code', async () => {
    const same = await npx('duro', 'replay', 'order-2.history.json', '--workflows', 'src/workflows.ts');
    expectOk(same);
    expect(same.out).toMatch(/^ok /);

    const source = readFileSync(join(app, 'src/workflows.ts'), 'utf8');
    // A change that running orders would trip on: a new activity before the reservation.
    const changed = source.replace("state = 'reserving';", "state = 'reserving';\n    await ctx.proxyActivities<typeof activities>(activityOptions).release({ reservationId: 'warm-up' });");
    expect(changed).not.toBe(source);
    writeFileSync(join(app, 'src/workflows-changed.ts'), changed);
    const diverged = await npx('duro', 'replay', 'order-2.history.json', '--workflows', 'src/workflows-changed.ts');
    expect(diverged.code).toBe(1);
    expect(diverged.out).toMatch(/^NON-DETERMINISTIC .*release.*reserve|^NON-DETERMINISTIC .*reserve.*release/);

    const checked = await npx('duro', 'check', 'src/workflows.ts');
    expectOk(checked);
  });

  it('bundles for deployment (wrangler deploy --dry-run) and reports the size', async () => {
    const dry = await npx('wrangler', 'deploy', '--dry-run', '--outdir', join(work, 'bundle'));
    expectOk(dry);
    const size = /Total Upload: ([\d.]+ KiB) \/ gzip: ([\d.]+ KiB)/.exec(dry.out);
    expect(size, dry.out).not.toBeNull();
    console.log(`scaffolded Worker bundle: ${size![1]}, ${size![2]} gzipped`);
  });
});
