// A resolved Duro retry policy in Temporal's `RetryPolicy` shape, as Temporal's SDK gives it back (activity `Info`):
// intervals as numbers of ms, every field set, `maximumAttempts` 0 for unlimited (as Temporal's server sends it).
import type { ResolvedRetryPolicy, RetryPolicy } from '../../core/retry-policy';

export function toTemporalRetryPolicy(policy: ResolvedRetryPolicy): RetryPolicy {
  return {
    initialInterval: policy.initialIntervalMs,
    backoffCoefficient: policy.backoffCoefficient,
    maximumInterval: policy.maximumIntervalMs,
    maximumAttempts: policy.maximumAttempts,
    nonRetryableErrorTypes: [...policy.nonRetryableErrorTypes],
  };
}
