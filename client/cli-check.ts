// `duro check <file...>`: client/check.ts over files on disk, reading the relative imports it follows on demand.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { checkWorkflowSources, type CheckFinding } from './check';

/** Prints `file:line:col  message` per finding; resolves with 1 when anything was flagged. */
export async function runCheck(files: string[], options: { json: boolean; out: (text: string) => void }): Promise<number> {
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
