// The host conformance suite: one set of cases every host of an execution must pass, through the wire contract
// (WorkflowExecutionRpc: every call answers a Reply, refusals are problems of a stable type). Each host runs it with
// its own `newHost` (as Hono runs its shared router cases with `newRouter`): the in-memory host in Node
// (test/hosts/memory.test.ts), the browser host on fake-indexeddb in Node (test/hosts/browser.test.ts), the Durable
// Object host in workerd (test/integration-fixture/hosts.test.ts). The workflows are the fixture Worker's
// (test/fixtures/integration-worker/workflows.ts), registered by every host.
// Each area's cases are a file of ./cases/, sharing the helpers of ./cases/helpers.ts.
import { beforeEach, describe } from 'vitest';
import type { WorkflowExecutionRpc } from '../../src/protocol/execution-rpc';
import { cancellationCases } from './cases/cancellation';
import { childCases } from './cases/children';
import { continueAsNewCases } from './cases/continue-as-new';
import { determinismCases } from './cases/determinism';
import { errorCases } from './cases/errors';
import { hostCase } from './cases/helpers';
import { pauseCases } from './cases/pause';
import { payloadCases } from './cases/payloads';
import { resetCases } from './cases/reset';
import { restartCases } from './cases/restarts';
import { signalCases } from './cases/signals';
import { startPolicyCases } from './cases/start-policies';
import { unknownIdCases } from './cases/unknown-ids';
import { updateCases } from './cases/updates';

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

export function runHostSuite(name: string, { newHost }: HostSuiteOptions): void {
  describe(`host conformance: ${name}`, () => {
    let host: HostUnderTest;
    const t = hostCase(() => host);

    beforeEach(async () => {
      host = await newHost();
    });

    // First: objects reset in workerd re-arm alarms that fire a moment later, and should not fire after the file ends
    // (determinism has a restart case too).
    restartCases(t);
    determinismCases(t);
    startPolicyCases(t);
    signalCases(t);
    updateCases(t);
    continueAsNewCases(t);
    resetCases(t);
    childCases(t);
    cancellationCases(t);
    errorCases(t);
    pauseCases(t);
    payloadCases(t);
    unknownIdCases(t);
  });
}
