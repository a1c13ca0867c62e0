// Issue 15: one rule for durations at every door of the API. A 400-digit duration used to be accepted with 201 and
// brick the workflow id; now it is a 400 naming the field, and nothing is created.
import { describe, expect, it } from 'vitest';
import { MAX_DURATION_MS } from '../../../src/core/duration';
import { setup } from './fixtures';

const HUGE = '9'.repeat(400) + 'ms';

describe('durations at the API (100 years at most)', () => {
  it.each([
    ['startDelay', '400 digits', HUGE],
    ['executionTimeout', '400 digits', HUGE],
    ['runTimeout', '400 digits', HUGE],
    ['startDelay', '1e308', 1e308],
    ['runTimeout', '100000000 weeks', '100000000 weeks'],
    ['executionTimeout', '100 years + 1 ms', MAX_DURATION_MS + 1],
  ])('POST /v1/workflows refuses %s of %s with 400 naming the field, and starts nothing', async (field, _label, value) => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'huge', input: 'Ada', [field]: value });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'duro:invalid-request', detail: expect.stringContaining(field) });
    expect(res.body.detail).toContain('100 years');
    expect((await call('GET', '/v1/workflows/huge')).status).toBe(404);
  });

  it('refuses a 400-digit retry interval', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'huge', retryPolicy: { maximumInterval: HUGE } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('maximumInterval');
  });

  it("refuses signal-with-start's 400-digit startDelay with 400, and starts nothing", async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'huge', signalName: 'add', signalArgs: [1], startDelay: HUGE });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'duro:invalid-request', detail: expect.stringContaining('startDelay') });
    expect((await call('GET', '/v1/workflows/huge')).status).toBe(404);
  });

  it('refuses update-with-start with a 400-digit runTimeout', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows/update-with-start', { workflowType: 'counter', workflowId: 'huge', updateName: 'setTotal', updateArgs: [1], runTimeout: HUGE });
    expect(res.status).toBe(400);
    expect(res.body.detail).toContain('runTimeout');
  });

  it('accepts exactly 100 years', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'long', input: 'Ada', executionTimeout: MAX_DURATION_MS });
    expect(res.status).toBe(201);
  });

  it("refuses a schedule's 400-digit every with 400 naming the field", async () => {
    const { call } = await setup();
    const every = await call('POST', '/v1/schedules', { scheduleId: 's1', workflowType: 'greet', every: HUGE });
    expect(every.status).toBe(400);
    expect(every.body.detail).toContain('every');
  });
});
