// `--workflows <file>` of `duro replay`: the user's workflow module, TypeScript or JavaScript, loaded without a
// loader flag. esbuild bundles it at run time into a temporary ES module; its imports of `duro/*` are pointed at the
// entries beside this CLI, so the workflows and the replaying engine are one copy of Duro (and where they cannot be,
// the brands of decision 011 keep two copies agreeing).
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** `duro/<entry>` → the file that implements it, for the resolver below. */
export type DuroEntries = Record<string, string>;

const ENTRIES = [
  'workflow', 'worker', 'client', 'testing', 'browser',
  'temporal/workflow', 'temporal/activity', 'temporal/client', 'temporal/testing', 'temporal/worker', 'temporal/common',
  'cloudflare',
] as const;

/** Where each entry's sources are, for this repo's own runs of the CLI from client/*.ts (package.json maps dist/). */
const SOURCE_ENTRIES: Record<(typeof ENTRIES)[number], string> = {
  workflow: '../src/core/index.ts', worker: '../src/worker.ts', client: './index.ts', testing: '../src/testing/index.ts', browser: '../src/browser/index.ts',
  'temporal/workflow': '../src/temporal/workflow/index.ts', 'temporal/activity': '../src/temporal/activity/index.ts',
  'temporal/client': '../src/temporal/client/index.ts', 'temporal/testing': '../src/temporal/testing/index.ts', 'temporal/worker': '../src/temporal/worker/index.ts',
  'temporal/common': '../src/temporal/common/index.ts', cloudflare: '../src/cloudflare/index.ts',
};

/** The built file of an entry: `temporal/workflow` is dist/temporal-workflow.js. */
const builtFile = (entry: string): string => `./${entry.replace('/', '-')}.js`;

/**
 * The entries of the Duro this code belongs to: the built package's (dist/cli.js beside dist/workflow.js), or the
 * sources when it runs from them; undefined if neither is there, and the user's module resolves `duro/*` itself.
 */
export function ownEntries(): DuroEntries | undefined {
  const fromSources = import.meta.url.endsWith('.ts');
  const entries = Object.fromEntries(ENTRIES.map((entry) => [`duro/${entry}`, fileURLToPath(new URL(fromSources ? SOURCE_ENTRIES[entry] : builtFile(entry), import.meta.url))]));
  return Object.values(entries).every((file) => existsSync(file)) ? entries : undefined;
}

/** Bundles and imports `file`; a build error names the file and what esbuild said. */
export async function loadWorkflowModule(file: string, entries: DuroEntries | undefined = ownEntries()): Promise<Record<string, unknown>> {
  const entryPoint = resolve(file);
  if (!existsSync(entryPoint)) throw new Error(`--workflows: no such file: ${file}`);
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entryPoint],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outfile: 'workflows.mjs',
    logLevel: 'silent',
    // Workflow code is deterministic and needs none of these; a Worker's own module may import them beside it.
    external: ['cloudflare:*'],
    plugins: entries ? [{
      name: 'duro-entries',
      setup(plugin) {
        plugin.onResolve({ filter: /^duro\/[a-z]+(\/[a-z]+)?$/ }, (args) => {
          const target = entries[args.path];
          return target ? { path: pathToFileURL(target).href, external: true } : undefined;
        });
      },
    }] : [],
  }).catch((error: { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }) => {
    const first = error.errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new Error(`--workflows: could not bundle ${file}: ${first?.text ?? String(error)}${where}`);
  });
  const dir = await mkdtemp(join(tmpdir(), 'duro-workflows-'));
  try {
    const out = join(dir, 'workflows.mjs');
    await writeFile(out, result.outputFiles[0]!.contents);
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
