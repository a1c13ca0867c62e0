// `duro init [dir]`: a Worker project that runs as it is. The files come from the package's templates/init (shipped
// beside dist/), the versions from this package's own package.json, so a scaffold always pins the wrangler, vitest
// and TypeScript this Duro was tested with.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** templates/init and package.json sit one folder above both client/ (sources) and dist/ (the built CLI). */
const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE_DIR = join(PACKAGE_ROOT, 'templates/init');

/**
 * Template files kept under another name or place: npm never packs a `.gitignore`, and a published package should
 * hold no test file, so the scaffold's test travels as `order-scenarios.ts.template`.
 */
const WRITTEN_AS: Record<string, string> = { gitignore: '.gitignore', 'order-scenarios.ts.template': 'test/order.test.ts' };

/** The tools the scaffold pins, at the versions this package's own tests use. */
const TOOLS = ['wrangler', 'vitest', 'typescript', '@cloudflare/workers-types', '@types/node'] as const;

export interface InitResult {
  dir: string;
  name: string;
  files: string[];
}

/** A Worker name: lowercase letters, digits and dashes, as Cloudflare requires. */
export function workerNameOf(dir: string): string {
  const name = basename(resolve(dir)).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name || 'duro-app';
}

/** Writes the project into `dir`, which must be missing or empty; refuses to overwrite anything. */
export async function initProject(dir: string): Promise<InitResult> {
  const target = resolve(dir);
  if (existsSync(target)) {
    if (!(await stat(target)).isDirectory()) throw new Error(`${dir} is a file; give a new folder: duro init my-app`);
    if ((await readdir(target)).length > 0) throw new Error(`${dir} is not empty; give a new folder: duro init my-app`);
  }
  const name = workerNameOf(target);
  const own = JSON.parse(await readFile(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
  const files: string[] = [];
  for (const source of await templateFiles(TEMPLATE_DIR)) {
    const path = relative(TEMPLATE_DIR, source);
    const destination = join(target, WRITTEN_AS[path] ?? path);
    await mkdir(dirname(destination), { recursive: true });
    await writeFile(destination, (await readFile(source, 'utf8')).replaceAll('{{name}}', name), { flag: 'wx' }); // never overwrite
    files.push(relative(target, destination));
  }
  await writeFile(join(target, 'package.json'), `${JSON.stringify(packageJsonOf(name, own), null, 2)}\n`, { flag: 'wx' });
  files.push('package.json');
  return { dir: target, name, files: files.sort() };
}

function packageJsonOf(name: string, own: { version: string; devDependencies: Record<string, string> }) {
  const devDependencies = Object.fromEntries(TOOLS.map((tool) => {
    const version = own.devDependencies[tool];
    if (!version) throw new Error(`this duro package does not name a version of ${tool}`);
    return [tool, version];
  }));
  return {
    name,
    private: true,
    type: 'module',
    scripts: { dev: 'wrangler dev', test: 'vitest run', typecheck: 'tsc --noEmit', check: 'duro check src/workflows.ts', deploy: 'wrangler deploy' },
    dependencies: { duro: `^${own.version}` },
    devDependencies,
  };
}

async function templateFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => (entry.isDirectory() ? templateFiles(join(dir, entry.name)) : [join(dir, entry.name)])));
  return nested.flat();
}

/** What to do next, printed after the files are written. */
export function nextSteps(result: InitResult, dir: string): string {
  return [
    `Created ${result.name} in ${result.dir}:`,
    ...result.files.map((file) => `  ${file}`),
    '',
    'Next:',
    ...(resolve(dir) === resolve('.') ? [] : [`  cd ${dir}`]),
    '  npm install',
    '  npm run dev     # the API and the web UI on http://127.0.0.1:8787/ui',
    '  npm test        # the workflow tests, time-skipping',
  ].join('\n');
}
