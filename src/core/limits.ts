// The limits every host enforces (DESIGN §3), counted in encoded bytes.

export const Limits = {
  /** One payload (input, result, signal/update args, heartbeat details), encoded as JSON in UTF-8. */
  maxPayloadBytes: 2 * 1024 * 1024,
  /**
   * One payload where the host keeps rows over the threshold in a blob store (the claim check, docs/payloads.md):
   * history then holds a reference, so the payload no longer counts against a row or the history's size.
   */
  maxBlobPayloadBytes: 100 * 1024 * 1024,
  /**
   * With a blob store, one payload that leaves its workflow's object — a child's input, a signal's arguments to
   * another workflow, a workflow's, update's or query's result, a failure, heartbeat details — crosses a Durable Object
   * RPC, which carries at most 32 MiB. RPC serializes a string holding any character past U+00FF as UTF-16, two
   * bytes a character, so a payload is held to half that, with room for its envelope.
   */
  maxMessagePayloadBytes: 15 * 1024 * 1024,
  /** Ids and names (workflowId, runId, types, signal/query/update names, search attribute keys), in UTF-16 units. */
  maxIdLength: 1_000,
  /** Schedule and batch ids: prefixes of the ids they make. */
  maxShortIdLength: 200,
  /**
   * Objects and arrays nested in one payload (`{"a":[1]}` is 2 deep). Checked before a value from outside is encoded
   * or stored: JSON.parse reads any depth, but JSON.stringify and every recursive reader after it overflow the stack.
   */
  maxPayloadDepth: 64,
  /** Causes chained under one failure (as toFailureInfo keeps them); each failure's fields may nest `maxPayloadDepth` deep. */
  maxFailureCauseDepth: 32,
  /** An activity server's reply body: one payload plus room for its envelope (type, message, stack, cause…). */
  maxReplyBodyBytes: 2 * 1024 * 1024 + 256 * 1024,
  /** History size at which `continueAsNewSuggested` turns true. */
  historyWarnEvents: 10_000,
  historyWarnBytes: 10 * 1024 * 1024,
  /** History size at which the run fails, telling the author to use continue-as-new. */
  historyMaxEvents: 50_000,
  historyMaxBytes: 32 * 1024 * 1024,
  /** All search attributes of a run together, encoded: they are indexed (Temporal allows 40 KB). */
  maxSearchAttributesBytes: 40 * 1024,
  maxPendingActivities: 2_000,
  /** Failures of earlier attempts a pending activity keeps for describe and the UI (the latest ones). */
  attemptFailuresKept: 10,
  /** Log lines a run keeps (its latest; outside history, removed with the run) for `duro logs` and the UI. */
  logLinesKept: 1_000,
  /** A kept log line's JSON text, at most: a longer one keeps its identity and the start of its message. */
  logLineMaxChars: 8 * 1024,
  /**
   * Lines an activity server sends back with one attempt's outcome (its latest), and their JSON text together: well
   * inside the reply's envelope, so lines never make a reply too large.
   */
  logLinesPerAttempt: 100,
  logCharsPerAttempt: 64 * 1024,
  maxPendingChildren: 2_000,
  maxBufferedSignals: 2_000,
  maxInFlightUpdates: 10,
  /** Consecutive activations that throw inside the engine before the run is blocked. */
  maxActivationFailures: 3,
  /** Local activities chained through microtasks before yielding to the event loop, so queries get served. */
  localActivityYieldEvery: 512,
} as const;
