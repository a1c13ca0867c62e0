// duro/temporal/workflow: Temporal-style workflows (test/fixtures/temporal/) registered as they are, by their export
// names, and run by the time-skipping environment.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/testing';
import { IllegalStateError, sleep, workflowInfo } from 'duro/temporal/workflow';
import { WorkflowFailedError, WorkflowUpdateRejectedError } from 'duro/workflow';
import * as activities from '../../fixtures/temporal/activities';
import * as workflows from '../../fixtures/temporal/workflows';

const create = () => TestWorkflowEnvironment.create({ workflows, activities });

afterEach(() => {
  activities.calls.length = 0;
  vi.restoreAllMocks();
});

describe('Temporal-style workflows through duro/temporal/workflow', () => {
  it('runs a module of plain async functions by export name, with positional arguments and module-level proxies', async () => {
    const env = await create();
    expect(await env.execute('greeting', { input: ['Ada', 'Hello'] })).toBe('Hello, Ada!');
    expect(activities.calls).toEqual(['greet:Hello, Ada']);
  });

  it('schedules a cleanup through a module-level proxy inside CancellationScope.nonCancellable after a cancel', async () => {
    const env = await create();
    const handle = await env.start('reserveThenRelease', { workflowId: 'reserve', input: ['book'] });
    await env.sleep('1 minute');
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).status).toBe('canceled');
    expect(activities.calls).toEqual(['reserve:book', 'release:reservation-book']);
  });

  it('sets signal, query and update handlers with setHandler, and waits with condition', async () => {
    const env = await create();
    const handle = await env.start('approval', { workflowId: 'approval' });
    expect(await handle.executeUpdate(workflows.setLimit, { args: [5] })).toBe(0);
    await expect(handle.executeUpdate(workflows.setLimit, { args: [-1] })).rejects.toBeInstanceOf(WorkflowUpdateRejectedError);
    await handle.signal(workflows.approve, 'ada');
    expect(await handle.query(workflows.approver)).toBe('ada');
    expect(await handle.result()).toEqual({ by: 'ada', limit: 5 });
  });

  it('knows the current cancellation scope, its parent and cancelRequested', async () => {
    const env = await create();
    expect(await env.execute('scopes')).toEqual({ sameRoot: true, innerIsChild: true, cancelled: 'yes' });
  });

  it('runs a child by its function with positional arguments and Temporal\'s ParentClosePolicy names', async () => {
    const env = await create();
    expect(await env.execute('parentWithChild', { workflowId: 'p' })).toBe('child-5-p');
    const history = env.history('p');
    expect(history.find((event) => event.type === 'ChildWorkflowInitiated')).toMatchObject({ workflowType: 'childByArgs', options: { parentClosePolicy: 'ABANDON' } });
  });

  it('continues as new with positional arguments', async () => {
    const env = await create();
    const runs = await env.execute('countdownByArgs', { workflowId: 'countdown', input: [3, []] });
    expect(runs).toHaveLength(3);
    expect(new Set(runs).size).toBe(3);
  });

  it('patches', async () => {
    const env = await create();
    expect(await env.execute('versioned')).toBe('new');
  });

  it('never mixes up workflows that interleave: each sees its own identity after every await', async () => {
    const env = await create();
    const handles = await Promise.all(Array.from({ length: 12 }, (_, i) => env.start('identity', { workflowId: `identity-${i}`, input: [10] })));
    const results = await Promise.all(handles.map((handle) => handle.result()));
    results.forEach((seen, i) => expect(seen).toEqual(Array(10).fill(`identity-${i}`)));
  });

  it('logs with log.* once, not again when the run replays its history', async () => {
    const info = vi.spyOn(console, 'info').mockImplementation(() => undefined);
    const env = await create();
    const handle = await env.start('greeting', { workflowId: 'logs', input: ['Bo', 'Hi'] });
    await env.sleep('100ms');
    env.evict(); // the next activation replays the first one, which logs nothing now
    expect(await handle.result()).toBe('Hi, Bo!');
    // One JSON line (the run's ctx.log), with the run's identity.
    const lines = info.mock.calls.flatMap(([text]) => (typeof text === 'string' && text.startsWith('{') ? [JSON.parse(text) as Record<string, unknown>] : [])).filter((line) => line.message === 'greeting');
    expect(lines).toEqual([expect.objectContaining({ level: 'info', message: 'greeting', name: 'Bo', workflowId: 'logs', workflowType: 'greeting' })]);
  });

  it('throws IllegalStateError when a workflow function is called outside workflow code', async () => {
    expect(() => workflowInfo()).toThrow(IllegalStateError);
    expect(() => sleep(1)).toThrow(/may only be used from workflow code/);
  });
});

describe('default handlers and allHandlersFinished', () => {
  it('take messages with no handler of their own, and the run waits for a running update handler before it returns', async () => {
    const env = await create();
    const handle = await env.start('catchAll', { workflowId: 'catch-all' });
    await handle.signal('first', 1, 2);
    expect(await handle.query('anything')).toBe('answered anything');
    await expect(handle.executeUpdate('forbidden')).rejects.toBeInstanceOf(WorkflowUpdateRejectedError);
    const update = handle.executeUpdate('bump', { args: [7] });
    await handle.signal('done');
    expect(await handle.result()).toEqual({ signals: ['first(1,2)', 'done()'], updated: ['bump(7)'] });
    expect(await update).toBe(1);
  });
});
