// An ApiBackend over TestWorkflowEnvironment: a second, in-memory host under the REST API. Real workflows run on
// the real engine and its one execution layer; only time is virtual, and waiting (long-poll, updates) skips it.
import type { ApiBackend, ExecutionStub } from '../../../src/api/backend';
import { WorkflowRegistry } from '../../../src/core';
import { answering } from '../../../src/protocol/execution-answers';
import type { WorkflowExecutionRpc } from '../../../src/protocol/execution-rpc';
import { TestWorkflowEnvironment, type TestEnvironmentOptions } from '../../../src/testing';

export interface EnvBackendOptions extends TestEnvironmentOptions {
  workflows: Record<string, unknown>;
  activitySecret?: string;
}

export const TEST_ACTIVITY_SECRET = 'test-activity-secret';

/** A fresh environment and the backend that serves it to the API. */
export async function createEnvBackend(options: EnvBackendOptions): Promise<{ env: TestWorkflowEnvironment; backend: ApiBackend }> {
  const env = await TestWorkflowEnvironment.create(options);
  const registry = new WorkflowRegistry(options.workflows);
  const backend: ApiBackend = {
    execution: (workflowId): ExecutionStub => timeSkippingRpc(env, workflowId),
    hasWorkflowType: (name) => registry.has(name),
    activitySecret: options.activitySecret ?? TEST_ACTIVITY_SECRET,
  };
  return { env, backend };
}

/**
 * The execution of `workflowId` answering as the Durable Object does (the same core and the same error mapping), each
 * call awaited while skipping virtual time, as a test awaiting it through the environment would.
 */
export function timeSkippingRpc(env: TestWorkflowEnvironment, workflowId: string): WorkflowExecutionRpc {
  const rpc = answering(env.execution(workflowId)) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return new Proxy(rpc, {
    get: (target, method: string) => (...args: unknown[]) => env.skipTimeUntil(target[method]!(...args)),
  }) as unknown as WorkflowExecutionRpc;
}

