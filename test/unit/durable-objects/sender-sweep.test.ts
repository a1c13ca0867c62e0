// A Visibility shard forgets senders quiet for days, one page of the table per look, at most one look per
// SWEEP_EVERY_MS of deliveries (durable-objects/sender-sweep.ts); the pages' SQL is tested in visibility-store.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SENDER_MEMORY_MS, SenderSweep, SWEEP_EVERY_MS, SWEEP_PAGE } from '../../../durable-objects/sender-sweep';
import type { VisibilityStore } from '../../../durable-objects/visibility-store';

function storeAnswering(cursors: string[]) {
  const looks: Array<{ after: string; quietSince: number; limit: number }> = [];
  const store = {
    forgetQuietSenders(after: string, quietSince: number, limit: number) {
      looks.push({ after, quietSince, limit });
      const next = cursors.shift();
      if (next === undefined) throw new Error('storage refused');
      return next;
    },
  } as unknown as VisibilityStore;
  return { store, looks };
}

afterEach(() => vi.restoreAllMocks());

describe('SenderSweep', () => {
  it('looks at a page only once SWEEP_EVERY_MS has passed since the last look (or the start), carrying the cursor round', () => {
    let now = 1_000_000;
    const { store, looks } = storeAnswering(['k500', '', 'k2']);
    const sweep = new SenderSweep(store, () => now);
    sweep.afterDelivery();
    expect(looks).toEqual([]); // a shard just loaded serves its deliveries first
    now += SWEEP_EVERY_MS;
    sweep.afterDelivery();
    sweep.afterDelivery(); // the same moment: no second look
    now += SWEEP_EVERY_MS - 1;
    sweep.afterDelivery();
    now += 1;
    sweep.afterDelivery();
    now += SWEEP_EVERY_MS;
    sweep.afterDelivery();
    expect(looks).toEqual([
      { after: '', quietSince: 1_000_000 + SWEEP_EVERY_MS - SENDER_MEMORY_MS, limit: SWEEP_PAGE },
      { after: 'k500', quietSince: 1_000_000 + 2 * SWEEP_EVERY_MS - SENDER_MEMORY_MS, limit: SWEEP_PAGE },
      { after: '', quietSince: 1_000_000 + 3 * SWEEP_EVERY_MS - SENDER_MEMORY_MS, limit: SWEEP_PAGE },
    ]);
  });

  it('never fails a delivery: a look that throws is reported, and the next look starts where that one did', () => {
    let now = 0;
    const { store, looks } = storeAnswering(['k1']);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const sweep = new SenderSweep(store, () => now);
    now += SWEEP_EVERY_MS;
    sweep.afterDelivery();
    now += SWEEP_EVERY_MS;
    expect(() => sweep.afterDelivery()).not.toThrow();
    expect(errors).toHaveBeenCalledWith('duro: forgetting quiet Visibility senders failed', expect.any(Error));
    now += SWEEP_EVERY_MS;
    expect(() => sweep.afterDelivery()).not.toThrow();
    expect(looks.map((look) => look.after)).toEqual(['', 'k1', 'k1']);
  });
});
