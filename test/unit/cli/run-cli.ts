// Runs the `duro` CLI in-process with a fetch of the test's, capturing what it prints.
import { runCli } from '../../../client/cli';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  json(): any;
}

export function cliWith(fetch: (request: Request) => Promise<Response>, env: Record<string, string | undefined> = {}) {
  return async (...argv: string[]): Promise<CliRun> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t), env, fetch });
    return { code, out: out.join('\n'), err: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
  };
}
