// `duro check <file or directory...>`: client/check.ts over files on disk (a directory: every source file under it),
// reading the relative imports it follows on demand.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { checkWorkflowSources, type CheckFinding } from './check';

/** Prints `file:line:col  message` per finding; resolves with 1 when anything was flagged. */
export async function runCheck(paths: string[], options: { json: boolean; out: (text: string) => void }): Promise<number> {
  const files = paths.flatMap(sourceFilesAt);
  const sources = await Promise.all(files.map(async (fileName) => ({ fileName, text: await readFile(fileName, 'utf8') })));
  const findings = checkWorkflowSources(sources, { readSource: readIfFile });
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

/** Source files under a directory (not node_modules, hidden folders or declarations), or the path itself. */
function sourceFilesAt(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })?.isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.') && entry.name !== 'node_modules')
    .flatMap((entry) => (entry.isDirectory() ? sourceFilesAt(join(path, entry.name)) : SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts') ? [join(path, entry.name)] : []))
    .sort();
}

const SOURCE_FILE = /\.(ts|tsx|mts|js|mjs)$/;

/** The check probes `util.ts`, `util.tsx`, … for `./util`: a name that is not a file is a miss, not an error. */
function readIfFile(fileName: string): string | undefined {
  try {
    return readFileSync(fileName, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw error;
  }
}
