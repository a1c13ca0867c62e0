// The `ActivityInfo` MockActivityEnvironment gives its activity: Duro's fields, each optional, with Temporal's names
// accepted for the times and Temporal's shape for the retry policy, so a test ported from `@temporalio/testing`
// (`new MockActivityEnvironment({ scheduledTimestampMs, retryPolicy: { initialInterval: '1s' } })`) runs unchanged.
import type { ActivityInfo } from '../../core/activity';
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from '../../core/retry-policy';

/** The attempt the activity is told it is: Duro's `ActivityInfo` fields, each optional, or Temporal's names. */
export type MockActivityInfo = Partial<Omit<ActivityInfo, 'retryPolicy'>> & {
  heartbeatDetails?: unknown;
  /** Temporal's name of `scheduledAt`. */
  scheduledTimestampMs?: number;
  /** Temporal's name of `startedAt`. */
  currentAttemptScheduledTimestampMs?: number;
  /** Duro's resolved policy (`initialIntervalMs`…) or Temporal's `RetryPolicy` (`initialInterval`…), defaults applied. */
  retryPolicy?: ResolvedRetryPolicy | RetryPolicy;
};

/** Missing fields as Temporal's mock has them (ids `'test'`, attempt 1), the times now. */
export function mockActivityInfo(info: MockActivityInfo, now: number): ActivityInfo {
  const { heartbeatDetails: _details, scheduledTimestampMs, currentAttemptScheduledTimestampMs, retryPolicy, ...rest } = info;
  const scheduledAt = rest.scheduledAt ?? scheduledTimestampMs ?? now;
  const full: ActivityInfo = {
    activityId: 'test', activityType: 'unnamed', taskQueue: 'test', workflowId: 'test', runId: 'test', workflowType: 'test', attempt: 1, isLocal: false,
    ...rest,
    scheduledAt,
    startedAt: rest.startedAt ?? currentAttemptScheduledTimestampMs ?? scheduledAt,
  };
  if (retryPolicy !== undefined) full.retryPolicy = isResolved(retryPolicy) ? retryPolicy : resolveRetryPolicy(retryPolicy);
  return full;
}

function isResolved(policy: ResolvedRetryPolicy | RetryPolicy): policy is ResolvedRetryPolicy {
  return 'initialIntervalMs' in policy;
}
