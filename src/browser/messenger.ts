// Carries messages between workflows of one database, whichever context (tab, worker) drives each. A message to a
// workflow this context can drive (it holds, or can take, its Web Lock) is applied here; one to a workflow another
// context drives is queued in IndexedDB's inbox and announced on a BroadcastChannel, and that context applies it.
// Senders re-send what their runs still owe until it is answered, so neither a reload nor a missed announcement
// loses a message; receivers dedupe, so none is applied twice (message-receiver.ts).
import type { WorkflowRun } from '../core/internals';
import type { IndexedDbRunStore } from './indexeddb-store';
import { KeyedQueue } from './keyed-queue';
import { applyMessage, type MessageReceiver } from './message-receiver';
import { owedMessages, type RunMessage } from './run-messages';

/** How soon what runs still owe is sent again (an answer not back yet, a receiver that refused for now). */
const RESEND_MS = 1_000;

export interface MessengerHost extends MessageReceiver {
  /** Takes the workflow's Web Lock, if free, and loads its runs here: true when this context now drives it. */
  claim(workflowId: string): Promise<boolean>;
  holds(workflowId: string): boolean;
  /** Lets the lock go once nothing of the workflow is open or owed here. */
  releaseIfIdle(workflowId: string): void;
  /** The runs driven here, open or closed: each is asked what it still owes. */
  drivenRuns(): Iterable<WorkflowRun>;
  drivenRun(runId: string): WorkflowRun | undefined;
  /** The first run of the chain `runId` belongs to (continue-as-new, retries), when known. */
  firstRunIdOf(runId: string): string | undefined;
  onError(error: unknown): void;
}

/** The slice of BroadcastChannel used here (the repo's tsconfig has no DOM lib). */
interface ChannelLike {
  postMessage(message: unknown): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export class Messenger {
  readonly #store: IndexedDbRunStore;
  readonly #host: MessengerHost;
  readonly #channel: ChannelLike | undefined;
  /** Messages to one workflow are applied one at a time, in order (so a close policy never overtakes its child's start). */
  readonly #queues = new KeyedQueue();
  /** Keys of messages being delivered from here: a re-send waits for the delivery in flight. */
  readonly #sending = new Set<string>();
  /** Keys whose failure was reported: reported once, not on every re-send. */
  readonly #reported = new Set<string>();
  #resendTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(store: IndexedDbRunStore, dbName: string, host: MessengerHost) {
    this.#store = store;
    this.#host = host;
    const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
    this.#channel = Channel && new Channel(`duro:${dbName}:inbox`);
    if (this.#channel) {
      this.#channel.onmessage = ({ data }) => {
        const to = (data as { to?: unknown } | null)?.to;
        if (typeof to === 'string' && this.#host.holds(to)) this.drain(to);
      };
    }
  }

  /** Sends everything `run` owes (or the part `which` picks) that is not already on its way. */
  sendOwed(run: WorkflowRun, which: (message: RunMessage) => boolean = () => true): void {
    for (const message of owedMessages(run.state, this.#host.firstRunIdOf(run.runId))) if (which(message)) this.#send(message);
  }

  /** Applies the messages queued in the inbox for `to`, if this context drives it. */
  drain(to: string): void {
    if (this.#closed) return;
    this.#queues.run(to, async () => {
      if (!this.#host.holds(to)) return;
      try {
        await this.#applyQueued(to);
      } finally {
        this.#host.releaseIfIdle(to);
      }
    }).catch((error: unknown) => {
      this.#host.onError(error);
      this.#resendSoon();
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#resendTimer);
    this.#channel?.close();
  }

  #send(message: RunMessage): void {
    if (this.#closed || this.#sending.has(message.key)) return;
    this.#sending.add(message.key);
    this.#deliver(message)
      .then(() => this.#reported.delete(message.key))
      .catch((error: unknown) => {
        if (this.#closed) return;
        if (!this.#reported.has(message.key)) this.#host.onError(error);
        this.#reported.add(message.key);
      })
      .finally(() => {
        this.#sending.delete(message.key);
        this.#resendSoon();
      });
  }

  /** Applies `message` here when this context drives (or may drive) its receiver, else queues it for the one that does. */
  #deliver(message: RunMessage): Promise<void> {
    return this.#queues.run(message.to, async () => {
      if (this.#closed) return;
      if (!(await this.#host.claim(message.to))) {
        await this.#store.putMessage(message.key, message.to, message);
        this.#channel?.postMessage({ to: message.to });
        return;
      }
      try {
        await this.#applyQueued(message.to); // what was queued while another context drove it comes first
        await this.#apply(message);
      } finally {
        this.#host.releaseIfIdle(message.to);
      }
    });
  }

  /** Applies the queued messages of `to` in order, each removed once applied; a failure stops there, keeping the order. */
  async #applyQueued(to: string): Promise<void> {
    for (const { key, message } of await this.#store.messagesTo(to)) {
      if (this.#closed) return;
      await this.#apply(message as RunMessage);
      await this.#store.deleteMessage(key);
    }
  }

  async #apply(message: RunMessage): Promise<void> {
    const answer = await applyMessage(message, this.#host);
    if (answer) this.#send(answer);
    // The answer to a child's start releases what its parent held back: a cancel of that child.
    const answered = message.kind === 'answer' && message.event.type.startsWith('ChildWorkflowStart') ? this.#host.drivenRun(message.runId) : undefined;
    if (answered) this.sendOwed(answered, (owed) => owed.kind === 'cancel');
  }

  /** Re-sends, after a while, what the runs driven here still owe (nothing is armed when they owe nothing). */
  #resendSoon(): void {
    if (this.#closed || this.#resendTimer !== undefined) return;
    if (![...this.#host.drivenRuns()].some((run) => owedMessages(run.state).length > 0)) return;
    this.#resendTimer = setTimeout(() => {
      this.#resendTimer = undefined;
      for (const run of this.#host.drivenRuns()) this.sendOwed(run);
      this.#resendSoon();
    }, RESEND_MS);
  }
}
