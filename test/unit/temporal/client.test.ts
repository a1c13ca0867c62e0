// duro/temporal/client: Temporal's client API, in process over the test environment (env.client) and over HTTP against
// the real API app (Connection.connect with a fetch of the app).
import { describe, expect, it } from 'vitest';
import {
  ApplicationFailure, CancelledFailure, Client, Connection, TerminatedFailure, TimeoutFailure, WithStartWorkflowOperation, WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage,
} from 'duro/temporal/client';
import { TestWorkflowEnvironment } from 'duro/temporal/testing';
import { Worker } from 'duro/temporal/worker';
import { createApiApp } from '../../../src/api/app';
import { createEnvBackend } from '../api/env-backend';
import * as activities from '../../fixtures/temporal/client-activities';
import * as workflows from '../../fixtures/temporal/client-workflows';
import { addItem, cart, checkout, declined, example, longSleep } from '../../fixtures/temporal/client-workflows';

async function inProcess(): Promise<{ env: TestWorkflowEnvironment; client: Client }> {
  const env = await TestWorkflowEnvironment.createTimeSkipping();
  await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflows, activities });
  return { env, client: env.client };
}

async function failureOf(promise: Promise<unknown>): Promise<WorkflowFailedError> {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WorkflowFailedError);
  return error as WorkflowFailedError;
}

describe('duro/temporal/client in process', () => {
  it('starts with Temporal options, follows firstExecutionRunId, and describes in Temporal\'s field names', async () => {
    const { client } = await inProcess();
    const handle = await client.workflow.start(example, {
      args: ['Ada'], workflowId: 'greet', taskQueue: 'q', memo: { team: 'a' }, searchAttributes: { CustomerId: ['c-1'] }, workflowExecutionTimeout: '1 hour',
    });
    expect(handle.workflowId).toBe('greet');
    expect(handle.firstExecutionRunId).toMatch(/[0-9a-f-]{36}/);
    expect(await handle.result()).toBe('Hello, Ada!');
    const description = await handle.describe();
    expect(description).toMatchObject({ type: 'example', workflowId: 'greet', runId: handle.firstExecutionRunId, status: { name: 'COMPLETED', code: 2 }, memo: { team: 'a' }, searchAttributes: { CustomerId: ['c-1'] } });
    expect(description.startTime).toBeInstanceOf(Date);
    expect(description.closeTime).toBeInstanceOf(Date);
    expect(description.historyLength).toBeGreaterThan(3);
    expect((await handle.fetchHistory()).events[0]?.type).toBe('WorkflowExecutionStarted');
    expect(await client.workflow.getHandle('greet').result()).toBe('Hello, Ada!');
  });

  it('maps workflowIdReusePolicy and workflowIdConflictPolicy to WorkflowExecutionAlreadyStartedError', async () => {
    const { client } = await inProcess();
    await client.workflow.start(longSleep, { workflowId: 'dup', taskQueue: 'q' });
    await expect(client.workflow.start(longSleep, { workflowId: 'dup', taskQueue: 'q' })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const existing = await client.workflow.start(longSleep, { workflowId: 'dup', taskQueue: 'q', workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(existing.workflowId).toBe('dup');
    await client.workflow.execute(example, { args: ['x'], workflowId: 'done', taskQueue: 'q' });
    await expect(client.workflow.start(example, { args: ['x'], workflowId: 'done', taskQueue: 'q', workflowIdReusePolicy: 'REJECT_DUPLICATE' })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });

  it('throws WorkflowFailedError whose cause is the failure: application, cancelled, terminated, timed out', async () => {
    const { client } = await inProcess();
    const failed = await failureOf(client.workflow.execute(declined, { args: [5], workflowId: 'declined', taskQueue: 'q' }));
    expect(failed.cause).toBeInstanceOf(ApplicationFailure);
    expect((failed.cause as ApplicationFailure).type).toBe('PaymentDeclined');

    const cancelled = await client.workflow.start(longSleep, { workflowId: 'cancelled', taskQueue: 'q' });
    await cancelled.cancel();
    expect((await failureOf(cancelled.result())).cause).toBeInstanceOf(CancelledFailure);
    expect((await cancelled.describe()).status.name).toBe('CANCELLED');

    const terminated = await client.workflow.start(longSleep, { workflowId: 'terminated', taskQueue: 'q' });
    await terminated.terminate('enough');
    expect((await failureOf(terminated.result())).cause).toBeInstanceOf(TerminatedFailure);

    const timedOut = await client.workflow.start(longSleep, { workflowId: 'timed-out', taskQueue: 'q', workflowRunTimeout: '1 day' });
    expect((await failureOf(timedOut.result())).cause).toBeInstanceOf(TimeoutFailure);
    expect((await timedOut.describe()).status.name).toBe('TIMED_OUT');
  });

  it('signals, queries and updates; a validator rejection and a handler failure are both WorkflowUpdateFailedError', async () => {
    const { client } = await inProcess();
    const handle = await client.workflow.signalWithStart(cart, { args: ['ada'], workflowId: 'cart', taskQueue: 'q', signal: addItem, signalArgs: ['pear'] });
    expect(handle.signaledRunId).toBe(handle.firstExecutionRunId);
    await handle.signal(addItem, 'fig');
    const rejected = await handle.executeUpdate(checkout, { args: [''] }).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((rejected as WorkflowUpdateFailedError).cause).toBeInstanceOf(ApplicationFailure);
    const update = await handle.startUpdate(checkout, { args: ['SAVE'], waitForStage: WorkflowUpdateStage.ACCEPTED, updateId: 'u1' });
    expect(update.updateId).toBe('u1');
    expect(await update.result()).toEqual(['pear', 'fig', 'SAVE']);
    expect(await handle.result()).toBe('ada:pear,fig');
    await expect(client.workflow.getHandle('nobody').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('runs update-with-start through WithStartWorkflowOperation', async () => {
    const { client } = await inProcess();
    const startWorkflowOperation = new WithStartWorkflowOperation(cart, { args: ['bo'], workflowId: 'uws', taskQueue: 'q', workflowIdConflictPolicy: 'USE_EXISTING' });
    const started = client.workflow.signalWithStart(cart, { args: ['bo'], workflowId: 'uws', taskQueue: 'q', signal: addItem, signalArgs: ['kiwi'] });
    await started;
    expect(await client.workflow.executeUpdateWithStart(checkout, { args: ['X'], startWorkflowOperation })).toEqual(['kiwi', 'X']);
    const handle = await startWorkflowOperation.workflowHandle();
    expect(await handle.result()).toBe('bo:kiwi');
  });

  it('lists and counts with a Temporal visibility query, as far as Duro filters', async () => {
    const { client } = await inProcess();
    await client.workflow.execute(example, { args: ['a'], workflowId: 'l1', taskQueue: 'q' });
    await client.workflow.start(longSleep, { workflowId: 'l2', taskQueue: 'q' });
    const ids: string[] = [];
    for await (const info of client.workflow.list({ query: "WorkflowType = 'longSleep' AND ExecutionStatus = 'Running'" })) ids.push(info.workflowId);
    expect(ids).toEqual(['l2']);
    expect((await client.workflow.count()).count).toBe(2);
    expect((await client.workflow.count("WorkflowId = 'l1'")).count).toBe(1);
    expect(() => client.workflow.list({ query: "WorkflowType = 'a' OR WorkflowType = 'b'" })).toThrow(TypeError);
  });
});

describe('duro/temporal/client over HTTP', () => {
  it('talks to the REST API through Connection.connect, the token as apiKey', async () => {
    const { backend } = await createEnvBackend({ workflows: { ...workflows }, activities });
    const app = createApiApp(backend);
    const seen: Array<string | null> = [];
    const connection = await Connection.connect({
      address: 'duro.test',
      apiKey: 'secret',
      fetch: async (request) => {
        seen.push(request.headers.get('authorization'));
        return app.fetch(request);
      },
    });
    const client = new Client({ connection });
    expect(await client.workflow.execute(example, { args: ['HTTP'], workflowId: 'h1', taskQueue: 'q' })).toBe('Hello, HTTP!');
    expect(seen[0]).toBe('Bearer secret');
    const handle = await client.workflow.start(cart, { args: ['cy'], workflowId: 'h2', taskQueue: 'q' });
    await handle.signal(addItem, 'plum');
    await expect(handle.executeUpdate(checkout, { args: [''] })).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    expect(await handle.executeUpdate(checkout, { args: ['Z'] })).toEqual(['plum', 'Z']);
    expect(await handle.result()).toBe('cy:plum');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await expect(client.workflow.start(cart, { args: ['cy'], workflowId: 'h2', taskQueue: 'q', workflowIdReusePolicy: 'REJECT_DUPLICATE' })).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    const failed = await failureOf(client.workflow.execute(declined, { args: [1], workflowId: 'h3', taskQueue: 'q' }));
    expect((failed.cause as ApplicationFailure).type).toBe('PaymentDeclined');
  });
});
