// What every case file of the host conformance suite (../suite.ts) shares: the calls on the host of the case running
// now, each answered through the wire contract, and the small checks on a Reply.
import type { HistoryEvent } from '../../../src/core/history';
import type { ResultReply, WorkflowExecutionRpc } from '../../../src/protocol/execution-rpc';
import type { Problem } from '../../../src/protocol/problem-types';
import type { Reply } from '../../../src/protocol/reply';
import type { HostUnderTest } from '../suite';

/** Long enough to close anything these cases expect to close (a long-poll: it answers as soon as the run closes). */
export const RESULT_WAIT_MS = 5_000;

/** The host of the case running now, and the calls the cases make on it. */
export interface HostCase {
  /** The case's host (a new one for every case: read it inside `it`, not when the describe block is built). */
  readonly host: HostUnderTest;
  on(workflowId: string): WorkflowExecutionRpc;
  resultOf(workflowId: string, options?: { runId?: string; followRuns?: boolean; waitMs?: number }): Promise<ResultReply>;
  historyOf(workflowId: string, runId?: string): Promise<HistoryEvent[]>;
  typesOf(workflowId: string, runId?: string): Promise<string[]>;
  describeOf(workflowId: string, runId?: string): ReturnType<typeof describeAnswer>;
  /** The `cart`-like workflow's `items` query. */
  queryItems(workflowId: string): Promise<unknown>;
  /** Checks `probe` every 25 ms of the host's time until it holds; fails after `tries` checks. */
  eventually<T>(what: string, probe: () => Promise<T | undefined | false>, tries?: number): Promise<T>;
}

/** A case file: registers its describe block on the suite's cases. */
export type CaseArea = (t: HostCase) => void;

async function describeAnswer(rpc: WorkflowExecutionRpc, runId?: string) {
  return answered(await rpc.describe(runId === undefined ? {} : { runId }));
}

/** The calls of `HostCase` on whatever host `current` names when they run. */
export function hostCase(current: () => HostUnderTest): HostCase {
  const on = (workflowId: string) => current().execution(workflowId);
  const historyOf = async (workflowId: string, runId?: string): Promise<HistoryEvent[]> =>
    answered(await on(workflowId).history(runId === undefined ? {} : { runId })).events;
  return {
    get host() { return current(); },
    on,
    resultOf: async (workflowId, options = {}) => answered(await on(workflowId).result({ waitMs: RESULT_WAIT_MS, followRuns: true, ...options })),
    historyOf,
    typesOf: async (workflowId, runId) => (await historyOf(workflowId, runId)).map((event) => event.type),
    describeOf: (workflowId, runId) => describeAnswer(on(workflowId), runId),
    queryItems: async (workflowId) => answered(await on(workflowId).query({ name: 'items', args: [] })).result,
    async eventually(what, probe, tries = 80) {
      for (let i = 0; i < tries; i++) {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        await current().sleep(25);
      }
      throw new Error(`gave up waiting for ${what}`);
    },
  };
}

/** A workflow id no other case (or earlier run of the suite) uses. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** The value of an answer; a refusal fails the case with its problem. */
export function answered<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`expected an answer, got the problem ${reply.problem.type}: ${reply.problem.detail}`);
  return reply.value;
}

/** The problem of a refusal; an answer fails the case. */
export function refused(reply: Reply<unknown>): Problem {
  if (reply.ok) throw new Error(`expected a refusal, got the answer ${JSON.stringify(reply.value)}`);
  return reply.problem;
}
