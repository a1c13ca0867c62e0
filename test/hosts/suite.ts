// The host conformance suite: one set of cases every host of an execution must pass, through the wire contract
// (WorkflowExecutionRpc: every call answers a Reply, refusals are problems of a stable type). Each host runs it with
// its own `newHost` (as Hono runs its shared router cases with `newRouter`): the in-memory host in Node
// (test/hosts/memory.test.ts), the browser host on fake-indexeddb in Node (test/hosts/browser.test.ts), the Durable
// Object host in workerd (test/integration-fixture/hosts.test.ts). The workflows are the fixture Worker's
// (test/fixtures/integration-worker/workflows.ts), registered by every host.
import { beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/history';
import type { ResultReply, WorkflowExecutionRpc } from '../../src/protocol/execution-rpc';
import type { Problem } from '../../src/protocol/problem-types';
import type { Reply } from '../../src/protocol/reply';

export interface HostUnderTest {
  /** The execution of `workflowId` as its callers reach it: Reply-returning, never throwing a refusal. */
  execution(workflowId: string): WorkflowExecutionRpc;
  /** Lets `ms` pass: virtual time on the memory host (timers due on the way fire), a real wait on the others. */
  sleep(ms: number): Promise<void>;
  /** Makes the host of `workflowId` lose everything it holds in memory (a crash, an eviction, a page reload); absent: not a case. */
  restart?(workflowId: string): Promise<void>;
}

export interface HostSuiteOptions {
  /** A host for one case (a fresh one, or a shared one: every case uses workflow ids of its own). */
  newHost(): HostUnderTest | Promise<HostUnderTest>;
}

/** Long enough to close anything these cases expect to close (a long-poll: it answers as soon as the run closes). */
const RESULT_WAIT_MS = 5_000;

export function runHostSuite(name: string, { newHost }: HostSuiteOptions): void {
  describe(`host conformance: ${name}`, () => {
    let host: HostUnderTest;
    const on = (workflowId: string) => host.execution(workflowId);
    const resultOf = async (workflowId: string, options: { runId?: string; followRuns?: boolean; waitMs?: number } = {}): Promise<ResultReply> =>
      answered(await on(workflowId).result({ waitMs: RESULT_WAIT_MS, followRuns: true, ...options }));
    const historyOf = async (workflowId: string, runId?: string): Promise<HistoryEvent[]> =>
      answered(await on(workflowId).history(runId === undefined ? {} : { runId })).events;
    const typesOf = async (workflowId: string, runId?: string): Promise<string[]> => (await historyOf(workflowId, runId)).map((event) => event.type);
    const describeOf = async (workflowId: string, runId?: string) => answered(await on(workflowId).describe(runId === undefined ? {} : { runId }));
    const queryItems = async (workflowId: string): Promise<unknown> => answered(await on(workflowId).query({ name: 'items', args: [] })).result;

    /** Checks `probe` every 25 ms of the host's time until it holds; fails after `tries` checks. */
    async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, tries = 80): Promise<T> {
      for (let i = 0; i < tries; i++) {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        await host.sleep(25);
      }
      throw new Error(`gave up waiting for ${what}`);
    }

    beforeEach(async () => {
      host = await newHost();
    });

    // First: objects reset in workerd re-arm alarms that fire a moment later, and should not fire after the file ends.
    describe('restarts (hosts that can lose their memory)', () => {
      it('fires a timer whose host restarted while it waited', async ({ skip }) => {
        if (!host.restart) return skip('this host keeps everything in memory');
        const id = uniqueId('timer-restart');
        const { runId } = answered(await on(id).start({ workflowType: 'sleeper', workflowId: id, input: { duration: '300ms' } }));
        await host.restart(id);
        expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: 'woke' });
        expect(await typesOf(id)).toEqual(['WorkflowExecutionStarted', 'TimerStarted', 'WorkflowTaskCompleted', 'TimerFired', 'WorkflowExecutionCompleted']);
      });

      it('records a signal re-sent with its requestId after a restart once', async ({ skip }) => {
        if (!host.restart) return skip('this host keeps everything in memory');
        const id = uniqueId('signal-dedupe-restart');
        answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
        answered(await on(id).signal({ name: 'addItem', args: ['fig'], requestId: 'fig-1' }));
        await host.restart(id);
        answered(await on(id).signal({ name: 'addItem', args: ['fig'], requestId: 'fig-1' }));
        expect(await queryItems(id)).toEqual(['fig']);
        expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(1);
      });

      it('delivers a signal to the workflow id to the run continued as new before a restart', async ({ skip }) => {
        if (!host.restart) return skip('this host keeps everything in memory');
        const id = uniqueId('relay-restart');
        const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 1 } }));
        await eventually('the next run', async () => (await describeOf(id)).runId !== firstRunId);
        await host.restart(id);
        answered(await on(id).signal({ name: 'addItem', args: ['after the restart'] }));
        answered(await on(id).signal({ name: 'finish', args: [] }));
        const result = await resultOf(id, { runId: firstRunId });
        expect(result).toMatchObject({ status: 'completed', result: { heard: ['after the restart'] } });
        expect(result.runId).not.toBe(firstRunId);
      });
    });

    describe('start policies', () => {
      it('refuses a second start of a running id (idConflictPolicy fail, the default) with duro:workflow-already-started', async () => {
        const id = uniqueId('conflict-fail');
        const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
        expect(first).toEqual({ workflowId: id, runId: expect.any(String), started: true });
        expect(refused(await on(id).start({ workflowType: 'waiter', workflowId: id }))).toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
        expect(refused(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'fail' }))).toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
        expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'running' });
        expect((await typesOf(id)).filter((type) => type === 'WorkflowExecutionStarted')).toHaveLength(1);
      });

      it('answers the running run with started: false under idConflictPolicy useExisting', async () => {
        const id = uniqueId('conflict-use');
        const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
        const again = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'useExisting' }));
        expect(again).toEqual({ workflowId: id, runId: first.runId, started: false });
        expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'running' });
        // The run is the same one, untouched: it still finishes when told to.
        answered(await on(id).signal({ name: 'finish', args: [] }));
        expect(await resultOf(id)).toEqual({ status: 'completed', runId: first.runId, result: 'finished' });
      });

      it('terminates the running run and starts a new one under idConflictPolicy terminateExisting', async () => {
        const id = uniqueId('conflict-terminate');
        const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
        const second = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idConflictPolicy: 'terminateExisting' }));
        expect(second).toMatchObject({ workflowId: id, started: true });
        expect(second.runId).not.toBe(first.runId);
        expect(await describeOf(id, first.runId)).toMatchObject({ runId: first.runId, status: 'terminated' });
        expect((await typesOf(id, first.runId)).at(-1)).toBe('WorkflowExecutionTerminated');
        expect(await resultOf(id, { runId: first.runId, followRuns: false, waitMs: 0 })).toMatchObject({ status: 'terminated', runId: first.runId });
        expect(await describeOf(id)).toMatchObject({ runId: second.runId, status: 'running' });
      });

      it('terminates the running run and starts a new one under idReusePolicy terminateIfRunning', async () => {
        const id = uniqueId('reuse-terminate-if-running');
        const first = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
        const second = answered(await on(id).start({ workflowType: 'waiter', workflowId: id, idReusePolicy: 'terminateIfRunning' }));
        expect(second.started).toBe(true);
        expect(second.runId).not.toBe(first.runId);
        expect(await describeOf(id, first.runId)).toMatchObject({ status: 'terminated' });
        expect(await describeOf(id)).toMatchObject({ runId: second.runId, status: 'running' });
      });

      it('refuses to reuse the id of a closed run under idReusePolicy rejectDuplicate, and reuses it by default', async () => {
        const id = uniqueId('reuse-reject');
        const first = answered(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' } }));
        expect(await resultOf(id)).toEqual({ status: 'completed', runId: first.runId, result: 'done' });
        expect(refused(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' }, idReusePolicy: 'rejectDuplicate' })))
          .toMatchObject({ type: 'duro:workflow-already-started', runId: first.runId });
        expect(await describeOf(id)).toMatchObject({ runId: first.runId, status: 'completed' });
        const again = answered(await on(id).start({ workflowType: 'visible', workflowId: id, input: { outcome: 'complete' } }));
        expect(again.started).toBe(true);
        expect(again.runId).not.toBe(first.runId);
      });

      it('reuses the id of a failed or terminated run but not of a completed one under idReusePolicy allowDuplicateFailedOnly', async () => {
        const completed = uniqueId('reuse-failed-only-completed');
        const done = answered(await on(completed).start({ workflowType: 'visible', workflowId: completed, input: { outcome: 'complete' } }));
        expect(await resultOf(completed)).toMatchObject({ status: 'completed' });
        expect(refused(await on(completed).start({ workflowType: 'visible', workflowId: completed, idReusePolicy: 'allowDuplicateFailedOnly' })))
          .toMatchObject({ type: 'duro:workflow-already-started', runId: done.runId });

        const failed = uniqueId('reuse-failed-only-failed');
        const fail = answered(await on(failed).start({ workflowType: 'visible', workflowId: failed, input: { outcome: 'fail' } }));
        expect(await resultOf(failed)).toMatchObject({ status: 'failed', runId: fail.runId, failure: { type: 'AskedToFail' } });
        const afterFail = answered(await on(failed).start({ workflowType: 'visible', workflowId: failed, input: { outcome: 'complete' }, idReusePolicy: 'allowDuplicateFailedOnly' }));
        expect(afterFail.started).toBe(true);
        expect(await resultOf(failed)).toEqual({ status: 'completed', runId: afterFail.runId, result: 'done' });

        const terminated = uniqueId('reuse-failed-only-terminated');
        const term = answered(await on(terminated).start({ workflowType: 'waiter', workflowId: terminated }));
        answered(await on(terminated).terminate({ reason: 'make room' }));
        expect(await resultOf(terminated)).toMatchObject({ status: 'terminated', runId: term.runId });
        const afterTerminate = answered(await on(terminated).start({ workflowType: 'waiter', workflowId: terminated, idReusePolicy: 'allowDuplicateFailedOnly' }));
        expect(afterTerminate.started).toBe(true);
        expect(afterTerminate.runId).not.toBe(term.runId);
      });
    });

    describe('signals and updates', () => {
      it('buffers signals sent before the workflow sets its handlers, and delivers them once it does', async () => {
        const id = uniqueId('buffered');
        // `relay` with n: 0 sleeps 300 ms before it sets its handlers.
        const { runId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 0, duration: '300ms' } }));
        answered(await on(id).signal({ name: 'addItem', args: ['early'] }));
        answered(await on(id).signal({ name: 'finish', args: [] }));
        expect(await resultOf(id)).toEqual({ status: 'completed', runId, result: { runId, heard: ['early'] } });
        const types = await typesOf(id);
        expect(types.filter((type) => type === 'SignalReceived')).toHaveLength(2);
        // Both were recorded while the timer (and so the run, without handlers) was still waiting.
        expect(types.lastIndexOf('SignalReceived')).toBeLessThan(types.indexOf('TimerFired'));
      });

      it('delivers the signal of signal-with-start to the run it starts', async () => {
        const id = uniqueId('signal-with-start');
        const started = answered(await on(id).signalWithStart({ workflowType: 'waiter', workflowId: id, signalName: 'finish', signalArgs: [] }));
        expect(started).toMatchObject({ workflowId: id, started: true });
        expect(await resultOf(id)).toEqual({ status: 'completed', runId: started.runId, result: 'finished' });
        expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(1);
      });

      it('records a signal sent twice with one requestId once', async () => {
        const id = uniqueId('signal-dedupe');
        answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
        expect(await on(id).signal({ name: 'addItem', args: ['apple'], requestId: 'apple-1' })).toEqual({ ok: true, value: null });
        expect(await on(id).signal({ name: 'addItem', args: ['apple'], requestId: 'apple-1' })).toEqual({ ok: true, value: null });
        answered(await on(id).signal({ name: 'addItem', args: ['pear'], requestId: 'pear-1' }));
        expect(await queryItems(id)).toEqual(['apple', 'pear']);
        expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(2);
      });

      it('runs an update sent twice with one updateId once, answering the same outcome both times', async () => {
        const id = uniqueId('update-dedupe');
        answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
        const update = { name: 'addChecked', args: ['pear', 2], updateId: 'pear-2', wait: 'completed' as const };
        expect(answered(await on(id).update(update))).toEqual({ updateId: 'pear-2', outcome: { result: 1 } });
        expect(answered(await on(id).update(update))).toEqual({ updateId: 'pear-2', outcome: { result: 1 } });
        expect(answered(await on(id).update({ ...update, updateId: 'pear-3' }))).toEqual({ updateId: 'pear-3', outcome: { result: 2 } });
        expect(refused(await on(id).update({ ...update, args: ['plum', 0], updateId: 'plum-0' }))).toMatchObject({ type: 'duro:update-rejected', failure: { type: 'InvalidQuantity' } });
        expect(await queryItems(id)).toEqual(['2 x pear', '2 x pear']);
        const types = await typesOf(id);
        expect(types.filter((type) => type === 'UpdateAccepted')).toHaveLength(2);
        expect(types.filter((type) => type === 'UpdateCompleted')).toHaveLength(2);
      });
    });

    describe('continue-as-new', () => {
      it('follows the chain to the last run\'s result with followRuns, and names the next run without', async () => {
        const id = uniqueId('countdown');
        const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'countdown', workflowId: id, input: { n: 2 } }));
        const followed = await resultOf(id, { runId: firstRunId });
        expect(followed).toMatchObject({ status: 'completed' });
        const { runs } = (followed as { result: { runs: string[] } }).result;
        expect(runs).toHaveLength(3);
        expect(new Set(runs).size).toBe(3);
        expect(runs[0]).toBe(firstRunId);
        expect(followed.runId).toBe(runs[2]);
        expect(await resultOf(id, { runId: firstRunId, followRuns: false, waitMs: 0 })).toEqual({ status: 'continuedAsNew', runId: firstRunId, newRunId: runs[1] });
        expect((await historyOf(id, firstRunId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', newRunId: runs[1] });
        expect(await describeOf(id)).toMatchObject({ runId: runs[2], status: 'completed' });
      });

      it('delivers signals addressed to the workflow id, or to the old run with followRuns, to the new run', async () => {
        const id = uniqueId('relay');
        const { runId: firstRunId } = answered(await on(id).start({ workflowType: 'relay', workflowId: id, input: { n: 1 } }));
        const current = await eventually('the next run', async () => {
          const described = await describeOf(id);
          return described.runId !== firstRunId && described.runId;
        });
        answered(await on(id).signal({ name: 'addItem', args: ['to the id'] }));
        answered(await on(id).signal({ name: 'addItem', args: ['to the first run, followed'], runId: firstRunId, followRuns: true }));
        expect(refused(await on(id).signal({ name: 'addItem', args: ['to the first run'], runId: firstRunId }))).toMatchObject({ type: 'duro:workflow-closed' });
        answered(await on(id).signal({ name: 'finish', args: [] }));
        expect(await resultOf(id, { runId: firstRunId })).toEqual({ status: 'completed', runId: current, result: { runId: current, heard: ['to the id', 'to the first run, followed'] } });
        expect(await typesOf(id, firstRunId)).not.toContain('SignalReceived');
        expect((await typesOf(id)).filter((type) => type === 'SignalReceived')).toHaveLength(3);
      });
    });

    describe('reset', () => {
      it('re-runs from a WorkflowTaskCompleted in a new run, terminating the old one and re-applying later signals', async () => {
        const id = uniqueId('reset');
        const { runId: oldRunId } = answered(await on(id).start({ workflowType: 'cart', workflowId: id }));
        answered(await on(id).signal({ name: 'addItem', args: ['apple'] }));
        expect(await queryItems(id)).toEqual(['apple']);
        const events = await historyOf(id);
        const firstTask = events.find((event) => event.type === 'WorkflowTaskCompleted')!;
        expect(firstTask.eventId).toBeLessThan(events.find((event) => event.type === 'SignalReceived')!.eventId);

        expect(refused(await on(id).reset({ eventId: 1, reason: 'not a task' }))).toMatchObject({ type: 'duro:bad-reset-point' });
        const { runId: newRunId } = answered(await on(id).reset({ eventId: firstTask.eventId, reason: 'conformance' }));
        expect(newRunId).not.toBe(oldRunId);
        expect(await describeOf(id, oldRunId)).toMatchObject({ status: 'terminated' });
        expect((await typesOf(id, oldRunId)).at(-1)).toBe('WorkflowExecutionTerminated');
        expect(await describeOf(id)).toMatchObject({ runId: newRunId, status: 'running' });
        // The signal came after the reset point: the new run received it again.
        expect(await queryItems(id)).toEqual(['apple']);
        expect(await typesOf(id, newRunId)).toContain('SignalReceived');
        answered(await on(id).signal({ name: 'checkout', args: [] }));
        expect(await resultOf(id)).toEqual({ status: 'completed', runId: newRunId, result: ['apple'] });
      });
    });

    describe('child workflows and their parent\'s close', () => {
      /** Waits until the child runs, as its parent's history records. */
      const childStarted = (parentId: string, childId: string) => eventually(`child ${childId} started`, async () => {
        const started = (await historyOf(parentId)).find((event) => event.type === 'ChildWorkflowStarted');
        return started !== undefined && (await describeOf(childId)).runId === started.runId && started;
      });

      it('terminates the child when its parent is terminated (TERMINATE, the default policy)', async () => {
        const parentId = uniqueId('patient-parent');
        const childId = `${parentId}-child`;
        answered(await on(parentId).start({ workflowType: 'patientParent', workflowId: parentId, input: { childId } }));
        await childStarted(parentId, childId);
        expect(await describeOf(childId)).toMatchObject({ status: 'running', parent: { workflowId: parentId } });
        answered(await on(parentId).terminate({ reason: 'conformance' }));
        expect(await resultOf(parentId)).toMatchObject({ status: 'terminated' });
        expect(await resultOf(childId)).toMatchObject({ status: 'terminated' });
        expect((await typesOf(childId)).at(-1)).toBe('WorkflowExecutionTerminated');
      });

      it('cancels the child when its parent closes under REQUEST_CANCEL', async () => {
        const parentId = uniqueId('parent-cancel');
        const childId = `${parentId}-child`;
        answered(await on(parentId).start({ workflowType: 'parent', workflowId: parentId, input: { childId, policy: 'REQUEST_CANCEL' } }));
        expect(await resultOf(parentId)).toMatchObject({ status: 'completed', result: childId });
        expect(await resultOf(childId)).toMatchObject({ status: 'canceled', failure: { type: 'CancelledFailure' } });
        const types = await typesOf(childId);
        expect(types).toContain('WorkflowExecutionCancelRequested');
        expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
      });

      it('leaves the child running when its parent closes under ABANDON', async () => {
        const parentId = uniqueId('parent-abandon');
        const childId = `${parentId}-child`;
        answered(await on(parentId).start({ workflowType: 'parent', workflowId: parentId, input: { childId, policy: 'ABANDON' } }));
        expect(await resultOf(parentId)).toMatchObject({ status: 'completed', result: childId });
        await childStarted(parentId, childId);
        await host.sleep(300);
        expect(await describeOf(childId)).toMatchObject({ status: 'running' });
        answered(await on(childId).signal({ name: 'finish', args: [] }));
        expect(await resultOf(childId)).toMatchObject({ status: 'completed', result: 'finished' });
      });
    });

    describe('cancellation', () => {
      it('cancels a running workflow: its result is canceled, and it takes no more requests', async () => {
        const id = uniqueId('cancel');
        const { runId } = answered(await on(id).start({ workflowType: 'waiter', workflowId: id }));
        expect(await on(id).cancel({ reason: 'conformance' })).toEqual({ ok: true, value: null });
        expect(await resultOf(id)).toMatchObject({ status: 'canceled', runId, failure: { type: 'CancelledFailure' } });
        const types = await typesOf(id);
        expect(types).toContain('WorkflowExecutionCancelRequested');
        expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
        expect(refused(await on(id).cancel({}))).toMatchObject({ type: 'duro:workflow-closed', workflowStatus: 'canceled' });
        expect(refused(await on(id).signal({ name: 'finish', args: [] }))).toMatchObject({ type: 'duro:workflow-closed' });
      });
    });

    describe('pause', () => {
      it('holds a due timer while paused and fires it once unpaused', async () => {
        const id = uniqueId('paused-timer');
        answered(await on(id).start({ workflowType: 'sleeper', workflowId: id, input: { duration: '400ms' } }));
        expect(await on(id).pause({ reason: 'conformance' })).toEqual({ ok: true, value: null });
        expect(await describeOf(id)).toMatchObject({ status: 'running', paused: true, pendingTimers: [expect.anything()] });
        await host.sleep(900); // well past the timer
        expect(await describeOf(id)).toMatchObject({ status: 'running', paused: true, pendingTimers: [expect.anything()] });
        expect(await typesOf(id)).not.toContain('TimerFired');

        expect(await on(id).unpause({})).toEqual({ ok: true, value: null });
        expect(await resultOf(id)).toMatchObject({ status: 'completed', result: 'woke' });
        expect((await typesOf(id)).filter((type) => type === 'TimerFired')).toHaveLength(1);
        expect((await describeOf(id)).paused).toBeUndefined();
      });
    });

    describe('unknown ids and types', () => {
      it('answers duro:workflow-not-found for an id that never ran, and for an unknown run of one that did', async () => {
        const id = uniqueId('never-started');
        expect(refused(await on(id).describe({}))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).history({}))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).result({ waitMs: 0, followRuns: true }))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).signal({ name: 'finish', args: [] }))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).query({ name: 'items', args: [] }))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).terminate({}))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(id).reset({ eventId: 2 }))).toMatchObject({ type: 'duro:workflow-not-found' });

        const known = uniqueId('known');
        answered(await on(known).start({ workflowType: 'waiter', workflowId: known }));
        expect(refused(await on(known).describe({ runId: 'no-such-run' }))).toMatchObject({ type: 'duro:workflow-not-found' });
        expect(refused(await on(known).history({ runId: 'no-such-run' }))).toMatchObject({ type: 'duro:workflow-not-found' });
      });

      it('answers duro:workflow-type-not-found for a start of an unregistered type, and starts nothing', async () => {
        const id = uniqueId('no-such-type');
        expect(refused(await on(id).start({ workflowType: 'noSuchWorkflow', workflowId: id }))).toMatchObject({ type: 'duro:workflow-type-not-found' });
        expect(refused(await on(id).describe({}))).toMatchObject({ type: 'duro:workflow-not-found' });
      });
    });
  });
}

/** A workflow id no other case (or earlier run of the suite) uses. */
function uniqueId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** The value of an answer; a refusal fails the case with its problem. */
function answered<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`expected an answer, got the problem ${reply.problem.type}: ${reply.problem.detail}`);
  return reply.value;
}

/** The problem of a refusal; an answer fails the case. */
function refused(reply: Reply<unknown>): Problem {
  if (reply.ok) throw new Error(`expected a refusal, got the answer ${JSON.stringify(reply.value)}`);
  return reply.problem;
}
