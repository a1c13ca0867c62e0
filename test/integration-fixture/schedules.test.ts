// Schedules in workerd: the Scheduler object starts each action as a workflow named after its scheduled time,
// applies the overlap policy against the last action, and can be paused, triggered and deleted.
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe as group, expect, it } from 'vitest';
import { api, eventually, post, uniqueId } from './helpers';

interface Schedule {
  scheduleId: string;
  paused: boolean;
  nextRunTimes: number[];
  state: { actions: number; skippedOverlap: number; missedCatchup: number; buffered?: number; lastAction?: { workflowId: string; scheduledTime: number } };
}

async function createSchedule(body: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await post('/v1/schedules', body);
  return { status: res.status, body: await res.json() };
}

async function describeSchedule(scheduleId: string): Promise<Schedule> {
  const res = await api(`/v1/schedules/${scheduleId}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as Schedule;
}

/** Statuses of the actions a schedule started, by workflow id (from the Visibility index). */
async function actionsOf(scheduleId: string): Promise<Array<{ workflowId: string; status: string }>> {
  const res = await api(`/v1/workflows?search.scheduleId=${scheduleId}&pageSize=1000`);
  return ((await res.json()) as { executions: Array<{ workflowId: string; status: string }> }).executions;
}

const schedulerStub = () => {
  const namespace = env.SCHEDULER as DurableObjectNamespace;
  return namespace.get(namespace.idFromName('schedules'));
};

group('schedules', () => {
  it('starts an action per interval, named after its scheduled time, and stops when deleted', async () => {
    const scheduleId = uniqueId('every');
    const created = await createSchedule({ scheduleId, every: '1s', workflowType: 'visible', input: { outcome: 'complete' } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.nextRunTimes).toHaveLength(5);
    const [first, second] = created.body.nextRunTimes as number[];
    expect(second! - first!).toBe(1_000);
    expect(first! % 1_000).toBe(0); // aligned to the epoch

    await eventually(async () => (await describeSchedule(scheduleId)).state.actions >= 3, 8_000, 'three actions');
    // A repeated alarm starts nothing twice: the ids are the scheduled times.
    await runDurableObjectAlarm(schedulerStub());
    await runDurableObjectAlarm(schedulerStub());
    const actions = await eventually(async () => {
      const found = await actionsOf(scheduleId);
      return found.length >= 3 ? found : undefined;
    }, 8_000, 'the actions indexed');
    for (const action of actions) expect(action.workflowId).toMatch(new RegExp(`^${scheduleId}-\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$`));
    expect(new Set(actions.map((a) => a.workflowId)).size).toBe(actions.length);
    const result = await api(`/v1/workflows/${actions[0]!.workflowId}/result?wait=5s`);
    expect(await result.json()).toEqual({ status: 'completed', result: 'done' });

    expect((await api(`/v1/schedules/${scheduleId}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/v1/schedules/${scheduleId}`)).status).toBe(404);
    const settled = (await actionsOf(scheduleId)).length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await actionsOf(scheduleId)).length).toBeLessThanOrEqual(settled + 1); // at most one already on its way
  }, 30_000);

  it('skips actions due while the last one runs (overlap skip), and buffers one with bufferOne', async () => {
    const skipId = uniqueId('skip');
    expect((await createSchedule({ scheduleId: skipId, every: '1s', workflowType: 'waiter', overlap: 'skip' })).status).toBe(201);
    await eventually(async () => (await describeSchedule(skipId)).state.skippedOverlap >= 2, 12_000, 'skipped actions');
    const skip = await describeSchedule(skipId);
    expect(skip.state.actions).toBe(1);
    expect((await api(`/v1/schedules/${skipId}/pause`, { method: 'POST' })).status).toBe(202);

    const bufferId = uniqueId('buffer');
    expect((await createSchedule({ scheduleId: bufferId, every: '1s', workflowType: 'waiter', overlap: 'bufferOne' })).status).toBe(201);
    const running = await eventually(async () => (await describeSchedule(bufferId)).state.lastAction, 8_000, 'the first action');
    await eventually(async () => (await describeSchedule(bufferId)).state.buffered !== undefined, 8_000, 'a buffered action');
    expect((await describeSchedule(bufferId)).state.actions).toBe(1);
    // The running action ends: the buffered one starts.
    expect((await post(`/v1/workflows/${running.workflowId}/signals/finish`, {})).status).toBe(202);
    await eventually(async () => (await describeSchedule(bufferId)).state.actions === 2, 8_000, 'the buffered action started');
    expect((await api(`/v1/schedules/${bufferId}/pause`, { method: 'POST' })).status).toBe(202);
  }, 40_000);

  it('pauses, unpauses and triggers', async () => {
    const scheduleId = uniqueId('paused');
    const created = await createSchedule({ scheduleId, cron: '0 0 1 1 *', timezone: 'Europe/Berlin', workflowType: 'visible', input: {}, paused: true });
    expect(created.status).toBe(201);
    expect(created.body.nextRunTimes).toEqual([]);
    const triggered = await post(`/v1/schedules/${scheduleId}/trigger`, {});
    expect(triggered.status).toBe(202);
    const { workflowId } = (await triggered.json()) as { workflowId: string };
    expect(workflowId.startsWith(`${scheduleId}-`)).toBe(true);
    expect(await (await api(`/v1/workflows/${workflowId}/result?wait=5s`)).json()).toEqual({ status: 'completed', result: 'done' });

    expect((await post(`/v1/schedules/${scheduleId}/unpause`, {})).status).toBe(202);
    expect((await post(`/v1/schedules/${scheduleId}/trigger`, {})).status).toBe(202); // on an active schedule too
    const unpaused = await describeSchedule(scheduleId);
    expect(unpaused.state.actions).toBe(2);
    const stored = await runInDurableObject(schedulerStub(), (_instance, state) => state.storage.sql.exec<{ wake_at: number | null }>('SELECT wake_at FROM schedules WHERE schedule_id = ?', scheduleId).one().wake_at);
    expect(stored).toBe(unpaused.nextRunTimes[0]); // the calendar goes on after a trigger
    expect(unpaused.paused).toBe(false);
    // Midnight of 1 January in Berlin is 23:00 UTC on 31 December.
    expect(new Date(unpaused.nextRunTimes[0]!).toISOString()).toMatch(/-12-31T23:00:00\.000Z$/);

    const listed = (await (await api('/v1/schedules')).json()) as { schedules: Schedule[] };
    expect(listed.schedules.find((s) => s.scheduleId === scheduleId)?.nextRunTimes).toHaveLength(5);
  });

  it('refuses bad schedules with clear problems and creates nothing', async () => {
    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ scheduleId: uniqueId('bad'), workflowType: 'visible' }, 400, 'duro:invalid-request'], // neither cron nor every
      [{ scheduleId: uniqueId('bad'), cron: '* * * * *', every: '1m', workflowType: 'visible' }, 400, 'duro:invalid-request'],
      [{ scheduleId: uniqueId('bad'), cron: 'every tuesday', workflowType: 'visible' }, 400, 'duro:invalid-request'],
      [{ scheduleId: uniqueId('bad'), cron: '0 9 * * *', timezone: 'Mars/Olympus', workflowType: 'visible' }, 400, 'duro:invalid-request'],
      [{ scheduleId: uniqueId('bad'), every: '1m', startAt: 'tomorrow', workflowType: 'visible' }, 400, 'duro:invalid-request'],
      [{ scheduleId: 'has spaces', every: '1m', workflowType: 'visible' }, 400, 'duro:invalid-request'],
      [{ scheduleId: uniqueId('bad'), every: '1m', workflowType: 'noSuchWorkflow' }, 404, 'duro:workflow-type-not-found'],
    ];
    for (const [body, status, type] of cases) {
      const res = await createSchedule(body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.body.type, JSON.stringify(body)).toBe(type);
      if (typeof body.scheduleId === 'string') expect((await api(`/v1/schedules/${encodeURIComponent(body.scheduleId)}`)).status).toBe(404);
    }
    const scheduleId = uniqueId('twice');
    expect((await createSchedule({ scheduleId, every: '1h', workflowType: 'visible' })).status).toBe(201);
    expect(await createSchedule({ scheduleId, every: '1h', workflowType: 'visible' })).toMatchObject({ status: 409, body: { type: 'duro:schedule-already-exists' } });
    expect((await api('/v1/schedules/nope/pause', { method: 'POST' })).status).toBe(404);
  });
});
