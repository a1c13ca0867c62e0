// A history past the 32 MiB a Durable Object RPC reply carries is still read, page by page: the history route sizes
// its pages by bytes as well as by count (durable-objects/sql-run-store.ts readHistory).
import { describe, expect, it } from 'vitest';
import { api, describe as describeRun, signal, start, uniqueId } from './helpers';

describe('a large history', () => {
  it('is read whole through the default history route, however large its events', async () => {
    const workflowId = uniqueId('cart-large');
    await start('cart', workflowId);
    // Eighteen signals of 1.9 MiB: a history of ~34 MiB, which the history limit fails once it passes 32 MiB.
    const item = 'x'.repeat(1_900 * 1024);
    for (let i = 0; i < 18; i++) {
      const sent = await signal(workflowId, 'addItem', [`${i}:${item}`]);
      if (sent.status !== 202) break; // the run failed at the limit: later signals find it closed
    }
    const eventIds: number[] = [];
    let bytes = 0;
    for (let after = 0; ;) {
      const response = await api(`/v1/workflows/${workflowId}/history?after=${after}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      const page = JSON.parse(text) as { events: Array<{ eventId: number }>; nextEventId: number };
      if (page.events.length === 0) break;
      expect(text.length).toBeLessThan(16 * 1024 * 1024);
      bytes += text.length;
      eventIds.push(...page.events.map((event) => event.eventId));
      after = page.nextEventId - 1;
    }
    expect(bytes).toBeGreaterThan(32 * 1024 * 1024);
    expect(eventIds).toEqual(Array.from({ length: eventIds.length }, (_, i) => i + 1));
    expect((await describeRun(workflowId)).status).toBe('failed');
  }, 60_000);
});
