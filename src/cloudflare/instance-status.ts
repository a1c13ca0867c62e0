// An instance's status as Cloudflare's binding reports it, read from a Duro run's description and outcome
// (docs/decisions/015, "The binding"): waiting = only timers pending (a sleep, a waitForEvent, a retry's backoff).
import type { WorkflowDescription } from '../core/describe';
import type { ResultReply } from '../core/execution/requests';

/** What `instance.status()` resolves (workers-types' `InstanceStatus`). */
export interface InstanceStatus {
  status: 'queued' | 'running' | 'paused' | 'errored' | 'terminated' | 'complete' | 'waiting' | 'waitingForPause' | 'unknown';
  error?: { name: string; message: string };
  output?: unknown;
}

/** The status of an open run: paused, waiting (nothing but timers pending), else running (a step is being carried out). */
export function openStatus(description: WorkflowDescription): InstanceStatus {
  if (description.paused) return { status: 'paused' };
  const onlyTimers = description.pendingTimers.length > 0 && description.pendingActivities.length === 0 && description.pendingChildren.length === 0;
  return { status: onlyTimers ? 'waiting' : 'running' };
}

/** The status of a closed run, with its output or error. */
export function closedStatus(outcome: ResultReply): InstanceStatus {
  switch (outcome.status) {
    case 'completed': return { status: 'complete', output: outcome.result };
    case 'failed': return { status: 'errored', error: { name: outcome.failure.type, message: outcome.failure.message } };
    // A run timeout is Duro's only: Cloudflare names its timeouts so.
    case 'timedOut': return { status: 'errored', error: { name: 'WorkflowTimeoutError', message: outcome.failure.message } };
    // Cancel is Duro's only (API, CLI): the instance was stopped from outside, as terminate stops it.
    case 'canceled':
    case 'terminated': return { status: 'terminated' };
    // Cloudflare code never continues as new; a chain handed over is followed before this.
    case 'running':
    case 'continuedAsNew': return { status: 'running' };
  }
}
