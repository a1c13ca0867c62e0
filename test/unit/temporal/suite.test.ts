// The Temporal-style suite (test/fixtures/temporal/suite-scenarios.ts) in the time-skipping environment, set up as
// Temporal's documentation teaches: TestWorkflowEnvironment.createTimeSkipping, a Worker per test, env.client.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { TestWorkflowEnvironment } from 'duro/temporal/testing';
import { Worker } from 'duro/temporal/worker';
import * as sampleActivities from '../../fixtures/temporal/sample-activities';
import * as suiteActivities from '../../fixtures/temporal/suite-activities';
import { taskQueue, type SuiteHost } from '../../fixtures/temporal/suite-host';
import { scenarios } from '../../fixtures/temporal/suite-scenarios';

const workflowsPath = fileURLToPath(new URL('../../fixtures/temporal/suite-workflows.ts', import.meta.url));
let testEnv: TestWorkflowEnvironment;
let host: SuiteHost;

beforeAll(async () => {
  testEnv = await TestWorkflowEnvironment.createTimeSkipping();
  let ids = 0;
  host = {
    client: testEnv.client,
    id: (prefix) => `${prefix}-${++ids}`,
    forget: async (workflowId) => testEnv.duro.evict(workflowId),
  };
});

afterAll(async () => {
  await testEnv?.teardown();
});

describe('the Temporal-style suite in the time-skipping environment', () => {
  for (const scenario of scenarios) {
    (scenario.bug?.node ? it.fails : it)(scenario.name, async () => {
      const worker = await Worker.create({ connection: testEnv.nativeConnection, taskQueue, workflowsPath, activities: { ...sampleActivities, ...suiteActivities } });
      await worker.runUntil(() => scenario.run(host));
    }, scenario.timeoutMs);
  }
});
