// The Idempotency-Key header of an activity request: plain ids as they always were, any other id percent-encoded so
// the header is valid whatever an older Duro let into a workflowId.
import { describe, expect, it } from 'vitest';
import { idempotencyKey } from '../../../src/protocol/activity-protocol';

const key = (workflowId: string) => idempotencyKey({ workflowId, runId: 'r-1', activityId: '3' });

describe('idempotencyKey', () => {
  it('keeps printable ASCII ids as they are, colons included', () => {
    expect(key('order:42 eu')).toBe('order:42 eu:r-1:3');
  });

  it.each([
    ['a line feed', 'order\n42'],
    ['a NUL', 'order\u000042'],
    ['non-Latin text', '注文-42'],
    ['half a surrogate pair', 'order-\uD83D'],
  ])('percent-encodes an id with %s into a value every HTTP stack accepts in a header', (_what, workflowId) => {
    const value = key(workflowId);
    expect(value).toMatch(/^[\x21-\x7e]+$/);
    expect(() => new Headers({ 'Idempotency-Key': value })).not.toThrow();
    expect(key(workflowId)).toBe(value); // the same for every attempt
  });
});
