// The one alarm of an execution object (DESIGN §4): it serves every deadline in the `deadlines` table, and also comes
// back soon while something is owed that only an alarm would retry: messages to other objects, Visibility rows,
// an attempt whose HTTP call dies with this instance, a run blocked on other code.
import { MAX_DURATION_MS } from '../src/core/duration';
import { owesMessages, type WorkflowRun } from '../src/core/internals';

/** How long the alarm waits before re-sending unacknowledged messages to other objects (or to Visibility). */
export const OUTBOX_RETRY_MS = 2_000;
/**
 * The longest it waits after deliveries failed again and again: each failure in a row doubles the wait, so a receiver
 * that is down, or a row that cannot be sent (sealed with a key no longer configured), costs an alarm every few
 * minutes, not every 2 s for good.
 */
export const OUTBOX_RETRY_MAX_MS = 5 * 60_000;
/** A run blocked by non-determinism is looked at again this often (a deploy restarts the object with new code). */
const BLOCKED_RECHECK_MS = 15 * 60_000;
/**
 * While an attempt's HTTP call (or a local attempt) is held by this instance, the alarm comes at least this often: if
 * the instance died (crash, deploy), the alarm starts a new one, which fails the lost attempt at once (#loadOpenRuns)
 * or runs the lost local attempt again, instead of leaving the run stalled until the attempt's timeout
 * (test/e2e/crash.test.ts: "… retrying the lost attempt with no request …").
 */
const IN_FLIGHT_CHECK_MS = 5_000;

export interface AlarmKeeperOptions {
  storage: DurableObjectStorage;
  /** The earliest row of the deadlines table. */
  earliestDeadline: () => number | undefined;
  /** The runs this instance has loaded (open ones, and closed ones that still owe messages). */
  runs: () => Iterable<WorkflowRun>;
  /** Visibility rows wait for a delivery with no flush of this instance behind them. */
  visibilityUnsent: () => boolean;
}

export class AlarmKeeper {
  readonly #storage: DurableObjectStorage;
  readonly #earliestDeadline: () => number | undefined;
  readonly #runs: () => Iterable<WorkflowRun>;
  readonly #visibilityUnsent: () => boolean;
  /** The alarm as this instance last set or read it. */
  #alarmAt: number | null = null;
  /** {@link load} read the stored alarm and no request has come since: the first request's check would read it again. */
  #justLoaded = false;
  /** Something is owed to another object (or to Visibility) that only the alarm would send again. */
  outboxDue = false;
  /** Deliveries that failed since the last one that succeeded: the alarm's retry waits longer after each. */
  #failedDeliveries = 0;

  constructor(options: AlarmKeeperOptions) {
    this.#storage = options.storage;
    this.#earliestDeadline = options.earliestDeadline;
    this.#runs = options.runs;
    this.#visibilityUnsent = options.visibilityUnsent;
  }

  /** A delivery to another object or to Visibility failed: the alarm sends again, later after each failure in a row. */
  deliveryFailed(): void {
    this.outboxDue = true;
    this.#failedDeliveries++;
  }

  /** A delivery went through: the next failure is retried soon again. */
  deliverySucceeded(): void {
    this.#failedDeliveries = 0;
  }

  /** How long the alarm waits before sending again what is owed: {@link OUTBOX_RETRY_MS}, doubled per failure in a row. */
  #retryMs(): number {
    return Math.min(OUTBOX_RETRY_MS * 2 ** Math.max(this.#failedDeliveries - 1, 0), OUTBOX_RETRY_MAX_MS);
  }

  /** Reads the stored alarm (a new instance), then re-arms from the table. */
  async load(): Promise<void> {
    this.#alarmAt = await this.#storage.getAlarm();
    await this.rearm();
    this.#justLoaded = true;
  }

  /** The object deleted its alarm with its whole database: nothing is set, nothing owed. */
  storageWiped(): void {
    this.#alarmAt = null;
    this.outboxDue = false;
    this.#failedDeliveries = 0;
  }

  /** The alarm fired: none is set until the next re-arm. */
  fired(): void {
    this.#alarmAt = null;
  }

  /**
   * Every request re-arms from the table (DESIGN §4): the alarm actually stored is read back, so an alarm lost
   * by the platform is restored by the next request, not only by the next commit.
   */
  check(): void {
    if (this.#justLoaded) {
      this.#justLoaded = false;
      return;
    }
    void this.#storage.getAlarm().then((stored) => {
      if (stored === this.#alarmAt) return;
      this.#alarmAt = stored;
      return this.rearm();
    });
  }

  /**
   * Never rejects: it runs from timers and promise chains nobody awaits, and it fails only when the object is being
   * reset or aborted (its storage refuses writes) — the next instance re-arms from the table anyway.
   */
  async rearm(): Promise<void> {
    try {
      await this.#rearmFromTable();
    } catch (error) {
      console.error('duro: could not re-arm the alarm', error);
    }
  }

  /**
   * Whether the alarm already set is early enough after a commit that set this run's next deadline to `wakeAt`, so
   * the commit need not re-arm from the table (a query and maybe a write per step otherwise). A commit changes only
   * its own run's deadline; an alarm earlier than needed is harmless (it re-arms when it fires), a late one never
   * happens here: anything else (a close and its retention, a blocked run, owed messages, an alarm already due) re-arms.
   */
  covers(wakeAt: number | undefined, retainUntil: number | undefined): boolean {
    const alarmAt = this.#alarmAt;
    const now = Date.now();
    if (alarmAt === null || alarmAt <= now || retainUntil !== undefined || this.outboxDue) return false;
    if (wakeAt !== undefined && wakeAt < alarmAt) return false;
    if (this.#visibilityUnsent() && alarmAt > now + this.#retryMs()) return false;
    if (alarmAt > now + IN_FLIGHT_CHECK_MS && this.#hasAttemptInFlight()) return false;
    for (const run of this.#runs()) if (run.state.blocked) return false;
    return !this.owesMessages();
  }

  /** Whether a loaded run owes another object a message (Visibility rows have their own rule: `visibilityUnsent`). */
  owesMessages(): boolean {
    for (const run of this.#runs()) if (owesMessages(run.state)) return true;
    return false;
  }

  async #rearmFromTable(): Promise<void> {
    let at = this.#earliestDeadline();
    const outboxAt = this.outboxDue || this.owesMessages() ? Date.now() + this.#retryMs() : undefined;
    if (outboxAt !== undefined && (at === undefined || outboxAt < at)) at = outboxAt;
    const blocked = [...this.#runs()].some((run) => run.state.blocked?.reason === 'nonDeterminism' || (run.state.blocked && run.state.blocked.retryAt === undefined));
    if (blocked) {
      const recheck = Date.now() + BLOCKED_RECHECK_MS;
      if (at === undefined || recheck < at) at = recheck;
    }
    const soon = (windowMs: number, keepWithinMs = windowMs) => {
      // Keep an alarm already due within the window rather than writing a new one on every commit.
      const now = Date.now();
      const check = this.#alarmAt !== null && this.#alarmAt > now && this.#alarmAt <= now + keepWithinMs ? this.#alarmAt : now + windowMs;
      if (at === undefined || check < at) at = check;
    };
    if (this.#hasAttemptInFlight()) soon(IN_FLIGHT_CHECK_MS);
    // Rows waiting for their (delayed) delivery: if this instance goes away first, the alarm sends them. An alarm
    // already set within the in-flight check's window serves (a short run's start set one): one write fewer per run.
    if (this.#visibilityUnsent()) {
      const retryMs = this.#retryMs();
      soon(retryMs, Math.max(IN_FLIGHT_CHECK_MS, retryMs));
    }
    if (at === undefined) {
      if (this.#alarmAt !== null) await this.#storage.deleteAlarm();
      this.#alarmAt = null;
      return;
    }
    // A deadline past what the platform can set (dates after 2189) or not a number at all: clamped, never refused.
    const latest = Date.now() + MAX_DURATION_MS;
    if (Number.isNaN(at) || at === -Infinity) at = Date.now();
    else if (at > latest) at = latest;
    if (this.#alarmAt === at) return;
    this.#alarmAt = at;
    await this.#storage.setAlarm(at);
  }

  /** An attempt whose outcome only this instance can bring: a local one, or a fetch not accepted with 202. */
  #hasAttemptInFlight(): boolean {
    for (const run of this.#runs()) {
      if (run.isClosed) continue;
      if (Object.values(run.state.activities).some((activity) => activity.phase === 'running' && !activity.completesLater)) return true;
      if (run.state.localAttempts !== undefined && run.state.paused === undefined) return true; // a local attempt runs here
    }
    return false;
  }
}
