// Runs the end-to-end Worker (test/fixtures/e2e-worker, or another `config`) under a real `wrangler dev`, as its own
// process group, so a test can SIGKILL all of it (wrangler, workerd, esbuild) at once and start it again on the same state.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRANGLER = fileURLToPath(new URL('../../node_modules/wrangler/bin/wrangler.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../fixtures/e2e-worker/wrangler.toml', import.meta.url));

/** A port of 127.0.0.1 nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface WranglerOptions {
  port: number;
  inspectorPort: number;
  persistTo: string;
  vars: Record<string, string>;
  /** The wrangler.toml to run. Default: the end-to-end Worker's (test/fixtures/e2e-worker/wrangler.toml). */
  config?: string;
  /** How long `GET /healthz` may take to answer 200. */
  readyTimeoutMs?: number;
  /** The project to run wrangler in, with its own wrangler (node_modules/wrangler). Default: this repo. */
  project?: string;
}

export class WranglerDev {
  readonly url: string;
  readonly #pid: number;
  readonly #log: string[];

  private constructor(pid: number, url: string, log: string[]) {
    this.#pid = pid;
    this.url = url;
    this.#log = log;
  }

  /** Spawns `wrangler dev` leading its own process group and waits until the Worker answers. */
  static async start(options: WranglerOptions): Promise<WranglerDev> {
    const wrangler = options.project ? join(options.project, 'node_modules/wrangler/bin/wrangler.js') : WRANGLER;
    const args = [
      wrangler, 'dev', '--config', options.config ?? (options.project ? join(options.project, 'wrangler.toml') : CONFIG), '--persist-to', options.persistTo, '--ip', '127.0.0.1', '--port', String(options.port),
      '--inspector-port', String(options.inspectorPort), '--show-interactive-dev-session=false', '--log-level', 'warn',
      ...Object.entries(options.vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ];
    const child = spawn(process.execPath, args, {
      cwd: options.project ?? ROOT,
      detached: true, // its own process group: process.kill(-pid) reaches workerd and esbuild too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    const log: string[] = [];
    const keep = (chunk: Buffer) => {
      log.push(chunk.toString());
      if (log.length > 400) log.splice(0, log.length - 400);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    if (child.pid === undefined) throw new Error('wrangler dev did not start');
    // Should the test process end without its afterAll (a worker torn down on timeout), take the group with it.
    const pgid = child.pid;
    const killOnExit = () => {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.removeListener('exit', killOnExit));
    const dev = new WranglerDev(child.pid, `http://127.0.0.1:${options.port}`, log);
    let exited: string | undefined;
    child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`));
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      if (exited) throw new Error(`wrangler dev ${exited} before it was ready:\n${dev.logTail()}`);
      try {
        if ((await fetch(`${dev.url}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok) return dev;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) {
        await dev.kill();
        throw new Error(`wrangler dev was not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${dev.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  get pid(): number {
    return this.#pid;
  }

  logTail(lines = 60): string {
    return this.#log.join('').split('\n').slice(-lines).join('\n');
  }

  /** SIGKILLs the whole process group and waits (bounded) until none of it is alive. */
  async kill(timeoutMs = 10_000): Promise<void> {
    try {
      process.kill(-this.#pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
    const deadline = Date.now() + timeoutMs;
    while (processGroup(this.#pid).length > 0) {
      if (Date.now() > deadline) throw new Error(`processes of group ${this.#pid} survived SIGKILL: ${JSON.stringify(processGroup(this.#pid))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

export interface GroupMember {
  pid: number;
  command: string;
}

/** Live (not zombie) processes whose process group is `pgid`: from /proc on Linux, else from `ps`. */
export function processGroup(pgid: number): GroupMember[] {
  if (!existsSync('/proc/self/stat')) {
    return execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,comm='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, group, state]) => pid && Number(group) === pgid && !state!.startsWith('Z'))
      .map(([pid, , , ...command]) => ({ pid: Number(pid), command: command.join(' ') }));
  }
  const members: GroupMember[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const close = stat.lastIndexOf(')');
    const [state, , pgrp] = stat.slice(close + 2).split(' ');
    if (Number(pgrp) !== pgid || state === 'Z' || state === 'X') continue;
    members.push({ pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return members;
}
