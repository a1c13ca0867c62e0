// Following a run's kept log lines (GET /v1/workflows/{id}/logs): poll for the lines kept after the last one seen
// until the run closes. The server keeps a run's latest Limits.logLinesKept, so one page a poll reads all there is.
import { toMs, type Duration } from '../src/core/duration';
import type { WorkflowStatus } from '../src/core/history';
import type { LogPage } from '../src/protocol/execution-rpc';

export type { LogPage } from '../src/protocol/execution-rpc';
export type { LogLine } from '../src/core/log';

/** One kept line and its `seq` (pass it as `after` to read what was kept since). */
export type KeptLog = LogPage['lines'][number];

export interface LogsOptions {
  /** Default: the handle's run, or the latest run of the workflow id. */
  runId?: string;
  /** Only lines kept after this `seq`: a page's `lastSeq` reads what followed it. */
  after?: number;
  /** Lines in the page; the server's default and maximum is what a run keeps (Limits.logLinesKept). */
  limit?: number;
}

export interface FollowLogsOptions {
  runId?: string;
  after?: number;
  /** Wait between polls while the run is open. Default 1 s. */
  pollInterval?: Duration;
  /** Stops following (the iteration ends) when it aborts. */
  signal?: AbortSignal;
}

/** What following needs from the API: a page of lines after `after`, and a run's status (and id, for the latest). */
export interface LogSource {
  logs(options: { runId?: string; after: number }): Promise<LogPage>;
  status(runId: string | undefined): Promise<{ runId: string; status: WorkflowStatus }>;
  /** The run `runId` continued as new into, when it did. */
  continuedAs?(runId: string): Promise<string | undefined>;
}

/**
 * The run's lines as they are kept, oldest first, until the run closes (its last lines included) or `signal` aborts.
 * A run that continues as new is followed into its next run, as a result is (each run keeps its own lines).
 */
export async function* followLogs(source: LogSource, options: FollowLogsOptions = {}): AsyncGenerator<KeptLog, void, undefined> {
  const intervalMs = toMs(options.pollInterval ?? '1s', 'pollInterval');
  let runId = options.runId;
  let after = options.after ?? 0;
  while (!options.signal?.aborted) {
    // The status first: lines committed by the close are kept with it, so the read after a close sees all of them.
    const run = await source.status(runId);
    runId = run.runId;
    const page = await source.logs({ runId, after });
    yield* page.lines;
    after = page.lastSeq;
    if (run.status !== 'running') {
      const next = run.status === 'continuedAsNew' ? await source.continuedAs?.(runId) : undefined;
      if (next === undefined) return;
      runId = next;
      after = 0; // seq is the store's, not the run's: the next run's lines start anywhere
      continue;
    }
    await pause(intervalMs, options.signal);
  }
}

function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
