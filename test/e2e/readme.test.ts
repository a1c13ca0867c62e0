// End to end: the README's quick-start, run as written. Every `curl` command in the sh blocks of "Duro in your own
// Worker" runs in bash, in order, against this repo's own Worker under `wrangler dev` (what `npm run dev` serves,
// on a free port), and must exit 0 with a 2xx and the reply the README shows in the `# …` line under it. So the
// README cannot drift from what the API does.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { freePort, WranglerDev } from './wrangler-dev';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SECTION = 'Duro in your own Worker';
/** curl appends this and the status code to what it prints (through the .curlrc below), so the command stays as written. */
const STATUS_MARK = '@@http-status ';
/** The Visibility index is eventually consistent: a read that does not show what the README implies yet is retried. */
const READ_DEADLINE_MS = 10_000;

interface QuickStartCommand {
  /** The command as the README has it, continuation lines joined. */
  command: string;
  /** The `# …` line right under it: the reply the README shows, JSON with `"…"` standing for any value. */
  shows?: string;
}

/** The `curl` commands of the README section `heading`, in order, each with the reply line shown under it. */
function quickStartCommands(markdown: string, heading: string): QuickStartCommand[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README.md has no section "## ${heading}"`);
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const commands: QuickStartCommand[] = [];
  for (const block of section.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    const lines: string[] = [];
    for (const line of block[1]!.split('\n')) {
      const previous = lines.at(-1);
      if (previous?.endsWith('\\')) lines[lines.length - 1] = `${previous.slice(0, -1).trimEnd()} ${line.trim()}`;
      else lines.push(line);
    }
    lines.forEach((line, index) => {
      if (!line.startsWith('curl ')) return;
      const next = lines[index + 1];
      commands.push({ command: line, ...(next?.startsWith('# ') && { shows: next.slice(2).trim() }) });
    });
  }
  return commands;
}

/** `"…"` in what the README shows matches any value; everything else must be equal, with the same keys. */
function matchesShown(actual: unknown, shown: unknown): boolean {
  if (shown === '…') return actual !== undefined;
  if (Array.isArray(shown)) return Array.isArray(actual) && actual.length === shown.length && shown.every((item, i) => matchesShown(actual[i], item));
  if (shown && typeof shown === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const keys = Object.keys(shown);
    return keys.length === Object.keys(actual).length && keys.every((key) => matchesShown((actual as Record<string, unknown>)[key], (shown as Record<string, unknown>)[key]));
  }
  return actual === shown;
}

interface Ran {
  code: number;
  status: number;
  body: string;
  stderr: string;
}

let dev: WranglerDev | undefined;
let work: string;
let port: number;

/** Runs one README command in bash, aimed at the test's port. */
function run(command: string): Promise<Ran> {
  const aimed = command.replace(/\b(?:localhost|127\.0\.0\.1):8787\b/g, `127.0.0.1:${port}`);
  return new Promise((resolve) => {
    execFile('bash', ['-c', aimed], {
      cwd: work,
      timeout: 45_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CURL_HOME: work, HOME: work, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost' },
    }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      const mark = stdout.lastIndexOf(STATUS_MARK);
      resolve({
        code,
        status: mark < 0 ? 0 : Number(stdout.slice(mark + STATUS_MARK.length).trim()),
        body: (mark < 0 ? stdout : stdout.slice(0, mark)).trimEnd(),
        stderr,
      });
    });
  });
}

const commands = quickStartCommands(README, SECTION);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'duro-e2e-readme-'));
  // Read by every curl the test runs (CURL_HOME): quiet, errors on stderr, and the status code after the body.
  writeFileSync(join(work, '.curlrc'), `silent\nshow-error\nwrite-out = "\\n${STATUS_MARK}%{http_code}\\n"\n`);
  port = await freePort();
  // `npm run dev` is `wrangler dev --ip 127.0.0.1` with this wrangler.toml; no token, as on a developer's machine.
  dev = await WranglerDev.start({ config: join(ROOT, 'wrangler.toml'), port, inspectorPort: await freePort(), persistTo: join(work, 'state'), vars: {} });
}, 90_000);

beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(`wrangler dev, last lines:\n${dev?.logTail(40) ?? '(not running)'}`)));

afterAll(async () => {
  await dev?.kill().catch(() => undefined);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the README quick-start', () => {
  it('serves what `npm run dev` serves, on the port the README names', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.dev).toBe('wrangler dev --ip 127.0.0.1'); // what this test runs, but for the port and state
    expect(README.slice(0, README.indexOf('\n## '))).toMatch(/npm ci && npm run dev .*http:\/\/127\.0\.0\.1:8787/);
    expect(readFileSync(join(ROOT, 'wrangler.toml'), 'utf8')).not.toMatch(/^\[dev\]/m); // so wrangler's default port, 8787
  });

  it('has curl commands that start a workflow and read its result', () => {
    expect(commands.some(({ command }) => /-XPOST \S*\/v1\/workflows /.test(command))).toBe(true);
    expect(commands.some(({ command }) => command.includes('/result'))).toBe(true);
  });

  it('runs every curl command as written, each answering what the README shows', async () => {
    const started: Array<{ workflowId: string; workflowType: string }> = [];
    for (const { command, shows } of commands) {
      const isRead = !/-X ?POST/.test(command);
      const deadline = Date.now() + READ_DEADLINE_MS;
      for (;;) {
        const ran = await run(command);
        const problems = check(command, ran, shows, started);
        if (problems.length === 0) {
          const body = /-X ?POST \S*\/v1\/workflows /.test(command) ? /-d '([^']*)'/.exec(command)?.[1] : undefined;
          if (body) started.push(JSON.parse(body) as { workflowId: string; workflowType: string });
          break;
        }
        // Only reads are repeated, and only while the index may still be catching up.
        if (!isRead || Date.now() > deadline) expect.fail(`${command}\n${problems.join('\n')}\nexit ${ran.code}, HTTP ${ran.status}\n${ran.body}\n${ran.stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }, 60_000);
});

/** What is wrong with one command's outcome; empty when it is what the README implies. */
function check(command: string, ran: Ran, shows: string | undefined, started: Array<{ workflowId: string; workflowType: string }>): string[] {
  const problems: string[] = [];
  if (ran.code !== 0) problems.push(`curl exited ${ran.code}`);
  if (ran.status < 200 || ran.status > 299) problems.push(`HTTP ${ran.status}, not 2xx`);
  if (/-X ?POST \S*\/v1\/workflows /.test(command) && ran.status !== 201) problems.push('a start answers 201');
  if (shows !== undefined && /^[[{]/.test(shows)) {
    let actual: unknown;
    try {
      actual = JSON.parse(ran.body);
    } catch {
      problems.push('the reply is not JSON');
    }
    if (actual !== undefined && !matchesShown(actual, JSON.parse(shows))) problems.push(`the README shows ${shows}`);
  }
  const url = /(?:localhost|127\.0\.0\.1):\d+(\/[^\s']*)/.exec(command)?.[1] ?? '';
  const { pathname, searchParams } = new URL(url, 'http://readme.test');
  if (pathname === '/v1/workflows' && !/-X ?POST/.test(command)) {
    // A listing shows every workflow the README started that its filters match.
    const type = searchParams.get('workflowType');
    const listed = ran.status === 200 ? (JSON.parse(ran.body) as { executions: Array<{ workflowId: string; status: string }> }).executions : [];
    for (const { workflowId } of started.filter((s) => !type || s.workflowType === type)) {
      const execution = listed.find((e) => e.workflowId === workflowId);
      if (!execution) problems.push(`the list does not show ${workflowId} yet`);
      else if (searchParams.get('status') && !searchParams.get('status')!.split(',').includes(execution.status)) problems.push(`${workflowId} is listed as ${execution.status}`);
    }
  }
  if (pathname === '/metrics') {
    for (const { workflowType } of started) {
      if (!ran.body.includes(`duro_workflows_started_total{workflow_type="${workflowType}"}`)) problems.push(`/metrics does not count ${workflowType} yet`);
    }
    if (!/^duro_activity_attempts_total\{/m.test(ran.body)) problems.push('/metrics has no duro_activity_attempts_total series');
  }
  return problems;
}
