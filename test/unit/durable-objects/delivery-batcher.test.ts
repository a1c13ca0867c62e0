// A Visibility shard's deliveries that arrive together share one transaction (durable-objects/delivery-batcher.ts),
// and a batch that fails is applied again one delivery at a time, so only the bad one fails.
import { describe, expect, it } from 'vitest';
import { DeliveryBatcher, type Delivery } from '../../../durable-objects/delivery-batcher';
import type { SequencedMessage } from '../../../src/visibility/record';

const messages = (seq: number): SequencedMessage[] => [{ kind: 'metrics', counters: [], histograms: [], seq } as unknown as SequencedMessage];

describe('DeliveryBatcher', () => {
  it('applies the deliveries that arrive together in one call, and answers each its own last seq', async () => {
    const calls: string[][] = [];
    const batcher = new DeliveryBatcher(async (deliveries: Delivery[]) => {
      calls.push(deliveries.map((delivery) => delivery.sender));
      return deliveries.map((delivery) => delivery.messages.at(-1)!.seq);
    });
    const applied = await Promise.all(['a', 'b', 'c'].map((sender, i) => batcher.deliver(sender, messages(i + 1))));
    expect(applied).toEqual([1, 2, 3]);
    expect(calls).toEqual([['a', 'b', 'c']]);
    // A delivery after the batch ended starts another.
    expect(await batcher.deliver('d', messages(7))).toBe(7);
    expect(calls).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('applies a failed batch one delivery at a time: only the bad one fails', async () => {
    const calls: string[][] = [];
    const batcher = new DeliveryBatcher(async (deliveries: Delivery[]) => {
      calls.push(deliveries.map((delivery) => delivery.sender));
      if (deliveries.some((delivery) => delivery.sender === 'bad')) throw new Error('cannot apply bad');
      return deliveries.map((delivery) => delivery.messages.at(-1)!.seq);
    });
    const settled = await Promise.allSettled(['a', 'bad', 'c'].map((sender, i) => batcher.deliver(sender, messages(i + 1))));
    expect(settled.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([1, 'cannot apply bad', 3]);
    expect(calls).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });
});
