// The Node activity server of the end-to-end tests: serveActivities + toNodeListener on 127.0.0.1, with
// activities whose side effects are applied once per idempotency key however often Duro retries them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveActivities, toNodeListener } from 'duro/client';
import type { ActivityContext } from 'duro/workflow';

export interface Application {
  workflowId: string;
  step: number;
  /** Attempts that asked for this effect; only the first applied it. */
  requests: number;
}

export class ActivityServer {
  /** Every `Idempotency-Key` header received, in order (repeats included). */
  readonly keysSeen: string[] = [];
  /** The side effects, by idempotency key: what a payment provider's ledger would hold. */
  readonly ledger = new Map<string, Application>();
  /** How many times each (workflowId, step) effect was applied: exactly once is the point. */
  readonly appliedCount = new Map<string, number>();
  /** Task tokens of `awaitApproval` attempts, for the test to complete them. */
  readonly approvals: Array<{ key: string; attempt: number; taskToken: string }> = [];
  /** Replies written out, by idempotency key. */
  readonly replies: Array<{ key: string; status: number }> = [];
  readonly #replyWaiters: Array<() => void> = [];
  readonly #arrivals: Array<{ match: (info: ActivityContext['info'], input: { step: number }) => boolean; resolve: () => void }> = [];
  readonly #server: Server;

  private constructor(secret: string) {
    const activities = {
      /** Applies step `step` (deduplicated by the idempotency key), then works 300–800 ms. */
      applyStep: async (input: { step: number }, ctx: ActivityContext) => {
        const { workflowId, runId, activityId } = ctx.info;
        const key = `${workflowId}:${runId}:${activityId}`;
        const known = this.ledger.get(key);
        if (known) known.requests += 1;
        else {
          this.ledger.set(key, { workflowId, step: input.step, requests: 1 });
          const effect = `${workflowId}#${input.step}`;
          this.appliedCount.set(effect, (this.appliedCount.get(effect) ?? 0) + 1);
        }
        for (const arrival of [...this.#arrivals]) {
          if (!arrival.match(ctx.info, input)) continue;
          this.#arrivals.splice(this.#arrivals.indexOf(arrival), 1);
          arrival.resolve();
        }
        // Not ctx.sleep: the work goes on even if Duro hangs up, as a real side effect would.
        await new Promise((resolve) => setTimeout(resolve, 300 + ((input.step * 137) % 501)));
        return { step: input.step, key };
      },
      /** Hands its task token to the test (a human's inbox) and lets Duro wait for the completion call. */
      awaitApproval: async (_input: { request: string }, ctx: ActivityContext) => {
        const { workflowId, runId, activityId } = ctx.info;
        ctx.doNotCompleteOnReturn();
        this.approvals.push({ key: `${workflowId}:${runId}:${activityId}`, attempt: ctx.info.attempt, taskToken: ctx.info.taskToken! });
      },
    };
    const handler = serveActivities({ activities, secret });
    const listener = toNodeListener({
      fetch: (request) => {
        const key = request.headers.get('Idempotency-Key');
        if (key) this.keysSeen.push(key);
        return handler.fetch(request);
      },
    });
    this.#server = createServer((req, res) => {
      const key = req.headers['idempotency-key'];
      res.once('finish', () => {
        if (typeof key !== 'string') return;
        this.replies.push({ key, status: res.statusCode });
        for (const waiter of this.#replyWaiters.splice(0)) waiter();
      });
      listener(req, res);
    });
  }

  /** Resolves once a reply with `status` to the attempt with idempotency key `key` has been written out. */
  async replied(key: string, status: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.replies.some((reply) => reply.key === key && reply.status === status)) {
      if (Date.now() > deadline) throw new Error(`no ${status} reply for ${key} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#replyWaiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  static async start(secret: string): Promise<ActivityServer> {
    const server = new ActivityServer(secret);
    await new Promise<void>((resolve) => server.#server.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves when an attempt matching `match` arrives (before its work is done). */
  arrival(match: (info: ActivityContext['info'], input: { step: number }) => boolean): Promise<void> {
    return new Promise((resolve) => this.#arrivals.push({ match, resolve }));
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
