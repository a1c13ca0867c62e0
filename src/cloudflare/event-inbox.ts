// Events for step.waitForEvent: each is a Duro signal named for the event's type, its one argument the payload.
// The inbox takes every signal (a default handler) and keeps those no wait has asked for yet, in order, per type, as
// Cloudflare's engine buffers events that arrive before their waitForEvent. Signals are history, so replay refills it.
import type { WorkflowContext } from '../core/context';

/** An event as `step.waitForEvent` returns it: `timestamp` is when the instance received it. */
export interface WorkflowStepEvent<T = unknown> {
  payload: Readonly<T>;
  timestamp: Date;
  type: string;
}

interface Received {
  payload: unknown;
  receivedAt: number;
}

/** One waitForEvent waiting: filled by the first event of its type to arrive. */
interface Waiter {
  event?: Received;
}

export class EventInbox {
  readonly #ctx: WorkflowContext;
  readonly #buffered = new Map<string, Received[]>();
  readonly #waiters = new Map<string, Waiter[]>();

  constructor(ctx: WorkflowContext) {
    this.#ctx = ctx;
    ctx.setDefaultSignalHandler((type, ...args) => this.#receive(type, { payload: args[0], receivedAt: ctx.now() }));
  }

  /** The next event of `type`: one already buffered, else the first to arrive within `timeoutMs`; undefined after that. */
  async take(type: string, timeoutMs: number): Promise<WorkflowStepEvent | undefined> {
    const buffered = this.#buffered.get(type)?.shift();
    if (buffered) return stepEvent(type, buffered);
    const waiter: Waiter = {};
    const waiters = this.#waiters.get(type) ?? [];
    waiters.push(waiter);
    this.#waiters.set(type, waiters);
    try {
      await this.#ctx.condition(() => waiter.event !== undefined, timeoutMs);
      return waiter.event && stepEvent(type, waiter.event); // an event that came with the timeout still counts
    } finally {
      const index = waiters.indexOf(waiter);
      if (index >= 0) waiters.splice(index, 1);
    }
  }

  #receive(type: string, event: Received): void {
    // The first wait still unfilled takes it: two waits on one type each get their own event.
    const waiter = this.#waiters.get(type)?.find((candidate) => candidate.event === undefined);
    if (waiter) {
      waiter.event = event;
      return;
    }
    const buffered = this.#buffered.get(type) ?? [];
    buffered.push(event);
    this.#buffered.set(type, buffered);
  }
}

function stepEvent(type: string, event: Received): WorkflowStepEvent {
  return { payload: event.payload as Readonly<unknown>, timestamp: new Date(event.receivedAt), type };
}
