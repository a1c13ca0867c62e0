// How a run writes and reads payloads (decision 019): by the format and converter its start event records, so a
// run recorded before marks existed keeps plain JSON, and a replay writes as the live run did.
import { describe, expect, it } from 'vitest';
import { defineSignal, defineUpdate, defineQuery, defineWorkflow, PayloadError } from 'duro/workflow';
import { replayHistory, TestWorkflowEnvironment } from 'duro/testing';
import { RunPayloads } from '../../../src/core/payloads/run-payloads';
import { describeValue, richSample } from '../../support/rich-values';

describe('RunPayloads', () => {
  it('reads and writes a run recorded before marks existed as plain JSON: a $duro key is its data', () => {
    const old = RunPayloads.of({});
    const value = { $duro: 'rich', v: 'theirs' };
    expect(old.write(value, 'x')).toEqual(value);
    expect(old.read(value)).toBe(value);
    expect(old.readArgs([value])).toEqual([value]);
  });

  it('writes with the converter the start event records, argument by argument and field by field', () => {
    const rich = RunPayloads.of({ payloadFormat: 1, payloadConverter: 'rich' });
    expect(rich.writeArgs([1, new Date(0)], 'args')).toEqual([1, { $duro: 'rich', v: { $t: 'D', v: '1970-01-01T00:00:00.000Z' } }]);
    expect(rich.writeRecord({ plain: 'a', when: new Date(0) }, 'memo')).toEqual({ plain: 'a', when: { $duro: 'rich', v: { $t: 'D', v: '1970-01-01T00:00:00.000Z' } } });
    const json = RunPayloads.of({ payloadFormat: 1, payloadConverter: 'json' });
    expect(json.write({ $duro: 'x' }, 'x')).toEqual({ $duro: 'json', v: { $duro: 'x' } });
    expect(json.read(json.write({ $duro: 'x' }, 'x'))).toEqual({ $duro: 'x' });
    expect(RunPayloads.of({ payloadFormat: 1 }).converter).toBe('json');
  });

  it('checks numbers and depth under json, where the rich format would tag them', () => {
    const json = RunPayloads.forCaller('json');
    expect(() => json.write({ n: Number.NaN }, 'Workflow input')).toThrow(PayloadError);
    expect(() => json.write(1n, 'Workflow input')).toThrow(/bigint/);
    const rich = RunPayloads.forCaller('rich');
    expect(describeValue(rich.read(rich.write({ n: Number.NaN, b: 1n }, 'x')))).toBe(describeValue({ n: Number.NaN, b: 1n }));
    // Depth is measured on the value, not on its tags: 60 levels of Maps are 60, not 180.
    let deep: unknown = 1;
    for (let i = 0; i < 60; i++) deep = new Map([['k', deep]]);
    expect(describeValue(rich.read(rich.write(deep, 'x')))).toBe(describeValue(deep));
    for (let i = 0; i < 10; i++) deep = new Map([['k', deep]]);
    expect(() => rich.write(deep, 'Deep input')).toThrow(/Deep input is nested deeper than 64 levels/);
  });

  it('refuses a caller converter that does not exist, naming the option', () => {
    expect(() => RunPayloads.forCaller('superjson' as never)).toThrow("payloads.converter must be 'json' or 'rich', not \"superjson\"");
  });
});

const note = defineSignal<[value: unknown]>('note');
const notes = defineQuery<unknown[], [extra: unknown]>('notes');
const echo = defineUpdate<unknown, [value: unknown]>('echo');
const activities = { async keep(value: unknown) { return value; } };

/** Sends a bigint to an activity and catches nothing: under json that refuses, under rich it crosses. Ends after a signal and an update. */
const ledger = defineWorkflow('ledger', async (ctx, input: { total: bigint }) => {
  const seen: unknown[] = [];
  let echoed = false;
  ctx.setHandler(note, (value) => void seen.push(value));
  ctx.setHandler(notes, (extra) => [...seen, extra]);
  ctx.setHandler(echo, (value) => ((echoed = true), value));
  const kept = await ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' }).keep({ total: input.total * 2n });
  await ctx.condition(() => seen.length > 0 && echoed);
  return { kept, seen, memo: ctx.info().memo };
});

describe('the test environment with the rich converter', () => {
  it('takes rich values through start, signal-with-start, update-with-start, handles and describe', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger }, activities, payloads: { converter: 'rich' } });
    const sample = richSample();
    const { handle } = await env.signalWithStart(ledger, { workflowId: 'ledger-1', input: { total: 21n }, memo: { sample } }, note, sample);
    expect(describeValue(await handle.query(notes, sample))).toBe(describeValue([sample, sample]));
    expect(describeValue(await handle.executeUpdate(echo, { args: [sample] }))).toBe(describeValue(sample));
    expect(describeValue((await handle.describe()).memo.sample)).toBe(describeValue(sample));
    const result = await handle.result();
    expect(describeValue(result)).toBe(describeValue({ kept: { total: 42n }, seen: [sample], memo: { sample } }));

    const { result: updated } = await env.updateWithStart(ledger, { workflowId: 'ledger-2', input: { total: 1n } }, echo, { args: [new Set([1n])] });
    expect(updated).toEqual(new Set([1n]));

    // A replay writes with the converter the history records, whatever the replayer's default: the bigint crosses again.
    await replayHistory({ ledger }, await handle.fetchHistory());
  });

  it('keeps JSON by default: a bigint is refused where workflow code hands it over', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { ledger }, activities });
    await expect(env.execute(ledger, { input: { total: 1n } })).rejects.toThrow(/bigint/);
  });
});

const stampActivities = { async stamp(input: Map<number, number>) { return { isMap: input instanceof Map, big: 2n }; } };
const stamper = defineWorkflow('stamper', async (ctx) => {
  const first = await ctx.proxyActivities<typeof stampActivities>({ startToCloseTimeout: '1 minute' }).stamp(new Map([[1, 2]]));
  await ctx.sleep('1 minute');
  return first;
});

describe('a reset run', () => {
  it('keeps its converter: activities of the new run read and write rich values', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { stamper }, activities: stampActivities, payloads: { converter: 'rich' } });
    const handle = await env.start(stamper, { workflowId: 'stamp-1' });
    expect(await handle.result()).toEqual({ isMap: true, big: 2n });
    const events = await handle.fetchHistory();
    const firstTask = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
    const newRunId = await handle.reset(firstTask.eventId);
    expect(await env.getHandle('stamp-1', newRunId).result()).toEqual({ isMap: true, big: 2n });
  });
});

const seesDates = defineWorkflow('seesDates', async (ctx) => {
  const fromSideEffect = await ctx.sideEffect(() => ({ at: new Date(0) }));
  const fromLocal = await ctx.proxyLocalActivities<{ when(): Promise<{ at: Date }> }>({ startToCloseTimeout: '1 minute' }).when();
  return { sideEffectIsDate: fromSideEffect.at instanceof Date, localIsDate: fromLocal.at instanceof Date };
});

const beats = {
  async slowBeat(_: unknown, ctx: import('duro/workflow').ActivityContext) {
    ctx.heartbeat({ at: new Date(0), n: 5n });
    await ctx.sleep(60_000);
  },
};
const heartbeatTimesOut = defineWorkflow('heartbeatTimesOut', async (ctx) => {
  const { slowBeat } = ctx.proxyActivities<typeof beats>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '1 second', retry: { maximumAttempts: 1 } });
  try {
    await slowBeat(undefined);
    return 'no timeout';
  } catch (error) {
    const details = (error as { cause?: { lastHeartbeatDetails?: { at: unknown; n: unknown } } }).cause?.lastHeartbeatDetails;
    return { isDate: details?.at instanceof Date, n: details?.n };
  }
});

describe('what workflow code is handed back', () => {
  it('under json, a side effect and a local activity give what a replay reads (a Date as its string), not the live object', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { seesDates }, activities: { async when() { return { at: new Date(0) }; } } });
    expect(await env.execute(seesDates)).toEqual({ sideEffectIsDate: false, localIsDate: false });
    const rich = await TestWorkflowEnvironment.create({ workflows: { seesDates }, activities: { async when() { return { at: new Date(0) }; } }, payloads: { converter: 'rich' } });
    expect(await rich.execute(seesDates)).toEqual({ sideEffectIsDate: true, localIsDate: true });
  });

  it("reads a heartbeat timeout's last details as the payload they were written as", async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { heartbeatTimesOut }, activities: beats, payloads: { converter: 'rich' } });
    expect(await env.execute(heartbeatTimesOut)).toEqual({ isDate: true, n: 5n });
  });
});
