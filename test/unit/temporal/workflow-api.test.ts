// The less common exports of duro/temporal/workflow, run in the time-skipping environment as Temporal's docs use them:
// Trigger, currentUpdateInfo, upsertMemo, scheduleActivity/scheduleLocalActivity, proxySinks with a Worker's sinks,
// rootCause and ContinueAsNew.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestWorkflowEnvironment as DuroTestEnvironment } from 'duro/testing';
import { TestWorkflowEnvironment } from 'duro/temporal/testing';
import { Worker, type InjectedSinks } from 'duro/temporal/worker';
import { inWorkflowContext, type WorkflowInfo } from 'duro/temporal/workflow';
import * as activities from '../../fixtures/temporal/activities';
import * as workflows from '../../fixtures/temporal/api-workflows';

const create = () => DuroTestEnvironment.create({ workflows, activities });

afterEach(() => {
  activities.calls.length = 0;
  vi.restoreAllMocks();
});

describe('Trigger', () => {
  it('resolves from a signal handler, and loses a race to a timer when no signal comes', async () => {
    const env = await create();
    const answered = await env.start('waitOnUser', { workflowId: 'answered' });
    await env.sleep('1 hour');
    await answered.signal(workflows.interacted, true);
    expect(await answered.result()).toBe('answered true');
    expect(await env.execute('waitOnUser', { workflowId: 'silent' })).toBe('reminded');
  });

  it('rejects with CancelledFailure when the scope it was made in is cancelled', async () => {
    const env = await create();
    expect(await env.execute('triggerInCancelledScope')).toBe('rejected: CancelledFailure');
  });
});

describe('currentUpdateInfo', () => {
  it('names the update in its validator and in its handler, across an await, and nothing in the main code', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflows });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(workflows.updateInfoSeen, { workflowId: 'updates', taskQueue: 'q' });
      const first = await handle.startUpdate(workflows.rename, { args: ['a'], updateId: 'u-1', waitForStage: 'ACCEPTED' });
      const second = await handle.startUpdate(workflows.rename, { args: ['b'], updateId: 'u-2', waitForStage: 'ACCEPTED' });
      await handle.signal(workflows.proceed);
      expect([await first.result(), await second.result()]).toEqual(['a', 'b']);
      expect(await handle.result()).toEqual({
        handled: ['rename:u-1|rename:u-1', 'rename:u-2|rename:u-2'],
        validated: ['rename:u-1', 'rename:u-2'],
      });
    });
    await env.teardown();
  });
});

describe('upsertMemo', () => {
  it('sets and removes memo keys, seen by workflowInfo() and describe', async () => {
    const env = await create();
    const handle = await env.start('memoUpserts', { workflowId: 'memo', memo: { customer: 'c-1' } });
    expect(await handle.result()).toEqual({ customer: 'c-1', stage: 'two' });
    expect((await handle.describe()).memo).toEqual({ customer: 'c-1', stage: 'two' });
  });
});

describe('scheduleActivity and scheduleLocalActivity', () => {
  it('call an activity by its name with an argument list', async () => {
    const env = await create();
    expect(await env.execute('byActivityName', { workflowId: 'by-name' })).toEqual(['charge o-1 5 EUR for by-name', 'hi!']);
    expect(activities.calls).toEqual(['charge:o-1:5:EUR', 'greet:hi']);
  });
});

describe('proxySinks', () => {
  it('calls the Worker\'s sink outside workflow code, with the run\'s info and a copy of the arguments, once per call', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    const calls: Array<{ event: string; amount: number; workflowId: string; inWorkflow: boolean }> = [];
    const sinks: InjectedSinks<workflows.AuditSinks> = {
      audit: {
        record: {
          fn: (info: WorkflowInfo, event, amount) => void calls.push({ event, amount, workflowId: info.workflowId, inWorkflow: inWorkflowContext() }),
        },
      },
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflows, activities, sinks });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(workflows.audited, { workflowId: 'audited', taskQueue: 'q' });
      // Replayed from its history before the timer fires: the first call is not made again.
      await env.sleep('1 minute');
      env.duro.evict('audited');
      await handle.result();
    });
    expect(calls).toEqual([
      { event: 'opened', amount: 1, workflowId: 'audited', inWorkflow: false },
      { event: 'closed', amount: 2, workflowId: 'audited', inWorkflow: false },
    ]);
    await env.teardown();
  });

  it('calls a sink again on replay when it asks to, and a failing sink fails nothing', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping();
    const events: string[] = [];
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const sinks: InjectedSinks<workflows.AuditSinks> = {
      audit: {
        record: {
          fn: (_info, event) => {
            events.push(event);
            throw new Error('the audit log is down');
          },
          callDuringReplay: true,
        },
      },
    };
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflows, sinks });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(workflows.audited, { workflowId: 'replayed', taskQueue: 'q' });
      await env.sleep('1 minute');
      env.duro.evict('replayed');
      await handle.result();
    });
    expect(events).toEqual(['opened', 'opened', 'closed']);
    expect(errors.mock.calls.filter(([message]) => String(message).includes('Sink audit.record failed'))).toHaveLength(3);
    await env.teardown();
  });

  it('drops a call to a sink no Worker registered, with one warning', async () => {
    const env = await create();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await env.execute('audited', { workflowId: 'unsunk' });
    const warnings = warn.mock.calls.filter(([message]) => String(message).includes('audit.record'));
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]![0])).toContain('no Worker registered');
  });
});

describe('rootCause and ContinueAsNew', () => {
  it('finds the innermost message, and a catch-all rethrows ContinueAsNew so the run continues', async () => {
    const env = await create();
    expect(await env.execute('causesAndContinue', { workflowId: 'causes', input: [1] })).toBe('the card was declined / plain / true');
    expect(env.history('causes')[0]).toMatchObject({ type: 'WorkflowExecutionStarted', input: [2] });
  });
});

describe('workflowInfo().unsafe.now()', () => {
  it('reads the wall clock, as in Temporal, where Date.now() in workflow code is workflow time', async () => {
    const env = await create();
    const before = Date.now();
    const { workflowTime, wallClock } = (await env.execute('clocks')) as { workflowTime: number; wallClock: number };
    expect(workflowTime - env.now()).toBeLessThanOrEqual(0);
    expect(workflowTime - before).toBeGreaterThanOrEqual(30 * 24 * 3_600_000 - 1_000);
    expect(wallClock).toBeGreaterThanOrEqual(before);
    expect(wallClock).toBeLessThanOrEqual(Date.now());
  });
});
