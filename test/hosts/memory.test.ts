// The host conformance suite (./suite.ts) on the in-memory host: TestWorkflowEnvironment, the core's Execution over
// a memory store and a virtual clock, answering through the same error-to-problem mapping as the Durable Object.
// Every call is awaited while skipping virtual time, as a test awaiting it through the environment would; `sleep`
// skips virtual time. Nothing here outlives a call's memory, so the restart cases are skipped.
import { timeSkippingRpc } from '../unit/api/env-backend';
import { TestWorkflowEnvironment } from '../../src/testing';
import { activities, workflows } from '../fixtures/integration-worker/workflows';
import { runHostSuite, type HostUnderTest } from './suite';

async function memoryHost(): Promise<HostUnderTest> {
  const env = await TestWorkflowEnvironment.create({ workflows, activities, payloads: { converter: 'rich' } });
  return {
    execution: (workflowId) => timeSkippingRpc(env, workflowId),
    sleep: (ms) => env.sleep(ms),
  };
}

runHostSuite('memory (TestWorkflowEnvironment)', { newHost: memoryHost });
