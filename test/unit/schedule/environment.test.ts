// Schedules on the virtual clock of TestWorkflowEnvironment: days of a calendar in milliseconds, with the same
// planning code the Scheduler object runs.
import { describe, expect, it } from 'vitest';
import { defineWorkflow } from 'duro/workflow';
import { TestWorkflowEnvironment } from 'duro/testing';

const report = defineWorkflow('report', async (ctx, input: { minutes?: number } = {}) => {
  if (input.minutes) await ctx.sleep(input.minutes * 60_000);
  return ctx.info().workflowId;
});

const actionIds = (env: TestWorkflowEnvironment, prefix: string) => env.store.runIds().map((runId) => env.store.history(runId)[0] as { workflowId: string }).map((e) => e.workflowId).filter((id) => id.startsWith(prefix)).sort();

describe('schedules in TestWorkflowEnvironment', () => {
  it('runs a daily cron in its time zone across a daylight-saving change', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { report }, startTime: new Date('2026-03-27T12:00:00Z') });
    env.schedules.create({ scheduleId: 'daily', workflowType: 'report', cron: '0 9 * * *', timezone: 'Europe/Berlin' });
    await env.sleep('3 days');
    // 09:00 in Berlin is 08:00 UTC before the change (29 March) and 07:00 UTC after it.
    expect(actionIds(env, 'daily-')).toEqual(['daily-2026-03-28T08:00:00.000Z', 'daily-2026-03-29T07:00:00.000Z', 'daily-2026-03-30T07:00:00.000Z']);
    expect(await env.getHandle('daily-2026-03-29T07:00:00.000Z').result()).toBe('daily-2026-03-29T07:00:00.000Z');
    expect(env.schedules.describe('daily').state.actions).toBe(3);
  });

  it('skips an hourly action while the last one still runs, or buffers one', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { report }, startTime: new Date('2026-01-01T00:30:00Z') });
    env.schedules.create({ scheduleId: 'skip', workflowType: 'report', input: { minutes: 90 }, every: '1h' });
    env.schedules.create({ scheduleId: 'buffer', workflowType: 'report', input: { minutes: 90 }, every: '1h', overlap: 'bufferOne' });
    await env.sleep('5 hours'); // due at 01:00 … 05:00
    expect(actionIds(env, 'skip-')).toEqual(['skip-2026-01-01T01:00:00.000Z', 'skip-2026-01-01T03:00:00.000Z', 'skip-2026-01-01T05:00:00.000Z']);
    expect(env.schedules.describe('skip').state.skippedOverlap).toBe(2);
    // bufferOne: 02:00 waits for 01:00's action (done 02:30) and starts then; 03:00 waits for it (done 04:00), and so on.
    const buffered = env.schedules.describe('buffer').state;
    expect(buffered.actions).toBeGreaterThanOrEqual(3);
    expect(actionIds(env, 'buffer-').slice(0, 2)).toEqual(['buffer-2026-01-01T01:00:00.000Z', 'buffer-2026-01-01T02:00:00.000Z']);
    const second = env.store.history(env.runOf('buffer-2026-01-01T02:00:00.000Z').runId)[0]!;
    expect(second.timestamp).toBeGreaterThanOrEqual(Date.parse('2026-01-01T02:30:00Z'));
  });

  it('pauses, unpauses without running the missed times, and triggers', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: { report }, startTime: new Date('2026-01-01T00:00:00Z') });
    env.schedules.create({ scheduleId: 'p', workflowType: 'report', every: '1h', paused: true });
    await env.sleep('3 hours');
    expect(actionIds(env, 'p-')).toEqual([]);
    expect(env.schedules.describe('p').nextRunTimes).toEqual([]);
    const triggered = env.schedules.trigger('p');
    expect(triggered).toBe('p-2026-01-01T03:00:00.000Z-trigger');
    env.schedules.setPaused('p', false);
    await env.sleep('90 minutes');
    expect(actionIds(env, 'p-')).toEqual(['p-2026-01-01T03:00:00.000Z-trigger', 'p-2026-01-01T04:00:00.000Z']);
    env.schedules.delete('p');
    await env.sleep('3 hours');
    expect(actionIds(env, 'p-')).toHaveLength(2);
  });
});
