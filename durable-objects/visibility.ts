// Visibility: one shard of the index of executions behind list, count and batch operations, and the keeper of
// the /metrics series (DESIGN §4). Executions feed it through their outboxes; it applies each message once.
import { DurableObject } from 'cloudflare:workers';
import type { VisibilityRpc } from '../src/protocol/visibility-rpc';
import { batchFailureOf, type BatchProgress, type BatchSpec } from '../src/visibility/batch';
import type { ListFilter } from '../src/visibility/filter';
import type { MetricsSnapshot } from '../src/visibility/metrics';
import type { ListCursor } from '../src/visibility/pager';
import type { ExecutionRecord, SequencedMessage } from '../src/visibility/record';
import type { PayloadCodec } from '../src/core/payloads/options';
import { RowCodecs } from '../src/core/payloads/row-codecs';
import { DeliveryBatcher } from './delivery-batcher';
import { openVisibilitySchema } from './schema';
import { SenderSweep } from './sender-sweep';
import { VisibilityStore, type BatchItem, type BatchItemOutcome } from './visibility-store';
import { executionStub } from './stubs';

export interface VisibilityConfig {
  /** The namespace of WorkflowExecution objects, which batch operations act on. */
  executions(env: unknown): DurableObjectNamespace;
  /** The codecs execution records and batch rows are sealed with (docs/payloads.md). Default: none. */
  codecs?(env: unknown): PayloadCodec[];
}

/** Items one alarm works through, and how many of them at once. */
const BATCH_STEP = 64;
const BATCH_CONCURRENCY = 8;
/** A delivery that did not arrive is tried again this much later, this many times, before it counts as failed. */
const BATCH_RETRY_MS = 2_000;
const BATCH_MAX_ATTEMPTS = 5;

export function createVisibilityClass(config: VisibilityConfig) {
  return class Visibility extends DurableObject implements VisibilityRpc {
    readonly #store: VisibilityStore;
    /** Deliveries that arrive together share a transaction. */
    readonly #deliveries: DeliveryBatcher;
    /** Senders quiet for days are forgotten, a page at a time, between deliveries. */
    readonly #senders: SenderSweep;

    constructor(ctx: DurableObjectState, env: unknown) {
      super(ctx, env as never);
      this.#store = new VisibilityStore(ctx.storage, new RowCodecs(config.codecs?.(env) ?? []));
      this.#deliveries = new DeliveryBatcher((deliveries) => this.#store.applyAll(deliveries));
      this.#senders = new SenderSweep(this.#store);
      void ctx.blockConcurrencyWhile(async () => {
        openVisibilitySchema(ctx.storage);
      });
    }

    async apply(sender: string, messages: SequencedMessage[]): Promise<number> {
      const applied = await this.#deliveries.deliver(sender, messages);
      if (this.#senders.due()) setTimeout(() => this.#senders.afterDelivery(), 0); // after the acknowledgement, not before it
      return applied;
    }

    async list(filter: ListFilter, after: ListCursor | undefined, limit: number): Promise<ExecutionRecord[]> {
      return this.#store.list(filter, after, limit);
    }

    async countByStatus(filter: ListFilter): Promise<Record<string, number>> {
      return this.#store.countByStatus(filter);
    }

    async metrics(): Promise<MetricsSnapshot> {
      await this.#keepBatchesGoing();
      return this.#store.metrics();
    }

    async startBatch(spec: BatchSpec): Promise<number> {
      const matched = await this.#store.startBatch(spec);
      if (matched > 0) await this.#wakeAt(Date.now());
      return matched;
    }

    async batchProgress(batchId: string): Promise<BatchProgress | undefined> {
      await this.#keepBatchesGoing();
      return this.#store.batchProgress(batchId);
    }

    /** An alarm whose retries ran out (a hung call, an eviction) leaves open batches unarmed: any call re-arms it. */
    async #keepBatchesGoing(): Promise<void> {
      if (this.#store.hasOpenBatches() && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
    }

    /** Works through a step of each open batch; never throws (alarms are retried only a few times). */
    override async alarm(): Promise<void> {
      let retryLater = false;
      try {
        const { specs, unreadable } = await this.#store.openBatches();
        for (const error of unreadable) console.error('duro: a batch waits for its key', error.message);
        retryLater = unreadable.length > 0;
        for (const spec of specs) {
          const items = this.#store.nextBatchItems(spec.batchId, BATCH_STEP);
          for (let i = 0; i < items.length; i += BATCH_CONCURRENCY) {
            const outcomes = await Promise.all(items.slice(i, i + BATCH_CONCURRENCY).map((item) => this.#carryOut(spec, item)));
            if (outcomes.includes(undefined)) retryLater = true;
          }
        }
      } catch (error) {
        console.error('duro: a batch step failed', error);
        retryLater = true;
      } finally {
        if (this.#store.hasOpenBatches()) await this.#wakeAt(Date.now() + (retryLater ? BATCH_RETRY_MS : 0));
      }
    }

    /** Applies the batch's operation to one execution; undefined when it must be tried again. */
    async #carryOut(spec: BatchSpec, item: BatchItem): Promise<BatchItemOutcome | undefined> {
      let outcome: BatchItemOutcome;
      try {
        const stub = executionStub(config.executions(this.env), item.workflowId);
        const reason = spec.reason ?? `batch ${spec.batchId}`;
        // The run matched stands for its chain: one that continued as new or is retried is acted on where it is now.
        const target = { runId: item.runId, followRuns: true };
        const reply =
          spec.operation === 'cancel' ? await stub.cancel({ ...target, reason })
          : spec.operation === 'terminate' ? await stub.terminate({ ...target, reason })
          : await stub.signal({ ...target, name: spec.signalName!, args: spec.args ?? [], requestId: `batch:${spec.batchId}` });
        if (reply.ok) outcome = { kind: 'succeeded' };
        else if (reply.problem.type === 'duro:workflow-closed' || reply.problem.type === 'duro:workflow-not-found') outcome = { kind: 'skipped' };
        else {
          if (reply.problem.type === 'duro:internal') console.error(`duro: batch ${spec.batchId}: ${item.workflowId} (${item.runId}) answered`, reply.problem.detail);
          outcome = { kind: 'failed', failure: batchFailureOf(item, reply.problem) };
        }
      } catch (error) {
        if (this.#store.retryBatchItem(spec.batchId, item.runId) < BATCH_MAX_ATTEMPTS) return undefined;
        console.error(`duro: batch ${spec.batchId}: ${item.workflowId} (${item.runId}) could not be reached`, error);
        outcome = { kind: 'failed', failure: batchFailureOf(item, undefined) };
      }
      await this.#store.finishBatchItem(spec.batchId, item.runId, outcome, Date.now());
      return outcome;
    }

    async #wakeAt(at: number): Promise<void> {
      const current = await this.ctx.storage.getAlarm();
      if (current === null || current > at) await this.ctx.storage.setAlarm(at);
    }
  };
}
