// `duro`: the REST API from a terminal, through DuroClient. Node only (the bin entry); output is JSON.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { replayHistory } from '../src/testing/replay';
import { DuroClient, DuroApiError } from './duro-client';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** fetch for the client (tests pass the API app's). */
  fetch?: (request: Request) => Promise<Response>;
}

const USAGE = `usage: duro <command> [arguments] [--url URL] [--token TOKEN]

  start <workflowType> [--id ID] [--input JSON] [--wait]
  describe <workflowId> [--run RUN]
  result <workflowId> [--run RUN]
  history <workflowId> [--run RUN]
  signal <workflowId> <name> [--args JSON] [--request-id ID]
  query <workflowId> <name> [--args JSON]
  update <workflowId> <name> [--args JSON] [--update-id ID]
  cancel | terminate | pause | unpause <workflowId> [--reason TEXT]
  reset <workflowId> --event EVENT_ID [--reason TEXT]
  replay <history.json> --workflows <module>   replay a history against your workflow code

  --url defaults to $DURO_URL or http://127.0.0.1:8787; --token to $DURO_API_TOKEN.
  --args takes a JSON array (a single value is one argument).`;

/** Runs one command; resolves with the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' }, token: { type: 'string' }, id: { type: 'string' }, input: { type: 'string' }, wait: { type: 'boolean' },
      run: { type: 'string' }, args: { type: 'string' }, 'request-id': { type: 'string' }, 'update-id': { type: 'string' },
      reason: { type: 'string' }, event: { type: 'string' }, workflows: { type: 'string' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, target, name] = positionals;
  if (!command || values.help) {
    io.out(USAGE);
    return command || values.help ? 0 : 2;
  }
  const token = values.token ?? io.env.DURO_API_TOKEN;
  const client = new DuroClient({ baseUrl: values.url ?? io.env.DURO_URL ?? 'http://127.0.0.1:8787', ...(token && { token }), ...(io.fetch && { fetch: io.fetch }) });
  const print = (value: unknown) => io.out(JSON.stringify(value, null, 2));
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw new UsageError(`missing ${what}`);
    return value;
  };
  const handle = () => client.getHandle(need(target, 'workflowId'), values.run);
  const args = (): unknown[] => {
    if (values.args === undefined) return [];
    const parsed = parseJson(values.args, '--args');
    return Array.isArray(parsed) ? parsed : [parsed];
  };
  try {
    switch (command) {
      case 'start': {
        const started = await client.start(need(target, 'workflowType'), {
          ...(values.id && { workflowId: values.id }),
          ...(values.input !== undefined && { input: parseJson(values.input, '--input') }),
        });
        print(values.wait ? { workflowId: started.workflowId, runId: started.runId, result: await started.result() } : { workflowId: started.workflowId, runId: started.runId });
        return 0;
      }
      case 'describe': print(await handle().describe()); return 0;
      case 'result': print({ result: await handle().result() }); return 0;
      case 'history': print(await handle().fetchHistory()); return 0;
      case 'signal':
        await handle().signalWithRequestId(values['request-id'] ?? crypto.randomUUID(), need(name, 'signal name'), ...args());
        print({ ok: true });
        return 0;
      case 'query': print({ result: await handle().query(need(name, 'query name'), ...args()) }); return 0;
      case 'update': print({ result: await handle().executeUpdate(need(name, 'update name'), { args: args(), ...(values['update-id'] && { updateId: values['update-id'] }) }) }); return 0;
      case 'cancel': await handle().cancel(values.reason); print({ ok: true }); return 0;
      case 'terminate': await handle().terminate(values.reason); print({ ok: true }); return 0;
      case 'pause': await handle().pause(values.reason); print({ ok: true }); return 0;
      case 'unpause': await handle().unpause(); print({ ok: true }); return 0;
      case 'reset': {
        const eventId = Number(need(values.event, '--event'));
        print(await client.request('POST', `/v1/workflows/${encodeURIComponent(need(target, 'workflowId'))}/reset${values.run ? `?runId=${encodeURIComponent(values.run)}` : ''}`, { eventId, ...(values.reason && { reason: values.reason }) }));
        return 0;
      }
      case 'replay': {
        const history = parseJson(await readFile(need(target, 'history file'), 'utf8'), target!);
        const workflows = (await import(pathToFileURL(resolve(need(values.workflows, '--workflows'))).href)) as Record<string, unknown>;
        await replayHistory(workflows, history as never);
        print({ ok: true, replayed: target });
        return 0;
      }
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`duro: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof DuroApiError) io.err(JSON.stringify(error.problem, null, 2));
    else io.err(`duro: ${(error as Error).message}`);
    return 1;
  }
}

class UsageError extends Error {}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} is not valid JSON`);
  }
}
