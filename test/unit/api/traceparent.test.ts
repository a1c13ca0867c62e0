// A start request's W3C `traceparent` header: the run records the caller's trace and span, which its
// own span becomes a child of; a header that is not valid is ignored, as the standard asks, and the start goes on.
import { describe, expect, it } from 'vitest';
import { setup } from './fixtures';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

/** The trace the run of `workflowId` recorded in its start event. */
async function recordedTrace(call: Awaited<ReturnType<typeof setup>>['call'], workflowId: string): Promise<unknown> {
  const history = await call('GET', `/v1/workflows/${workflowId}/history`);
  const started = (history.body.events as Array<{ type: string; trace?: unknown }>).find((event) => event.type === 'WorkflowExecutionStarted');
  expect(started).toBeDefined();
  return started!.trace;
}

describe('a start request\'s traceparent', () => {
  it('POST /v1/workflows records the caller\'s trace and span', async () => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'g', input: 'Ada' }, { traceparent: `00-${TRACE}-${SPAN}-01` });
    expect(res.status).toBe(201);
    expect(await recordedTrace(call, 'g')).toEqual({ traceId: TRACE, parentSpanId: SPAN });
  });

  it('records notSampled when the caller does not sample (flags 00)', async () => {
    const { call } = await setup();
    await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'g', input: 'Ada' }, { traceparent: `00-${TRACE}-${SPAN}-00` });
    expect(await recordedTrace(call, 'g')).toEqual({ traceId: TRACE, parentSpanId: SPAN, notSampled: true });
  });

  it.each([
    ['uppercase', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['an all-zero trace', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['version ff', `ff-${TRACE}-${SPAN}-01`],
    ['garbage', 'hello'],
  ])('ignores a traceparent that is not valid (%s): 201, and the run starts a trace of its own', async (_case, traceparent) => {
    const { call } = await setup();
    const res = await call('POST', '/v1/workflows', { workflowType: 'greet', workflowId: 'g', input: 'Ada' }, { traceparent });
    expect(res.status).toBe(201);
    expect(await recordedTrace(call, 'g')).toBeUndefined();
  });

  it('records nothing for a start without a traceparent', async () => {
    const { call, start } = await setup();
    await start('greet', { workflowId: 'g', input: 'Ada' });
    expect(await recordedTrace(call, 'g')).toBeUndefined();
  });

  it('signal-with-start and update-with-start record it too', async () => {
    const { call } = await setup();
    const traceparent = { traceparent: `00-${TRACE}-${SPAN}-01` };
    await call('POST', '/v1/workflows/signal-with-start', { workflowType: 'counter', workflowId: 'sws', signalName: 'add', signalArgs: [1] }, traceparent);
    await call('POST', '/v1/workflows/update-with-start', { workflowType: 'counter', workflowId: 'uws', updateName: 'setTotal', updateArgs: [2] }, traceparent);
    expect(await recordedTrace(call, 'sws')).toEqual({ traceId: TRACE, parentSpanId: SPAN });
    expect(await recordedTrace(call, 'uws')).toEqual({ traceId: TRACE, parentSpanId: SPAN });
  });
});
