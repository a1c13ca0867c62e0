// Engine fixes that change what workflow code sees are gated by flags recorded in history (STYLE; Temporal's
// SdkFlags): a run records a flag on the event that ends the first activation that relied on it, and replay turns a
// flag on only from the activation that recorded it. A history written before a fix replays the old way; a run that
// outlives the deploy gets the fix from its next activation on.

/** Every flag, with since when and why. Never remove or rename one: recorded histories name them. */
export const EngineFlag = {
  /**
   * Since November 2026: the `ActivityFailure` of a confirmed activity cancellation (`WAIT_CANCELLATION_COMPLETED`)
   * names the attempt its `ActivityTaskCanceled` event records; before, it said 0.
   */
  CancelledActivityAttempt: 'cancelledActivityAttempt',
  /**
   * Since December 2026 (issue 15): a value workflow code hands the engine (activity and child input, signal
   * arguments, side effect values, search attributes, update and workflow results) is refused with a PayloadError
   * when it nests deeper than `Limits.maxPayloadDepth` or holds NaN or ±Infinity; before, JSON stored such numbers
   * as null.
   */
  PayloadShape: 'payloadShape',
  /**
   * Since December 2026 (issue 17): a cancellable scope stays cancelled with its parent after its `run()` callback
   * returned, so a timer or activity started in it and awaited outside is cancelled with the workflow (Temporal's
   * rule); before, the scope stopped listening to its parent when `run()` settled, and such work kept going.
   */
  ScopeOutlivesRun: 'scopeOutlivesRun',
  /**
   * Since December 2026 (issue 17): buffered signals handed over when a handler is set go, one by one, to the handler
   * set at that moment, so a handler that removes (or replaces) itself stops receiving them, as in Temporal; before,
   * the handler set first received every buffered signal of its name.
   */
  SignalHandlerLookup: 'signalHandlerLookup',
  /**
   * Since December 2026 (issue 17): in a scope already cancelled, an activity call rejects with the scope's plain
   * `CancelledFailure` (not an `ActivityFailure` around it), and a signal to another workflow is not sent and rejects
   * the same way, as in Temporal; before, the signal went out regardless of its scope.
   */
  CancelledScopeRefuses: 'cancelledScopeRefuses',
  /**
   * Since December 2026 (issue 17): a timer started and cancelled within one activation is recorded neither started
   * nor cancelled (Temporal's core drops the pair, e.g. `CancellationScope.withTimeout` around work that finished at
   * once); before, both events were recorded.
   */
  TimerPairsDropped: 'timerPairsDropped',
  /**
   * Since December 2026 (issue 17): `cancel()` on a non-cancellable scope cancels nothing (neither the work started in
   * it nor its child scopes) and the scope is not `consideredCancelled`, as in Temporal (`cancelRequested &&
   * cancellable`); before, it cancelled that work like a cancellable scope's.
   */
  NonCancellableIgnoresCancel: 'nonCancellableIgnoresCancel',
  /**
   * Since December 2026 (issue 17): a child whose scope is cancelled in the activation that issued its start is not
   * started: nothing of it is recorded, and its start and result reject with a `ChildWorkflowFailure` whose cause is
   * the scope's `CancelledFailure`, as in Temporal (its core drops the start command); before, the child was started
   * and then asked to cancel (or, with ABANDON, left running).
   */
  ChildCancelledBeforeStart: 'childCancelledBeforeStart',
  /**
   * Since December 2026 (issue 17): an error from workflow code that is not a Duro failure (a TypeError, a plain
   * Error, a thrown string) fails the workflow task, not the run: the run blocks and is retried, as in Temporal, unless
   * the definition's `failureTypes` lists it; an update handler's such error does the same instead of failing the
   * update. Before, any error failed the run (or the update). Asked only where an activation fails, so it is never
   * recorded: a history without it that closed on such an error replays that close, as it ran.
   */
  WorkflowTaskFailures: 'workflowTaskFailures',
  /**
   * Since December 2026 (issue 17): an activation delivers its signals and updates before its other inputs (timer
   * firings, activity and child outcomes, a cancel request) and checks conditions after each input, as Temporal's core
   * sorts an activation's jobs and its SDK unblocks conditions after every job; so `condition(fn, timeout)` whose
   * signal and timeout timer arrive together returns true. Before, inputs went in arrival order and conditions were
   * checked once the activation's code had run.
   */
  MessagesFirst: 'messagesFirst',
  /**
   * Since December 2026 (issue 17): the inputs recorded with the start (a signal-with-start's signal, an
   * update-with-start's update, messages or a cancel that came before the first activation) are delivered before the
   * workflow function is called, as Temporal's SDK starts the function after the activation's other jobs: a handler
   * set at the top of the function receives them as it is set. Before, the function ran up to its first await first.
   */
  StartAfterMessages: 'startAfterMessages',
  /**
   * Since December 2026 (issue 17): an update delivered before its handler is set waits for it until the activation
   * is blocked (then it is rejected, or fails as before), as Temporal's SDK buffers updates; before, it failed with
   * UpdateNotFound at once.
   */
  UpdatesWaitForHandler: 'updatesWaitForHandler',
  /**
   * Since December 2026 (issue 17): inside workflow code, where the runtime has an async context, `Math.random()`
   * draws from the run's seeded sequence (the one `ctx.random()` and `ctx.uuid()` draw from), `Date.now()` and
   * `new Date()` read workflow time, and `setTimeout`/`clearTimeout` are durable timers (determinism-guards.ts);
   * before, they were the real ones, so a history recorded then replays with the real ones (a seeded draw there would
   * shift every later `ctx.random()`).
   */
  AmbientGlobals: 'ambientGlobals',
  /**
   * Since December 2026 (issue 17): a local activity called in a scope already cancelled (or whose next attempt comes
   * after its scope was cancelled) rejects with the scope's plain `CancelledFailure`, as an activity does under
   * `cancelledScopeRefuses` and as in Temporal; before, with an `ActivityFailure` around it.
   */
  LocalActivityCancelledScope: 'localActivityCancelledScope',
  /**
   * Since December 2026 (issue 18): a cancellable scope whose `run()` settled and whose work all settled stops
   * listening to its parent until work starts in it again, so long runs do not accumulate one listener per scope they
   * ever made. A scope that listens again is then its parent's newest listener: before, it kept its first place, and
   * cancelling the parent reached its work in that order.
   */
  ReleasesIdleScopes: 'releasesIdleScopes',
  /**
   * Since December 2026 (issue 18): a child's `TRY_CANCEL` fails the wait for it as its scope is cancelled, and
   * `WAIT_CANCELLATION_REQUESTED` once the child has the request, as in Temporal; before, both asked the child to cancel
   * and waited for it to close (`REQUEST_CANCEL`).
   */
  ChildCancellationTypes: 'childCancellationTypes',
} as const;
export type EngineFlag = (typeof EngineFlag)[keyof typeof EngineFlag];

/** The flags of one run, as its activator knows them. */
export class EngineFlags {
  readonly #known = new Set<string>();
  #firstUsed: string[] = [];

  /** Replay: the flags recorded by the event that ends the activation about to be replayed. */
  recorded(flags: readonly string[] | undefined): void {
    for (const flag of flags ?? []) this.#known.add(flag);
  }

  /**
   * Whether the fix behind `flag` applies: live, always (a flag new to the run is recorded with this activation);
   * replaying, only once the history recorded it.
   */
  use(flag: EngineFlag, replaying: boolean): boolean {
    if (this.#known.has(flag)) return true;
    if (replaying) return false;
    this.#known.add(flag);
    this.#firstUsed.push(flag);
    return true;
  }

  /** The flags the activation ending now used first, to record on its last event; none is undefined. */
  takeFirstUsed(): string[] | undefined {
    if (this.#firstUsed.length === 0) return undefined;
    const flags = this.#firstUsed;
    this.#firstUsed = [];
    return flags;
  }
}
