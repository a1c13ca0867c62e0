// ctx.log in workflows and activities: one JSON line per call with who wrote it, and a workflow's lines are not written
// again while its run replays history (an eviction here), as console.log's would be.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineSignal, defineWorkflow, waitingQuery, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const go = defineSignal('go');

const activities = {
  async charge(input: { amount: number }, ctx: ActivityContext) {
    ctx.log.info('charging', { amount: input.amount });
    if (ctx.info.attempt === 1) throw new Error('card network down');
    return 'ch-1';
  },
};

const logsOnce = defineWorkflow('logsOnce', async (ctx) => {
  const { charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s' } });
  let going = false;
  ctx.setHandler(go, () => void (going = true));
  ctx.log.info('waiting for go', { orderId: 'o-1', workflowId: 'spoofed' });
  await ctx.condition(() => going);
  const chargeId = await charge({ amount: 40 });
  ctx.log.warn('charged', { chargeId, cause: new TypeError('just a test') });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  ctx.log.error('cannot write this one fully', { cyclic });
  return chargeId;
});

/** The JSON lines written through console[level], parsed. */
function captureLines() {
  const lines: Array<Record<string, any>> = [];
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((text: unknown) => {
      if (typeof text === 'string' && text.startsWith('{')) lines.push(JSON.parse(text));
    });
  }
  return lines;
}

afterEach(() => vi.restoreAllMocks());

describe('ctx.log', () => {
  it('writes each workflow line once, across an eviction and its replay, with the run\'s identity', async () => {
    const lines = captureLines();
    const env = await TestWorkflowEnvironment.create({ workflows: { logsOnce }, activities });
    const handle = await env.start(logsOnce, { workflowId: 'log-1' });
    env.evict('log-1'); // the next input replays the run: 'waiting for go' is not written again
    await handle.signal(go);
    expect(await handle.result()).toBe('ch-1');
    env.evict('log-1');
    await handle.query(waitingQuery); // the replay this query needs writes nothing either

    const workflowLines = lines.filter((line) => line.activityId === undefined);
    expect(workflowLines.map((line) => [line.level, line.message])).toEqual([
      ['info', 'waiting for go'],
      ['warn', 'charged'],
      ['error', 'cannot write this one fully'],
    ]);
    const [waiting, charged, cyclic] = workflowLines;
    expect(waiting).toEqual({ level: 'info', message: 'waiting for go', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), workflowId: 'log-1', runId: handle.runId, workflowType: 'logsOnce', attempt: 1, traceId: expect.stringMatching(/^[0-9a-f]{32}$/), orderId: 'o-1' });
    expect(charged).toMatchObject({ chargeId: 'ch-1', cause: { name: 'TypeError', message: 'just a test' } });
    // Its attributes are lost; who wrote it is not.
    expect(cyclic).toEqual({ level: 'error', message: 'cannot write this one fully', time: expect.any(String), workflowId: 'log-1', runId: handle.runId, workflowType: 'logsOnce', attempt: 1, traceId: waiting!.traceId, logError: expect.stringMatching(/^attributes not written: /) });
  });

  it('writes activity lines with the attempt\'s identity, each attempt its own', async () => {
    const lines = captureLines();
    const env = await TestWorkflowEnvironment.create({ workflows: { logsOnce }, activities });
    const handle = await env.start(logsOnce, { workflowId: 'log-2' });
    await handle.signal(go);
    await handle.result();
    const activityLines = lines.filter((line) => line.activityId !== undefined);
    expect(activityLines).toEqual([1, 2].map((attempt) => ({
      level: 'info', message: 'charging', time: expect.any(String),
      activityId: expect.any(String), activityType: 'charge', attempt, workflowId: 'log-2', runId: handle.runId, amount: 40,
      // The attempt's span: its trace is the run's.
      traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
    })));
    expect(activityLines[0]!.spanId).not.toBe(activityLines[1]!.spanId);
  });
});
