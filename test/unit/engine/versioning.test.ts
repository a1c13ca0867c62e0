// Versioning with ctx.patched / ctx.deprecatePatch: old runs replay the old branch, new runs take the new one.
import { describe, expect, it } from 'vitest';
import { NonDeterminismError, defineSignal, defineWorkflow, type ActivityContext, type HistoryEvent } from 'duro/workflow';
import { TestWorkflowEnvironment, replayHistory } from 'duro/testing';

const activities = {
  async sendEmail(_input: unknown, _ctx: ActivityContext) {
    return 'email';
  },
  async sendSms(_input: unknown, _ctx: ActivityContext) {
    return 'sms';
  },
};

const confirm = defineSignal('confirm');

type Branch = 'old' | 'new';
type Version = 'v1' | 'v2-patched' | 'v3-deprecated' | 'v4-clean';

/** The same workflow at four stages of a migration from email to SMS. `branches` records the branch each execution took. */
function notify(version: Version, branches: Branch[] = []) {
  return defineWorkflow('notify', async (ctx) => {
    const { sendEmail, sendSms } = ctx.proxyActivities<typeof activities>({ startToCloseTimeout: '10s' });
    let confirmed = false;
    ctx.setHandler(confirm, () => void (confirmed = true));
    await ctx.condition(() => confirmed);
    let branch: Branch;
    switch (version) {
      case 'v1':
        branch = 'old';
        break;
      case 'v2-patched':
        branch = ctx.patched('use-sms') ? 'new' : 'old';
        break;
      case 'v3-deprecated':
        ctx.deprecatePatch('use-sms');
        branch = 'new';
        break;
      case 'v4-clean':
        branch = 'new';
        break;
    }
    branches.push(branch);
    const sent = branch === 'new' ? await sendSms() : await sendEmail();
    await ctx.sleep('1 hour');
    return sent;
  });
}

async function runWith(version: Version): Promise<{ history: HistoryEvent[]; result: string }> {
  const env = await TestWorkflowEnvironment.create({ workflows: [notify(version)], activities });
  const handle = await env.start('notify');
  await handle.signal(confirm);
  const result = (await handle.result()) as string;
  return { history: await handle.fetchHistory(), result };
}

const patchMarkers = (history: HistoryEvent[]) => history.filter((e) => e.type === 'MarkerRecorded' && e.markerName === 'Patch');

describe('ctx.patched', () => {
  it('replays a history recorded by the old code on the old branch', async () => {
    const { history, result } = await runWith('v1');
    expect(result).toBe('email');
    expect(patchMarkers(history)).toEqual([]);

    const branches: Branch[] = [];
    await replayHistory([notify('v2-patched', branches)], history);

    expect(branches).toEqual(['old']);
  });

  it('takes the new branch in a fresh run and records a Patch marker', async () => {
    const { history, result } = await runWith('v2-patched');
    expect(result).toBe('sms');
    expect(patchMarkers(history)).toMatchObject([{ data: { patchId: 'use-sms', deprecated: false } }]);

    const branches: Branch[] = [];
    await replayHistory([notify('v2-patched', branches)], history);
    expect(branches).toEqual(['new']);
  });

  it('keeps a run that passed the patch point under the old code on the old branch after a deploy', async () => {
    const branches: Branch[] = [];
    const env = await TestWorkflowEnvironment.create({ workflows: [notify('v1')], activities });
    const oldRun = await env.start('notify', { workflowId: 'old-run' });
    await oldRun.signal(confirm);
    await env.sleep('1 minute'); // email sent; now in the 1-hour sleep

    env.deploy({ workflows: [notify('v2-patched', branches)] });
    const newRun = await env.start('notify', { workflowId: 'new-run' });
    await newRun.signal(confirm);

    expect(await oldRun.result()).toBe('email');
    expect(await newRun.result()).toBe('sms');
    // The old run was replayed by the patched code (old branch, no marker in its history), then finished live.
    expect(branches.sort()).toEqual(['new', 'old']);
    expect(patchMarkers(await oldRun.fetchHistory())).toEqual([]);
  });

  it('takes the new branch in a run started by the old code that reaches the patch point after the deploy (as Temporal)', async () => {
    const env = await TestWorkflowEnvironment.create({ workflows: [notify('v1')], activities });
    const handle = await env.start('notify');
    await env.sleep('1 minute'); // still waiting for the signal, before the branch

    env.deploy({ workflows: [notify('v2-patched')] });
    await handle.signal(confirm);

    expect(await handle.result()).toBe('sms');
    expect(patchMarkers(await handle.fetchHistory())).toHaveLength(1);
  });

  it('fails replay of an old history by code that branched without ctx.patched', async () => {
    const { history } = await runWith('v1');
    const error = await replayHistory([notify('v4-clean')], history).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as NonDeterminismError).diff).toMatchObject({ expected: 'ScheduleActivity(sendSms, seq 1)', recorded: 'ActivityTaskScheduled(sendEmail, seq 1)' });
  });

  it('returns the same answer every time it is asked for the same patch in one run', async () => {
    const twice = defineWorkflow('twice', async (ctx) => [ctx.patched('p'), ctx.patched('p')]);
    const env = await TestWorkflowEnvironment.create({ workflows: { twice } });
    const handle = await env.start(twice);
    expect(await handle.result()).toEqual([true, true]);
    expect(patchMarkers(await handle.fetchHistory())).toHaveLength(1);
  });
});

describe('ctx.deprecatePatch', () => {
  it('replays histories recorded with the patch, and records a deprecated marker in fresh runs', async () => {
    const patched = await runWith('v2-patched');
    const branches: Branch[] = [];
    await replayHistory([notify('v3-deprecated', branches)], patched.history);
    expect(branches).toEqual(['new']);

    const fresh = await runWith('v3-deprecated');
    expect(fresh.result).toBe('sms');
    expect(patchMarkers(fresh.history)).toMatchObject([{ data: { patchId: 'use-sms', deprecated: true } }]);
    await expect(replayHistory([notify('v3-deprecated')], fresh.history)).resolves.toBeUndefined();
  });

  it('lets the marker go: code without the patch call replays histories of both patched and deprecated runs', async () => {
    const patched = await runWith('v2-patched');
    const deprecated = await runWith('v3-deprecated');
    await expect(replayHistory([notify('v4-clean')], patched.history)).resolves.toBeUndefined();
    await expect(replayHistory([notify('v4-clean')], deprecated.history)).resolves.toBeUndefined();
  });

  it('still fails replay of a history recorded before the patch existed', async () => {
    const { history } = await runWith('v1');
    await expect(replayHistory([notify('v3-deprecated')], history)).rejects.toBeInstanceOf(NonDeterminismError);
  });
});
