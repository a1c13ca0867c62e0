// `duro check <file...>`: client/check.ts over files on disk, with the `typescript` package of the project it runs in.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as TS from 'typescript';
import { checkWorkflowSources, type CheckFinding } from './check';

/** Prints `file:line:col  message` per finding; resolves with 1 when anything was flagged. */
export async function runCheck(files: string[], options: { json: boolean; out: (text: string) => void }): Promise<number> {
  const ts = await loadTypeScript();
  const sources = await Promise.all(files.map(async (fileName) => ({ fileName, text: await readFile(fileName, 'utf8') })));
  const findings = checkWorkflowSources(ts, sources);
  if (options.json) options.out(JSON.stringify(findings, null, 2));
  else options.out(formatFindings(findings, files.length));
  return findings.length > 0 ? 1 : 0;
}

export function formatFindings(findings: CheckFinding[], fileCount: number): string {
  const files = `${fileCount} file${fileCount === 1 ? '' : 's'}`;
  if (findings.length === 0) return `${files} checked: no problems found`;
  const lines = findings.map((f) => `${f.fileName}:${f.line}:${f.column}  ${f.message}`);
  return [...lines, `${findings.length} problem${findings.length === 1 ? '' : 's'} in ${files} checked`].join('\n');
}

/**
 * The compiler from beside the CLI, else from the current project. Never bundled into dist/cli.mjs: the
 * specifier is a variable, which esbuild leaves to Node.
 */
async function loadTypeScript(): Promise<typeof TS> {
  const specifier = 'typescript';
  const candidates = [
    () => import(specifier),
    () => import(pathToFileURL(createRequire(resolve('package.json')).resolve(specifier)).href),
  ];
  for (const load of candidates) {
    try {
      const module = (await load()) as typeof TS & { default?: typeof TS };
      return module.default ?? module;
    } catch {
      // try the next place
    }
  }
  throw new Error("check needs the 'typescript' package: install it in your project (npm install --save-dev typescript)");
}
