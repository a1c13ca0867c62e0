// What a host that runs workflows in this process (the test environment, the browser host) takes at start.
import type { Duration } from './duration';
import type { SearchAttributes } from './history';
import type { RetryPolicy } from './retry-policy';
import type { IdConflictPolicy, IdReusePolicy } from './start-policy';

export interface InProcessStartOptions<I = unknown> {
  workflowId?: string;
  input?: I;
  memo?: Record<string, unknown>;
  searchAttributes?: SearchAttributes;
  runTimeout?: Duration;
  executionTimeout?: Duration;
  /** The first activation runs after this delay (signals sent meanwhile are recorded and delivered then). */
  startDelay?: Duration;
  /** The workflow's retry policy: a failed (or run-timed-out) run is followed by the next attempt; `result()` follows them. */
  retryPolicy?: RetryPolicy;
  /** What a start does when the id's latest run is closed (default `allowDuplicate`), as DuroClient's start. */
  idReusePolicy?: IdReusePolicy;
  /** What a start does when a run of the id is running (default `fail`: WorkflowExecutionAlreadyStartedError). */
  idConflictPolicy?: IdConflictPolicy;
}
