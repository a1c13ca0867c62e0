// The spans of a run (docs/observability.md, Traces), as the test environment hands them over (onSpans): one trace
// per run and its children, every span under the run's span, each activity attempt its own span (retried ones too),
// and the attempt's traceparent in what the activity is given.
import { describe, expect, it, vi } from 'vitest';
import { ApplicationFailure, defineQuery, defineSignal, defineWorkflow, Saga, waitingQuery, type ActivityContext, type WorkflowContext } from 'duro/workflow';
import { TestWorkflowEnvironment, type SpanData } from 'duro/testing';

const traceparents: string[] = [];

const activities = {
  async reserve(_order: string, ctx: ActivityContext) {
    traceparents.push(ctx.info.traceparent ?? '');
    return 'r-1';
  },
  async charge(_order: string, ctx: ActivityContext) {
    traceparents.push(ctx.info.traceparent ?? '');
    if (ctx.info.attempt === 1) throw ApplicationFailure.retryable('card network down', 'NetworkDown');
    return 'c-1';
  },
  async ship(_order: string) {
    throw ApplicationFailure.nonRetryable('no courier', 'NoCourier');
  },
  async refund(_order: string) {},
  async release(_order: string) {},
  async note(_text: string) {},
};

const acts = (ctx: WorkflowContext) => ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s', maximumAttempts: 3 } });
const proceed = defineSignal('proceed');
const stage = defineQuery<string>('stage');

const label = defineWorkflow('label', async (_ctx, order: string) => `label for ${order}`);

const saga = defineWorkflow('saga', async (ctx, order: string) => {
  let going = false;
  let now = 'waiting';
  ctx.setHandler(proceed, () => void (going = true));
  ctx.setHandler(stage, () => now);
  await ctx.condition(() => going);
  now = 'booking';
  const { reserve, charge, ship } = acts(ctx);
  await ctx.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '1 minute' }).note('started');
  await ctx.executeChild(label, { input: order, workflowId: `${order}-label` });
  const compensations = new Saga(ctx);
  try {
    compensations.addCompensation((c) => acts(c).release(order));
    await reserve(order);
    compensations.addCompensation((c) => acts(c).refund(order));
    await charge(order);
    await ship(order);
  } catch (error) {
    await compensations.compensate();
    throw error;
  }
});

/** The spans by name, with their parent's name. */
function tree(spans: SpanData[]) {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  return spans.map((span) => ({ name: span.name, parent: span.parentSpanId === undefined ? undefined : (byId.get(span.parentSpanId)?.name ?? 'outside'), error: span.error }));
}

describe('spans', () => {
  it('make one trace of a saga with a retried activity: the run, its activations, every attempt, its child, signal and query', async () => {
    const spans: SpanData[] = [];
    traceparents.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows: { saga, label }, activities, onSpans: (finished) => spans.push(...finished) });
    const handle = await env.start(saga, { workflowId: 'order-1', input: 'order-1' });
    expect(await handle.query(stage)).toBe('waiting');
    await handle.query(waitingQuery); // built-in: no span (the UI asks it every few seconds)
    await handle.signal(proceed);
    await expect(handle.result()).rejects.toThrow();

    const run = spans.find((span) => span.name === 'RunWorkflow:saga')!;
    expect(run.parentSpanId).toBeUndefined();
    expect(run).toMatchObject({ kind: 'server', error: expect.stringContaining('no courier') });
    expect(run.attributes).toMatchObject({ 'duro.workflow.id': 'order-1', 'duro.workflow.type': 'saga', 'duro.workflow.status': 'failed' });
    // One trace: the child's run too.
    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([run.traceId]));
    expect(run.traceId).toMatch(/^[0-9a-f]{32}$/);

    const shape = tree(spans);
    const under = (name: string) => shape.filter((span) => span.name === name);
    expect(under('RunActivity:charge')).toEqual([
      { name: 'RunActivity:charge', parent: 'RunWorkflow:saga', error: 'card network down' },
      { name: 'RunActivity:charge', parent: 'RunWorkflow:saga', error: undefined },
    ]);
    for (const name of ['RunActivity:reserve', 'RunActivity:ship', 'RunActivity:refund', 'RunActivity:release', 'RunLocalActivity:note', 'HandleSignal:proceed', 'HandleQuery:stage']) {
      expect(under(name), name).toEqual([expect.objectContaining({ parent: 'RunWorkflow:saga' })]);
    }
    expect(under('RunActivity:ship')[0]!.error).toBe('no courier');
    expect(shape.some((span) => span.name.startsWith('HandleQuery:__'))).toBe(false);
    expect(under('RunWorkflow:label')).toEqual([{ name: 'RunWorkflow:label', parent: 'RunWorkflow:saga', error: undefined }]);
    expect(under('Activation:saga').length).toBeGreaterThanOrEqual(4);
    expect(under('Activation:saga').every((span) => span.parent === 'RunWorkflow:saga')).toBe(true);
    // Compensation ran after the failure: refund before release (LIFO), both after ship's attempt.
    const at = (name: string) => spans.find((span) => span.name === name)!.startTime;
    expect(at('RunActivity:refund')).toBeGreaterThanOrEqual(at('RunActivity:ship'));
    expect(at('RunActivity:release')).toBeGreaterThanOrEqual(at('RunActivity:refund'));

    // Each attempt's activity was handed its own span's context.
    const attempts = spans.filter((span) => span.name === 'RunActivity:reserve' || span.name === 'RunActivity:charge');
    expect(traceparents).toEqual(attempts.map((span) => `00-${run.traceId}-${span.spanId}-01`));
    const [first, second] = spans.filter((span) => span.name === 'RunActivity:charge');
    expect(first!.attributes).toMatchObject({ 'duro.activity.attempt': 1, 'duro.activity.retrying': true, 'error.type': 'NetworkDown' });
    expect(second!.attributes).toMatchObject({ 'duro.activity.attempt': 2, 'duro.activity.outcome': 'completed' });
    // The retry waited out its backoff (virtual time): the second attempt starts a second after the first ended.
    expect(second!.startTime - first!.endTime).toBeGreaterThanOrEqual(1_000);
  });

  it('never break a run: a sink that throws loses its spans, and the run goes on', async () => {
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    traceparents.length = 0;
    const env = await TestWorkflowEnvironment.create({ workflows: { saga, label }, activities, onSpans: () => { throw new Error('collector down'); } });
    const handle = await env.start(saga, { workflowId: 'order-2', input: 'order-2' });
    expect(await handle.query(stage)).toBe('waiting');
    await handle.signal(proceed);
    await expect(handle.result()).rejects.toThrow(/no courier/);
    expect(errors).toHaveBeenCalledWith('duro: the span exporter threw; those spans are dropped', expect.any(Error));
    errors.mockRestore();
  });

  it('start a trace of its own for each run a chain continues as new into; a retry stays in its run\'s trace', async () => {
    const spans: SpanData[] = [];
    const looping = defineWorkflow('looping', async (ctx, round: number) => {
      if (round < 2) return ctx.continueAsNew(round + 1);
      return round;
    });
    const env = await TestWorkflowEnvironment.create({ workflows: { looping }, onSpans: (finished) => spans.push(...finished) });
    expect(await (await env.start(looping, { workflowId: 'loop', input: 0 })).result()).toBe(2);
    const runs = spans.filter((span) => span.name === 'RunWorkflow:looping');
    expect(runs).toHaveLength(3);
    // A long-lived chain would otherwise grow one trace without end.
    expect(new Set(runs.map((span) => span.traceId)).size).toBe(3);
    expect(runs.every((span) => span.parentSpanId === undefined)).toBe(true);

    const failingOnce = defineWorkflow('failingOnce', async (ctx) => {
      if (ctx.info().attempt === 1) throw ApplicationFailure.retryable('first run fails', 'Flaky');
      return ctx.info().attempt;
    });
    const retryEnv = await TestWorkflowEnvironment.create({ workflows: { failingOnce }, onSpans: (finished) => spans.push(...finished) });
    expect(await (await retryEnv.start(failingOnce, { workflowId: 'retry', retryPolicy: { initialInterval: '1s' } })).result()).toBe(2);
    const attempts = spans.filter((span) => span.name === 'RunWorkflow:failingOnce');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.traceId).toBe(attempts[1]!.traceId);
  });
});
