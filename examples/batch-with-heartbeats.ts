// A long-running activity that heartbeats its progress: when an attempt dies (it throws, or goes silent and the
// heartbeat timeout kills it) the retry resumes from the last heartbeat instead of starting over.
import { ApplicationFailure, defineWorkflow, toMs, type ActivityContext, type Duration } from 'duro/workflow';

export interface BatchInput {
  /** Items in the batch. Default 1000. */
  items?: number;
  /** The first attempt dies just before processing this item (0-based). Default: no crash. */
  crashAt?: number;
  /** How it dies: `throw` a retryable failure (default), or `hang` silently until the heartbeat timeout fires. */
  crashMode?: 'throw' | 'hang';
  /** Items between two pauses (a stand-in for one round trip to a database). Default 100. */
  chunkSize?: number;
  /** The pause after each chunk. Default 100 ms, so the default batch runs about a second. */
  chunkDelay?: Duration;
  /** How long an attempt may go without heartbeating. Default 10 s. */
  heartbeatTimeout?: Duration;
}

export interface BatchResult {
  /** Items processed, over all attempts. */
  processed: number;
  /** The attempt that finished the batch. */
  attempts: number;
  /** Where that attempt started: the `processed` of the last heartbeat before it (0 for a first attempt). */
  resumedFrom: number;
}

/** What `processBatch` heartbeats, and finds in `ctx.heartbeatDetails` on a retry. */
export interface BatchProgress {
  processed: number;
}

interface ProcessBatchInput {
  items: number;
  crashAt?: number;
  crashMode: 'throw' | 'hang';
  chunkSize: number;
  chunkDelayMs: number;
}

// Demo only: how often each item was processed, per workflow id (latest run), kept in this isolate's memory so tests
// can check that every item was processed exactly once. A real activity writes its effects where they are durable.
const processedCounts = new Map<string, { runId: string; counts: number[] }>();

/** Attempts that went silent and were then stopped by Duro (their cancellation signal fired), per workflow id (demo bookkeeping). */
const stoppedAttempts = new Map<string, number[]>();

export function batchStoppedAttempts(workflowId: string): number[] {
  return [...(stoppedAttempts.get(workflowId) ?? [])];
}

/** How many times `processBatch` processed each item of a workflow's batch, in this isolate (demo bookkeeping). */
export function batchProcessCounts(workflowId: string): number[] {
  return [...(processedCounts.get(workflowId)?.counts ?? [])];
}

function countsFor(ctx: ActivityContext, items: number): number[] {
  const { workflowId, runId } = ctx.info;
  const known = processedCounts.get(workflowId);
  if (known?.runId === runId) return known.counts;
  const counts = new Array<number>(items).fill(0);
  processedCounts.set(workflowId, { runId, counts });
  return counts;
}

export const batchActivities = {
  /** Processes items from where the last attempt's heartbeat left off, heartbeating after each one. */
  async processBatch(input: ProcessBatchInput, ctx: ActivityContext): Promise<{ processed: number; resumedFrom: number; attempt: number }> {
    const resumedFrom = (ctx.heartbeatDetails as BatchProgress | undefined)?.processed ?? 0;
    const counts = countsFor(ctx, input.items);
    for (let item = resumedFrom; item < input.items; item++) {
      if (item === input.crashAt && ctx.info.attempt === 1) await crash(input.crashMode, item, ctx);
      counts[item]! += 1;
      // Cheap: the host sends at most one heartbeat a second (latest details win) and delivers the latest before
      // reporting a failure, so the retry resumes exactly after the last item done.
      ctx.heartbeat({ processed: item + 1 } satisfies BatchProgress);
      if ((item + 1) % input.chunkSize === 0 && item + 1 < input.items) await ctx.sleep(input.chunkDelayMs); // rejects once cancelled or timed out
    }
    return { processed: input.items - resumedFrom, resumedFrom, attempt: ctx.info.attempt };
  },
};

/** Ends the first attempt midway: a thrown retryable failure, or silence until the heartbeat timeout aborts it. */
async function crash(mode: 'throw' | 'hang', item: number, ctx: ActivityContext): Promise<never> {
  if (mode === 'hang') {
    await ctx.sleep(3_600_000).catch(() => undefined); // aborted when the heartbeat timeout fires
    stoppedAttempts.set(ctx.info.workflowId, [...(stoppedAttempts.get(ctx.info.workflowId) ?? []), ctx.info.attempt]);
    throw ApplicationFailure.retryable(`attempt ${ctx.info.attempt} stopped heartbeating before item ${item}`, 'SimulatedHang');
  }
  throw ApplicationFailure.retryable(`attempt ${ctx.info.attempt} crashed before item ${item}`, 'SimulatedCrash');
}

/** Runs one batch as one long activity, with a heartbeat timeout to notice a dead attempt early. */
export const batchWithHeartbeats = defineWorkflow('batchWithHeartbeats', async (ctx, input: BatchInput = {}): Promise<BatchResult> => {
  const items = input.items ?? 1000;
  const chunkSize = input.chunkSize ?? 100;
  if (!Number.isInteger(items) || items < 0 || !Number.isInteger(chunkSize) || chunkSize < 1) {
    throw ApplicationFailure.nonRetryable(`items must be an integer ≥ 0 and chunkSize ≥ 1, not ${items} and ${chunkSize}`, 'InvalidInput');
  }
  const { processBatch } = ctx.proxyActivities<typeof batchActivities>({
    startToCloseTimeout: '10m', // bounds one attempt, heartbeats or not
    heartbeatTimeout: input.heartbeatTimeout ?? '10s', // a silent attempt is declared dead after this, not after 10 minutes
    retry: { initialInterval: '500ms', maximumAttempts: 5 },
  });
  const outcome = await processBatch({
    items,
    chunkSize,
    crashMode: input.crashMode ?? 'throw',
    chunkDelayMs: toMs(input.chunkDelay ?? '100ms'),
    ...(input.crashAt !== undefined && { crashAt: input.crashAt }),
  });
  return { processed: outcome.resumedFrom + outcome.processed, attempts: outcome.attempt, resumedFrom: outcome.resumedFrom };
});
