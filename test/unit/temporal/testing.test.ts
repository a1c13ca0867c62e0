// duro/temporal/testing and duro/temporal/worker: a test written as Temporal's docs teach it (TestWorkflowEnvironment +
// Worker on env.nativeConnection + env.client) runs as it is, in process.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/temporal/testing';
import { NativeConnection, Worker } from 'duro/temporal/worker';
import * as activities from '../../fixtures/temporal/client-activities';
import { example, longSleep } from '../../fixtures/temporal/client-workflows';

const workflowsPath = fileURLToPath(new URL('../../fixtures/temporal/client-workflows.ts', import.meta.url));

describe('duro/temporal/testing', () => {
  let testEnv: TestWorkflowEnvironment;

  beforeAll(async () => {
    testEnv = await TestWorkflowEnvironment.createTimeSkipping();
  });

  afterAll(async () => {
    await testEnv?.teardown();
  });

  it('runs a workflow with a Worker created on env.nativeConnection and workflowsPath', async () => {
    const { client, nativeConnection } = testEnv;
    const worker = await Worker.create({ connection: nativeConnection, taskQueue: 'test', workflowsPath, activities });
    const result = await worker.runUntil(client.workflow.execute(example, { args: ['Temporal'], workflowId: 'test', taskQueue: 'test' }));
    expect(result).toBe('Hello, Temporal!');
    expect(worker.getState()).toBe('STOPPED');
  });

  it('mocks activities by name and skips a month of virtual time', async () => {
    const worker = await Worker.create({
      connection: testEnv.nativeConnection,
      taskQueue: 'test',
      workflowsPath,
      activities: { makeGreeting: async () => 'mocked' },
    });
    const before = await testEnv.currentTimeMs();
    await worker.runUntil(async () => {
      expect(await testEnv.client.workflow.execute(example, { args: ['x'], workflowId: 'mocked', taskQueue: 'test' })).toBe('mocked');
      expect(await testEnv.client.workflow.execute(longSleep, { workflowId: 'month', taskQueue: 'test' })).toBe('woke');
    });
    expect((await testEnv.currentTimeMs()) - before).toBeGreaterThanOrEqual(30 * 24 * 3600_000);
  });

  it('moves time with env.sleep before the result is awaited, and takes a workflows module', async () => {
    const env = await TestWorkflowEnvironment.createLocal();
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: 'q', workflows: await import('../../fixtures/temporal/client-workflows'), activities });
    const run = worker.run();
    const handle = await env.client.workflow.start(longSleep, { workflowId: 'sleeper', taskQueue: 'q' });
    await env.sleep('31 days');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    worker.shutdown();
    await run;
    await env.teardown();
  });

  it('refuses a Worker on a connection to a server: Duro runs workflows where it is deployed', async () => {
    await expect(Worker.create({ connection: await NativeConnection.connect({ address: 'localhost:7233' }), taskQueue: 'q', activities })).rejects.toThrow(/createDuro/);
  });
});
