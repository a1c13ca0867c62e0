// Failures that keep their type and cause across every boundary (activity → workflow → API → client).
// Each class wraps the serializable `FailureInfo`; `toFailureInfo` / `fromFailureInfo` convert both ways.
import { brandClass } from './brand';

/** Which failure class a serialized failure came from. */
export const FailureKind = {
  application: 'application',
  activity: 'activity',
  timeout: 'timeout',
  cancelled: 'cancelled',
  childWorkflow: 'childWorkflow',
  terminated: 'terminated',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** Why an activity, child or workflow timed out (Temporal's names). */
export const TimeoutType = {
  startToClose: 'START_TO_CLOSE',
  scheduleToClose: 'SCHEDULE_TO_CLOSE',
  heartbeat: 'HEARTBEAT',
  workflowRun: 'WORKFLOW_RUN',
  workflowExecution: 'WORKFLOW_EXECUTION',
} as const;
export type TimeoutType = (typeof TimeoutType)[keyof typeof TimeoutType];

/** The serializable shape of every failure. Plain JSON. */
export interface FailureInfo {
  kind: FailureKind;
  /** Stable type to match on: the application's own type, or the failure class name for system failures. */
  type: string;
  message: string;
  nonRetryable: boolean;
  details?: unknown;
  stack?: string;
  cause?: FailureInfo;
  activityType?: string;
  activityId?: string;
  attempt?: number;
  timeoutType?: TimeoutType;
  workflowType?: string;
  workflowId?: string;
  runId?: string;
}

/** Base class of every Duro failure: an `Error` that can be serialized without losing its type or cause. */
export abstract class DuroFailure extends Error {
  static {
    brandClass(this, 'DuroFailure');
  }

  abstract readonly kind: FailureKind;
  declare readonly cause?: Error;

  constructor(message: string, cause?: Error) {
    super(message);
    if (cause !== undefined) Object.defineProperty(this, 'cause', { value: cause, enumerable: false, writable: true });
  }

  /** The stable type clients match on. */
  get type(): string {
    return this.name;
  }

  get nonRetryable(): boolean {
    return false;
  }
}

export interface ApplicationFailureOptions {
  message?: string;
  type?: string;
  nonRetryable?: boolean;
  details?: unknown;
  cause?: Error;
}

/**
 * A failure raised by user code (workflow or activity), with a type the caller can match on.
 * @example
 * throw ApplicationFailure.nonRetryable('card declined', 'PaymentDeclined', { code: 51 });
 */
export class ApplicationFailure extends DuroFailure {
  static {
    brandClass(this, 'ApplicationFailure');
  }

  readonly kind = FailureKind.application;
  readonly #type: string;
  readonly #nonRetryable: boolean;
  readonly details: unknown;

  constructor(message: string, type = 'ApplicationFailure', nonRetryable = false, details?: unknown, cause?: Error) {
    super(message, cause);
    this.name = 'ApplicationFailure';
    this.#type = type;
    this.#nonRetryable = nonRetryable;
    this.details = details;
  }

  override get type(): string {
    return this.#type;
  }

  override get nonRetryable(): boolean {
    return this.#nonRetryable;
  }

  static create(options: ApplicationFailureOptions): ApplicationFailure {
    return new ApplicationFailure(options.message ?? '', options.type, options.nonRetryable ?? false, options.details, options.cause);
  }

  /** A failure that the retry policy may retry. */
  static retryable(message: string, type?: string, details?: unknown): ApplicationFailure {
    return new ApplicationFailure(message, type, false, details);
  }

  /** A failure that stops retries at once, whatever the retry policy says. */
  static nonRetryable(message: string, type?: string, details?: unknown): ApplicationFailure {
    return new ApplicationFailure(message, type, true, details);
  }

  /** Wraps any thrown value; an `ApplicationFailure` is returned as is. */
  static fromError(error: unknown): ApplicationFailure {
    if (error instanceof ApplicationFailure) return error;
    if (error instanceof Error) {
      const failure = new ApplicationFailure(error.message, error.name, false, undefined, error.cause instanceof Error ? error.cause : undefined);
      if (error.stack !== undefined) failure.stack = error.stack;
      return failure;
    }
    return new ApplicationFailure(typeof error === 'string' ? error : safeStringify(error), 'Error');
  }
}

/** An activity failed for good (retries exhausted, non-retryable, timed out or cancelled); `cause` says why. */
export class ActivityFailure extends DuroFailure {
  static {
    brandClass(this, 'ActivityFailure');
  }

  readonly kind = FailureKind.activity;
  constructor(
    message: string,
    readonly activityType: string,
    readonly activityId: string,
    readonly attempt: number,
    cause?: Error,
  ) {
    super(message, cause);
    this.name = 'ActivityFailure';
  }
}

/** A timeout (activity start-to-close, schedule-to-close, heartbeat, workflow run/execution). */
export class TimeoutFailure extends DuroFailure {
  static {
    brandClass(this, 'TimeoutFailure');
  }

  readonly kind = FailureKind.timeout;
  constructor(
    message: string,
    readonly timeoutType: TimeoutType,
    readonly lastHeartbeatDetails?: unknown,
  ) {
    super(message);
    this.name = 'TimeoutFailure';
  }
}

/** The operation was cancelled: a cancellation scope, a workflow cancel request, or an activity cancel. */
export class CancelledFailure extends DuroFailure {
  static {
    brandClass(this, 'CancelledFailure');
  }

  readonly kind = FailureKind.cancelled;
  constructor(
    message = 'cancelled',
    readonly details?: unknown,
    cause?: Error,
  ) {
    super(message, cause);
    this.name = 'CancelledFailure';
  }
}

/** A child workflow ended without completing; `cause` is the child's own failure. */
export class ChildWorkflowFailure extends DuroFailure {
  static {
    brandClass(this, 'ChildWorkflowFailure');
  }

  readonly kind = FailureKind.childWorkflow;
  constructor(
    message: string,
    readonly workflowType: string,
    readonly workflowId: string,
    readonly runId: string | undefined,
    cause?: Error,
  ) {
    super(message, cause);
    this.name = 'ChildWorkflowFailure';
  }
}

/** The workflow was terminated from outside; workflow code cannot catch or prevent it. */
export class TerminatedFailure extends DuroFailure {
  static {
    brandClass(this, 'TerminatedFailure');
  }

  readonly kind = FailureKind.terminated;
  constructor(message = 'terminated') {
    super(message);
    this.name = 'TerminatedFailure';
  }
}

/** Serializes any thrown value, following the `cause` chain. */
export function toFailureInfo(error: unknown, depth = 0): FailureInfo {
  const failure = error instanceof DuroFailure ? error : ApplicationFailure.fromError(error);
  const info: FailureInfo = {
    kind: failure.kind,
    type: failure.type,
    message: failure.message,
    nonRetryable: failure.nonRetryable,
  };
  if (failure.stack !== undefined) info.stack = failure.stack;
  if (failure instanceof ApplicationFailure && failure.details !== undefined) info.details = failure.details;
  if (failure instanceof CancelledFailure && failure.details !== undefined) info.details = failure.details;
  if (failure instanceof ActivityFailure) Object.assign(info, { activityType: failure.activityType, activityId: failure.activityId, attempt: failure.attempt });
  if (failure instanceof TimeoutFailure) {
    info.timeoutType = failure.timeoutType;
    if (failure.lastHeartbeatDetails !== undefined) info.details = failure.lastHeartbeatDetails;
  }
  if (failure instanceof ChildWorkflowFailure) {
    Object.assign(info, { workflowType: failure.workflowType, workflowId: failure.workflowId });
    if (failure.runId !== undefined) info.runId = failure.runId;
  }
  // Guard against cyclic causes; 32 levels is far beyond any real chain.
  if (failure.cause !== undefined && depth < 32) info.cause = toFailureInfo(failure.cause, depth + 1);
  return info;
}

/** Rebuilds the failure class from its serialized shape, cause chain included. */
export function fromFailureInfo(info: FailureInfo): DuroFailure {
  const cause = info.cause ? fromFailureInfo(info.cause) : undefined;
  let failure: DuroFailure;
  switch (info.kind) {
    case FailureKind.application:
      failure = new ApplicationFailure(info.message, info.type, info.nonRetryable, info.details, cause);
      break;
    case FailureKind.activity:
      failure = new ActivityFailure(info.message, info.activityType ?? '', info.activityId ?? '', info.attempt ?? 0, cause);
      break;
    case FailureKind.timeout:
      failure = new TimeoutFailure(info.message, info.timeoutType ?? TimeoutType.startToClose, info.details);
      break;
    case FailureKind.cancelled:
      failure = new CancelledFailure(info.message, info.details, cause);
      break;
    case FailureKind.childWorkflow:
      failure = new ChildWorkflowFailure(info.message, info.workflowType ?? '', info.workflowId ?? '', info.runId, cause);
      break;
    case FailureKind.terminated:
      failure = new TerminatedFailure(info.message);
      break;
    default: {
      const _never: never = info.kind;
      failure = new ApplicationFailure(info.message, info.type, info.nonRetryable, info.details, cause);
      void _never;
    }
  }
  if (info.stack !== undefined) failure.stack = info.stack;
  return failure;
}

/** True when the error, or any error in its cause chain, is a cancellation. */
export function isCancellation(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 32; depth++) {
    if (current instanceof CancelledFailure) return true;
    current = current.cause;
  }
  return false;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
