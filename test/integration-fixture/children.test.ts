// Child workflows live in their own objects and hear from their parent by RPC; continue-as-new keeps one
// workflow id's chain of runs in one object.
import { abortAllDurableObjects, runInDurableObject } from 'cloudflare:test';
import { describe as group, expect, it } from 'vitest';
import { probe } from '../fixtures/integration-worker/probe';
import { api, describe, eventually, executionStub, history, result, signal, start, uniqueId } from './helpers';

async function closeParentWithChild(policy: 'TERMINATE' | 'REQUEST_CANCEL' | 'ABANDON', options: { restartOnClose?: boolean } = {}) {
  const parentId = uniqueId(`parent-${policy.toLowerCase()}`);
  const childId = `${parentId}-child`;
  await start('parent', parentId, { childId, policy });
  expect(await result(parentId)).toEqual({ status: 200, body: { status: 'completed', result: childId } });
  // Reset both objects as soon as the parent has closed: whatever was in flight between them is lost.
  if (options.restartOnClose) await abortAllDurableObjects();
  const parentEvents = await history(parentId);
  const started = parentEvents.find((event) => event.type === 'ChildWorkflowStarted');
  expect(started).toMatchObject({ workflowId: childId });
  return { parentId, childId, childRunId: started!.runId as string };
}

group('child workflows when their parent closes', () => {
  it('terminates the child under TERMINATE', async () => {
    const { parentId, childId, childRunId } = await closeParentWithChild('TERMINATE');
    const { status, body } = await result(childId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'terminated' });
    const child = await describe(childId);
    expect(child).toMatchObject({ runId: childRunId, status: 'terminated', parent: { workflowId: parentId } });
    expect((await history(childId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionTerminated', reason: expect.stringContaining(parentId) });
  });

  it('terminates the child under TERMINATE even when both objects restart right after the parent closed', async () => {
    const { childId } = await closeParentWithChild('TERMINATE', { restartOnClose: true });
    // The parent still owes the child its termination, and delivers it.
    const { status, body } = await result(childId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'terminated' });
  });

  it('cancels the child under REQUEST_CANCEL, letting it run its cancellation', async () => {
    const { childId } = await closeParentWithChild('REQUEST_CANCEL');
    const { status, body } = await result(childId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'canceled', failure: { type: 'CancelledFailure' } });
    const types = (await history(childId)).map((event) => event.type);
    expect(types).toContain('WorkflowExecutionCancelRequested');
    expect(types.at(-1)).toBe('WorkflowExecutionCanceled');
  });

  it('leaves the child running under ABANDON', async () => {
    const { childId } = await closeParentWithChild('ABANDON');
    expect((await result(childId, 'wait=300ms')).status).toBe(202);
    expect((await describe(childId)).status).toBe('running');
    // The abandoned child goes on by itself, and its close is not refused for want of a parent.
    expect((await signal(childId, 'finish')).status).toBe(202);
    expect(await result(childId)).toEqual({ status: 200, body: { status: 'completed', result: 'finished' } });
  });
});

group('continue-as-new', () => {
  it('follows the chain to the last run\'s result and keeps every earlier run readable by runId', async () => {
    const workflowId = uniqueId('countdown');
    const firstRunId = await start('countdown', workflowId, { n: 2 });
    const res = await api(`/v1/workflows/${workflowId}/result?wait=8s`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; result: { runs: string[] } };
    expect(body.status).toBe('completed');
    const runs = body.result.runs;
    expect(runs).toHaveLength(3);
    expect(runs[0]).toBe(firstRunId);
    expect(new Set(runs).size).toBe(3);
    expect(res.headers.get('Duro-Run-Id')).toBe(runs[2]);

    const first = await history(workflowId, firstRunId);
    expect(first[0]).toMatchObject({ type: 'WorkflowExecutionStarted', runId: firstRunId, input: { n: 2 } });
    expect(first.at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', newRunId: runs[1], input: { n: 1, runs: [firstRunId] } });
    const second = await history(workflowId, runs[1]);
    expect(second[0]).toMatchObject({ type: 'WorkflowExecutionStarted', runId: runs[1], continuedFromRunId: firstRunId, firstRunId });
    expect(second.at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew', newRunId: runs[2] });
    expect((await history(workflowId)).at(-1)).toMatchObject({ type: 'WorkflowExecutionCompleted' });

    // Without following, the first run's result says where the chain went.
    const unfollowed = await api(`/v1/workflows/${workflowId}/result?runId=${firstRunId}&followRuns=false`);
    expect(unfollowed.status).toBe(200);
    expect(await unfollowed.json()).toEqual({ status: 'continuedAsNew', newRunId: runs[1] });
    expect(unfollowed.headers.get('Duro-Run-Id')).toBe(firstRunId);
    expect(await describe(workflowId, firstRunId)).toMatchObject({ runId: firstRunId, status: 'continuedAsNew' });
  });

  it('goes on with the next run when the object dies during that run\'s first local attempt', async () => {
    // The old run's close is committed before the new run's first step: the close is the record of the start
    // still owed. The new run's first local attempt hangs and the object is reset: the attempt runs again.
    const workflowId = uniqueId('chain-crash');
    const firstRunId = await start('chainThenLocal', workflowId, { n: 1 });
    await eventually(() => probe.counter(`fragile:${workflowId}`) >= 1, 5_000, 'the second run\'s first activation');
    await abortAllDurableObjects();

    expect(await result(workflowId)).toEqual({ status: 200, body: { status: 'completed', result: 'done on call 2' } });
    const first = await history(workflowId, firstRunId);
    const newRunId = first.at(-1)!.newRunId as string;
    expect(first.at(-1)).toMatchObject({ type: 'WorkflowExecutionContinuedAsNew' });
    const second = await history(workflowId);
    expect(second[0]).toMatchObject({ type: 'WorkflowExecutionStarted', runId: newRunId, continuedFromRunId: firstRunId, input: { n: 0 } });
    expect(second.map((event) => event.type)).toEqual(['WorkflowExecutionStarted', 'WorkflowTaskCompleted', 'MarkerRecorded', 'WorkflowExecutionCompleted']);
  });
});

group('a child\'s close that overtakes the answer to its start', () => {
  it('records the start first, with the chain\'s first run id, and later copies of either message change nothing', async () => {
    const parentId = uniqueId('overtaken');
    const childId = `${parentId}-child`;
    // The child's object takes no request for 1.5 s, so the parent's start reaches it (and is answered) only after.
    const held = runInDurableObject(executionStub(childId), (_instance, state) => state.blockConcurrencyWhile(() => new Promise((resolve) => setTimeout(resolve, 1_500))));
    const parentRunId = await start('startingParent', parentId, { childId });
    const initiated = await eventually(async () => (await history(parentId)).find((event) => event.type === 'ChildWorkflowInitiated'), 5_000, 'the child start sent');
    // The notice a closing child sends (here, of a later run of its chain), arriving before the start's answer.
    const parent = executionStub(parentId) as unknown as { childClosed(notice: unknown): Promise<{ ok: boolean }> };
    const notice = { parentRunId, seq: initiated.seq, workflowId: childId, runId: 'child-last-run', firstRunId: 'child-first-run', status: 'completed', outcome: { result: 'closed early' } };
    expect(await parent.childClosed(notice)).toMatchObject({ ok: true });

    expect(await result(parentId)).toEqual({ status: 200, body: { status: 'completed', result: { firstRunId: 'child-first-run', result: 'closed early' } } });
    const childEvents = (events: Array<{ type: string }>) => events.filter((event) => event.type.startsWith('ChildWorkflow')).map((event) => event.type);
    expect(childEvents(await history(parentId))).toEqual(['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed']);
    expect((await history(parentId)).find((event) => event.type === 'ChildWorkflowStarted')).toMatchObject({ runId: 'child-first-run' });

    // The real answer to the start, and the real child's close notice, come later and are dropped as duplicates.
    await held;
    expect(await result(childId)).toMatchObject({ status: 200, body: { status: 'completed', result: 'slow to start' } });
    expect(await parent.childClosed({ ...notice, runId: 'child-last-run' })).toMatchObject({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(childEvents(await history(parentId))).toEqual(['ChildWorkflowInitiated', 'ChildWorkflowStarted', 'ChildWorkflowClosed']);
  });
});
