// The host conformance suite (test/hosts/suite.ts) on the Durable Object host: each workflow id's WorkflowExecution
// object of the fixture Worker, called over RPC (its methods are the wire contract, WorkflowExecutionRpc). `sleep` is
// a real wait; a restart resets the objects (abortAllDurableObjects, as the other restart tests here do), so the next
// call loads the workflow id's runs from SQLite.
import { abortAllDurableObjects } from 'cloudflare:test';
import type { WorkflowExecutionRpc } from '../../src/protocol/execution-rpc';
import { runHostSuite, type HostUnderTest } from '../hosts/suite';
import { executionStub } from './helpers';

const durableObjectHost: HostUnderTest = {
  execution(workflowId) {
    // A stub does not outlive the object it reached (a restart): a new one for every call.
    return new Proxy({} as WorkflowExecutionRpc, {
      get: (_target, method) => {
        if (typeof method !== 'string' || method === 'then') return undefined;
        return (...args: unknown[]) => (executionStub(workflowId) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!(...args);
      },
    });
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  restart: () => abortAllDurableObjects(),
};

runHostSuite('Durable Object (WorkflowExecution in workerd)', { newHost: () => durableObjectHost });
