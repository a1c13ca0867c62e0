// The lines a run keeps of its ctx.log (Limits.logLinesKept, outside history): its workflow code's, once each across
// replays, its local activities', its activities' (every attempt's), bounded in number and length.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineSignal, defineWorkflow, Limits, type ActivityContext } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';
import { cutLogLine } from '../../../src/core/log';

const go = defineSignal<[number?]>('go');

const activities = {
  async charge(input: { amount: number }, ctx: ActivityContext) {
    ctx.log.info('charging', { amount: input.amount });
    if (ctx.info.attempt === 1) throw new Error('card network down');
    return 'ch-1';
  },
  async audit(_input: unknown, ctx: ActivityContext) {
    ctx.log.debug('audited');
  },
};

const keeps = defineWorkflow('keeps', async (ctx) => {
  const { charge } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute', retry: { initialInterval: '1s' } });
  const { audit } = ctx.proxyLocalActivities<typeof activities>({ startToCloseTimeout: '1 minute' });
  let lines = -1;
  ctx.setHandler(go, (count = 0) => void (lines = count));
  ctx.log.info('waiting for go');
  await ctx.condition(() => lines >= 0);
  for (let i = 0; i < lines; i++) ctx.log.info(`line ${i}`);
  await audit(null);
  const chargeId = await charge({ amount: 40 });
  ctx.log.warn('charged', { chargeId, note: 'x'.repeat(Limits.logLineMaxChars) });
  return chargeId;
});

afterEach(() => vi.restoreAllMocks());

function quietConsole(): void {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
}

describe('kept log lines', () => {
  it("keeps the workflow's, its local and remote activities' lines, once each across replays", async () => {
    quietConsole();
    const env = await TestWorkflowEnvironment.create({ workflows: { keeps }, activities });
    const handle = await env.start(keeps, { workflowId: 'kept-1' });
    env.evict('kept-1'); // the signal replays the run: 'waiting for go' is not kept again
    await handle.signal(go, 1);
    expect(await handle.result()).toBe('ch-1');
    env.evict('kept-1');
    await handle.describe();

    const lines = (await handle.logs()).lines.map(({ line }) => line);
    expect(lines.map((line) => [line.level, line.message, line.activityType, line.attempt])).toEqual([
      ['info', 'waiting for go', undefined, 1],
      ['info', 'line 0', undefined, 1],
      ['debug', 'audited', 'audit', 1],
      ['info', 'charging', 'charge', 1],
      ['info', 'charging', 'charge', 2],
      ['warn', 'charged', undefined, 1],
    ]);
    expect(lines[0]).toMatchObject({ workflowId: 'kept-1', runId: handle.runId, workflowType: 'keeps' });
    expect(lines[2]).toMatchObject({ isLocal: true });
    // Too long to keep whole: its identity and the start of its message stay, and it says it was cut.
    expect(lines[5]).toEqual({ level: 'warn', message: 'charged', time: expect.any(String), workflowId: 'kept-1', runId: handle.runId, workflowType: 'keeps', attempt: 1, traceId: lines[0]!.traceId, truncated: true });
    // Nothing of it is in history.
    expect(JSON.stringify(await handle.fetchHistory())).not.toContain('waiting for go');
  });

  it('keeps only the latest Limits.logLinesKept lines of a run', async () => {
    quietConsole();
    const env = await TestWorkflowEnvironment.create({ workflows: { keeps }, activities });
    const handle = await env.start(keeps, { workflowId: 'kept-2' });
    await handle.signal(go, Limits.logLinesKept + 10);
    await handle.result();
    const lines = (await handle.logs()).lines.map(({ line }) => line);
    expect(lines).toHaveLength(Limits.logLinesKept);
    expect(lines.at(-1)!.message).toBe('charged');
    // 'waiting for go' and the first lines were dropped: the last 1 000 are the loop's end, audit, 2 charges, charged.
    expect(lines[0]!.message).toBe(`line ${Limits.logLinesKept + 10 - (Limits.logLinesKept - 4)}`);
  });
});

describe('lines an activity server sends back', () => {
  it('are held to what a run keeps, whatever they hold: huge fields are cut, not stored', async () => {
    const huge = 'x'.repeat(3_000_000);
    for (const line of [
      { level: 'info', message: 'm', time: huge },
      { level: 'info', message: huge, time: 't', activityType: huge, workflowId: huge },
      { level: 'warn', message: '\u0001'.repeat(100_000), time: 't' }, // escapes grow it sixfold as JSON
    ]) {
      const cut = cutLogLine(JSON.stringify(line), Limits.logLineMaxChars);
      expect(cut.length).toBeLessThanOrEqual(Limits.logLineMaxChars);
      expect(JSON.parse(cut)).toMatchObject({ level: line.level, truncated: true });
    }
  });
});
