// What callers ask of one workflow id's execution and what it answers, whatever host holds it. Plain data: the
// Durable Object host carries these over RPC (src/protocol/execution-rpc.ts), the in-process hosts pass them along.
import type { RunTrace } from '../tracing/trace-context';
import type { FailureInfo } from '../failure';
import type { Outcome, ParentRef, SearchAttributes } from '../history';
import type { ResolvedRetryPolicy } from '../retry-policy';
import type { IdConflictPolicy, IdReusePolicy } from '../start-policy';

export interface StartRequest {
  workflowType: string;
  workflowId: string;
  input?: unknown;
  idReusePolicy?: IdReusePolicy;
  idConflictPolicy?: IdConflictPolicy;
  executionTimeoutMs?: number;
  runTimeoutMs?: number;
  startDelayMs?: number;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  /** The workflow's retry policy, defaults applied. */
  retryPolicy?: ResolvedRetryPolicy;
  /** Set when a workflow starts this one as its child. */
  parent?: ParentRef;
  /** The caller's trace context (a client's `traceparent`, the parent workflow's run span). */
  trace?: RunTrace;
}

export interface StartReply {
  workflowId: string;
  runId: string;
  /** False when an existing run was returned (`useExisting`). */
  started: boolean;
}

export type SignalWithStartRequest = StartRequest & { signalName: string; signalArgs: unknown[]; requestId?: string };
export type UpdateWithStartRequest = StartRequest & { update: UpdateRequest };

export type ResultReply =
  | { status: 'running'; runId: string }
  | { status: 'completed'; runId: string; result: unknown }
  /** Only with `followRuns: false`: this run handed over to `newRunId`. */
  | { status: 'continuedAsNew'; runId: string; newRunId: string }
  | { status: 'failed' | 'canceled' | 'terminated' | 'timedOut'; runId: string; failure: FailureInfo };

export interface UpdateRequest {
  name: string;
  args: unknown[];
  updateId?: string;
  wait: 'accepted' | 'completed';
}

export interface UpdateReply {
  updateId: string;
  /** Absent when waiting only for acceptance. */
  outcome?: Outcome;
}

/**
 * Which run a request is for: `runId` (that run), none (the current run), or `runId` with `followRuns` (where that
 * run's chain is now, when it handed over by continue-as-new or a retry).
 */
export interface RunTarget {
  runId?: string;
  followRuns?: boolean;
}

/** Identifies one attempt of one activity; parsed from a verified task token. */
export interface AttemptRef {
  runId: string;
  activityId: string;
  attempt: number;
}

/** A child's start, told to its parent when the start's own answer did not reach it. */
export interface ChildStartedNotice {
  parentRunId: string;
  seq: number;
  workflowId: string;
  runId: string;
}

/** A closed parent's close policy for this child (its run `parentRunId` started the child's chain). */
export interface ParentClosePolicyRequest {
  parentRunId: string;
  policy: 'TERMINATE' | 'REQUEST_CANCEL';
  reason: string;
}

/** A child's close, told to its parent's execution (re-sent from the child's outbox until acknowledged). */
export interface ChildClosedNotice {
  parentRunId: string;
  seq: number;
  workflowId: string;
  /** The run that closed (the last of the child's chain). */
  runId: string;
  /** The first run of the child's chain: what the start answered, for a parent that has not heard that answer yet. */
  firstRunId?: string;
  status: 'completed' | 'failed' | 'canceled' | 'terminated' | 'timedOut';
  outcome: Outcome;
}
