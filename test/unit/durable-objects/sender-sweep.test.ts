// A Visibility shard forgets senders quiet for days, one page of the table per look, at most one look per
// SWEEP_EVERY_MS of deliveries (durable-objects/sender-sweep.ts); the pages' SQL, and where the next one starts, are
// tested in visibility-store.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SENDER_MEMORY_MS, SenderSweep, SWEEP_EVERY_MS, SWEEP_PAGE } from '../../../durable-objects/sender-sweep';
import type { VisibilityStore } from '../../../durable-objects/visibility-store';

function storeFailingAt(failing: Set<number>) {
  const looks: Array<{ quietSince: number; limit: number }> = [];
  const store = {
    forgetQuietSenders(quietSince: number, limit: number) {
      looks.push({ quietSince, limit });
      if (failing.has(looks.length)) throw new Error('storage refused');
      return '';
    },
  } as unknown as VisibilityStore;
  return { store, looks };
}

afterEach(() => vi.restoreAllMocks());

describe('SenderSweep', () => {
  it('looks at a page at the first delivery, then once SWEEP_EVERY_MS has passed since the last look', () => {
    let now = 1_000_000;
    const { store, looks } = storeFailingAt(new Set());
    const sweep = new SenderSweep(store, () => now);
    sweep.afterDelivery(); // a shard evicted between deliveries still looks
    sweep.afterDelivery(); // the same moment: no second look
    now += SWEEP_EVERY_MS - 1;
    sweep.afterDelivery();
    now += 1;
    sweep.afterDelivery();
    expect(looks).toEqual([
      { quietSince: 1_000_000 - SENDER_MEMORY_MS, limit: SWEEP_PAGE },
      { quietSince: 1_000_000 + SWEEP_EVERY_MS - SENDER_MEMORY_MS, limit: SWEEP_PAGE },
    ]);
  });

  it('never fails a delivery: a look that throws is reported, and the next one comes as usual', () => {
    let now = 0;
    const { store, looks } = storeFailingAt(new Set([1]));
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const sweep = new SenderSweep(store, () => now);
    expect(() => sweep.afterDelivery()).not.toThrow();
    expect(errors).toHaveBeenCalledWith('duro: forgetting quiet Visibility senders failed', expect.any(Error));
    now += SWEEP_EVERY_MS;
    expect(() => sweep.afterDelivery()).not.toThrow();
    expect(looks).toHaveLength(2);
  });
});
