// A payload whose mark does not read (an encoding this version does not know, a rich value that is not what its tags
// say) is refused where it enters: 400 at the API, a non-retryable failure for an activity's reply. Nothing is
// recorded, so no workflow code meets it (docs/payloads.md).
import { describe, expect, it } from 'vitest';
import { invalidOutcome } from '../../../src/protocol/activity-outcome';
import { setup } from './fixtures';

const unknownEncoding = { $duro: 'zstd', v: 'abc' };
const malformedRich = { $duro: 'rich', v: { when: { $t: 'M', v: 5 } } };
const wrongNumber = { $duro: 'rich', v: { $t: 'N', v: '42' } };

describe('marked payloads from outside', () => {
  it.each([
    ['an encoding this version does not read', unknownEncoding, /marked "zstd"/],
    ['a rich value that is not what its tag says', malformedRich, /rich payload is malformed/],
    ['a special number that is not one', wrongNumber, /holds the number "42"/],
  ])('refuses %s in a start input, signal arguments and memo with 400, recording nothing', async (_what, bad, message) => {
    const { call } = await setup();
    const start = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'marks-1', input: bad });
    expect(start.status).toBe(400);
    expect(start.body).toMatchObject({ type: 'duro:invalid-request' });
    expect((start.body as { detail: string }).detail).toMatch(message);
    expect((await call('GET', '/v1/workflows/marks-1')).status).toBe(404);
    const memo = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'marks-2', input: 'Ada', memo: { note: bad } });
    expect(memo.status).toBe(400);

    expect((await call('POST', '/v1/workflows', { workflowType: 'counter', workflowId: 'marks-3' })).status).toBe(201);
    const signal = await call('POST', '/v1/workflows/marks-3/signals/increment', { args: [1, bad] });
    expect(signal.status).toBe(400);
    expect((signal.body as { detail: string }).detail).toMatch(/Arguments of signal/);
  });

  it('takes a well-formed marked payload, and a plain one, as they are', async () => {
    const { call } = await setup();
    const rich = { $duro: 'rich', v: { $t: 'n', v: '7' } };
    expect((await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'marks-ok', input: rich })).status).toBe(201);
  });

  it('fails an activity reply whose result does not read, without a retry', () => {
    expect(invalidOutcome({ result: unknownEncoding })).toMatchObject({ type: 'ActivityReplyInvalid', nonRetryable: true, message: expect.stringMatching(/Activity result: A payload is marked "zstd"/) });
    expect(invalidOutcome({ result: { name: 'plain', $t: 'M' } })).toBeUndefined();
  });
});
